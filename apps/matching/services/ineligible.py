"""Ineligible results packed per (run, chunk, plan) as numpy arrays: packing, removing superseded pairs,
reading."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..models import IneligibleBlock, MatchRun
from .plans import Plan

# The arrays of a block, in storage order: (name, little-endian dtype). 20 bytes a pair.
LAYOUT: tuple[tuple[str, str], ...] = (
    ("patient", "<u4"),
    ("failing", "<u2"),
    ("score", "<f4"),
    ("molecular_fit", "<f4"),
    ("phenotypic_fit", "<f4"),
    ("unknown", "<u2"),
)
_DIGITS = 6  # scores and fits are read back to 6 decimals: ranks and exports need no more


@dataclass(frozen=True)
class IneligibleEntry:
    """One ineligible pair as stored in a block."""

    run_id: int
    trial_id: int
    arm_id: int | None
    criteria_version_id: int
    patient_id: int
    as_of: dt.date
    first_failing: str
    score: float
    molecular_fit: float | None
    phenotypic_fit: float | None
    unknown_count: int


def pack(arrays: dict[str, np.ndarray]) -> bytes:
    """The arrays (same length, keyed as in LAYOUT) as one byte string."""
    return b"".join(np.ascontiguousarray(arrays[name], dtype=dtype).tobytes() for name, dtype in LAYOUT)


def unpack(data: bytes | memoryview, size: int) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    offset = 0
    raw = bytes(data)
    for name, dtype in LAYOUT:
        width = np.dtype(dtype).itemsize * size
        out[name] = np.frombuffer(raw, dtype=dtype, count=size, offset=offset)
        offset += width
    if offset != len(raw):
        raise ValueError(f"packed ineligible block of {size} pairs has {len(raw)} bytes, expected {offset}")
    return out


def block(
    run: MatchRun,
    chunk: int,
    plan: Plan,
    patients: npt.NDArray[np.int64],
    failing: npt.NDArray[np.int64],
    failing_names: Sequence[str],
    score: np.ndarray,
    molecular_fit: np.ndarray,
    phenotypic_fit: np.ndarray,
    unknown: np.ndarray,
) -> IneligibleBlock | None:
    """The block of one plan's ineligible pairs, or None when there are none. `failing` indexes
    `failing_names` (the plan's criterion ids); arrays are parallel to `patients`."""
    if len(patients) == 0:
        return None
    if int(patients.max()) >= 2**32:
        raise ValueError("patient primary keys above 2**32 cannot be packed")
    order = np.argsort(patients, kind="stable")
    used, local = np.unique(failing[order], return_inverse=True)
    return IneligibleBlock(
        run=run,
        chunk_index=chunk,
        trial_id=plan.trial_pk,
        arm_id=plan.arm_pk,
        criteria_version_id=plan.version_pk,
        revision_id=plan.revision_pk,
        as_of=run.as_of,
        size=len(patients),
        patient_min=int(patients[order[0]]),
        patient_max=int(patients[order[-1]]),
        failing_ids=[failing_names[i] for i in used.tolist()],
        packed=pack(
            {
                "patient": patients[order],
                "failing": local,
                "score": score[order],
                "molecular_fit": molecular_fit[order],
                "phenotypic_fit": phenotypic_fit[order],
                "unknown": unknown[order],
            }
        ),
    )


def remove_pairs(patient_ids: Sequence[int], version_pks: Sequence[int]) -> int:
    """Inside the caller's transaction: drop these patients' entries, for these criteria versions, from every
    block (any run); blocks left empty are deleted. Locks the blocks it reads, in primary-key order, so two
    chunks pruning disjoint patients of one older block do not lose each other's update. Returns the number
    of entries removed."""
    if not len(patient_ids) or not version_pks:
        return 0
    wanted = np.asarray(sorted(patient_ids), dtype=np.int64)
    candidates = list(
        IneligibleBlock.objects.select_for_update()
        .filter(
            criteria_version_id__in=list(version_pks),
            patient_min__lte=int(wanted[-1]),
            patient_max__gte=int(wanted[0]),
        )
        .order_by("pk")
        .values_list("pk", "size", "packed")
    )
    emptied: list[int] = []
    removed = 0
    for pk, size, data in candidates:
        arrays = unpack(data, size)
        drop = np.isin(arrays["patient"].astype(np.int64), wanted, assume_unique=True)
        n = int(drop.sum())
        if not n:
            continue
        removed += n
        if n == size:
            emptied.append(pk)
            continue
        keep = ~drop
        kept = {name: values[keep] for name, values in arrays.items()}
        IneligibleBlock.objects.filter(pk=pk).update(
            packed=pack(kept),
            size=size - n,
            patient_min=int(kept["patient"][0]),
            patient_max=int(kept["patient"][-1]),
        )
    for start in range(0, len(emptied), 900):
        IneligibleBlock.objects.filter(pk__in=emptied[start : start + 900]).delete()
    return removed


def _value(x: float) -> float | None:
    return None if x != x else round(x, _DIGITS)


def entries(blocks: Iterable[IneligibleBlock]) -> Iterator[IneligibleEntry]:
    """Unpack blocks into one entry per pair."""
    for b in blocks:
        a = unpack(b.packed, b.size)
        columns = zip(
            a["patient"].tolist(),
            a["failing"].tolist(),
            a["score"].tolist(),
            a["molecular_fit"].tolist(),
            a["phenotypic_fit"].tolist(),
            a["unknown"].tolist(),
            strict=True,
        )
        for patient, failing, score, mfit, pfit, unknown in columns:
            yield IneligibleEntry(
                run_id=b.run_id,
                trial_id=b.trial_id,
                arm_id=b.arm_id,
                criteria_version_id=b.criteria_version_id,
                patient_id=patient,
                as_of=b.as_of,
                first_failing=b.failing_ids[failing],
                score=round(score, _DIGITS),
                molecular_fit=_value(mfit),
                phenotypic_fit=_value(pfit),
                unknown_count=unknown,
            )
