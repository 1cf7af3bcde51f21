"""Scores in [0, 1] for a (patient, trial) pair: molecular fit, phenotypic fit, the ranking score, ranks, and
the list of missing data that would decide a possible match. Formulas: apps/matching/SEMANTICS.md."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

ELIGIBLE, POSSIBLE, INELIGIBLE = "eligible", "possible", "ineligible"
STATUS_CODES = {INELIGIBLE: 0, POSSIBLE: 1, ELIGIBLE: 2}
STATUS_NAMES = {v: k for k, v in STATUS_CODES.items()}
BANDS = {2: (0.67, 0.33), 1: (0.34, 0.32), 0: (0.0, 0.33)}  # status code -> (band floor, band width)
WEIGHTS = {
    "diagnosis": 3.0,
    "histology": 3.0,
    "stage": 2.0,
    "performance_status": 2.0,
    "prior_therapy": 2.0,
    "expression": 2.0,
}
DEFAULT_WEIGHT = 1.0


def weight(kind: str) -> float:
    return WEIGHTS.get(kind, DEFAULT_WEIGHT)


def molecular_fit(fits: Sequence[float]) -> float | None:
    """Mean fit of the trial's molecular inclusion criteria (each 1.0 exact, 0.85 codon, 0.7 exon/class,
    0.5 gene, 0 when not met); None when the trial has none."""
    return sum(fits) / len(fits) if fits else None


def phenotypic_fit(met: Sequence[bool], weights: Sequence[float]) -> float:
    """Weighted share met among the phenotypic criteria whose value is known (met or not met); 0 if none."""
    total = sum(weights)
    return sum(w for m, w in zip(met, weights, strict=True) if m) / total if total else 0.0


def quality(mfit: float | None, pfit: float, n_unknown: int, n_applicable: int) -> float:
    """Within-band order in [0, 1]: half the fit (mean of the fits there are), half the share known."""
    fit = pfit if mfit is None else (mfit + pfit) / 2.0
    known = 1.0 - n_unknown / n_applicable if n_applicable else 1.0
    return 0.5 * fit + 0.5 * known


def score(status: int, mfit: float | None, pfit: float, n_unknown: int, n_applicable: int) -> float:
    """eligible in [0.67, 1], possible in [0.34, 0.66], ineligible in [0, 0.33]."""
    floor, width = BANDS[status]
    return floor + width * quality(mfit, pfit, n_unknown, n_applicable)


def score_array(
    status: npt.NDArray[np.int8],
    mfit: npt.NDArray[np.float64],
    pfit: npt.NDArray[np.float64],
    n_unknown: npt.NDArray[np.int16],
    n_applicable: npt.NDArray[np.int16],
) -> npt.NDArray[np.float64]:
    """`score` over arrays (mfit NaN where None), with the same arithmetic."""
    # In place, with few temporaries (these are trials x patients); with no applicable criterion there is
    # no unknown either, so the share known is 1 - 0/1 = 1.
    fit = np.add(mfit, pfit)
    fit /= 2.0
    np.copyto(fit, pfit, where=np.isnan(mfit))
    known = np.divide(n_unknown, np.maximum(n_applicable, 1), dtype=np.float64)
    np.subtract(1.0, known, out=known)
    fit *= 0.5
    known *= 0.5
    fit += known
    floors = np.array([BANDS[0][0], BANDS[1][0], BANDS[2][0]])
    widths = np.array([BANDS[0][1], BANDS[1][1], BANDS[2][1]])
    out = np.take(widths, status)
    out *= fit
    out += np.take(floors, status)
    return out


def rank(scores: Sequence[float] | npt.NDArray[np.float64]) -> list[int]:
    """1-based ranks, best score first; ties share the better rank (competition ranking)."""
    values = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=np.int64)
    previous, current = None, 0
    for position, index in enumerate(order):
        if previous is None or values[index] != previous:
            current, previous = position + 1, values[index]
        ranks[index] = current
    return [int(r) for r in ranks]


def what_would_decide(missing: Iterable[str | None]) -> list[str]:
    """Deduplicated missing-data strings in criterion order ("ECOG performance status", ...)."""
    out: list[str] = []
    for item in missing:
        for part in (item or "").split("; "):
            if part and part not in out:
                out.append(part)
    return out
