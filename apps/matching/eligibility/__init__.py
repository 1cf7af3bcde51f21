"""The readable per-pair eligibility evaluator: the specification of matching and the engine's test oracle.

    evaluate(criteria, patient, as_of) -> PairResult

Each criterion's condition is met (T), not met (F), unknown (U) or not applicable (NA); a negated criterion
inverts it (Kleene NOT), groups combine their children with Kleene AND/OR (NA children are skipped), and an
exclusion criterion is satisfied when its condition does not hold. Rules per kind: SEMANTICS.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from apps.matching import scoring
from apps.matching.eligibility.base import NA, NAMES, NOT, CriteriaError, F, T, U, View
from apps.matching.eligibility.ctml import ctml_to_criteria
from apps.matching.eligibility.tree import Criteria, Node, prepare
from apps.matching.records import PatientRecord

__all__ = [
    "Criteria",
    "CriteriaError",
    "PairResult",
    "Verdict",
    "ctml_to_criteria",
    "evaluate",
    "prepare",
]


@dataclass(frozen=True)
class Verdict:
    id: str
    verdict: str  # met | not_met | unknown | not_applicable
    evidence: str | None = None
    missing: str | None = None
    children: tuple[Verdict, ...] = ()


@dataclass(frozen=True)
class PairResult:
    status: str  # eligible | possible | ineligible
    verdicts: tuple[Verdict, ...]
    first_failed: str | None
    n_unknown: int
    molecular_fit: float | None
    phenotypic_fit: float
    score: float
    decide: tuple[str, ...]

    @property
    def status_code(self) -> int:
        return scoring.STATUS_CODES[self.status]


@dataclass(frozen=True)
class _Eval:
    value: int
    evidence: str | None
    missing: str | None
    fit: float | None
    children: tuple[tuple[Node, _Eval], ...] = ()


def _condition(node: Node, view: View) -> _Eval:
    if node.fixed is not None:
        return _Eval(node.fixed, None, node.missing, 0.0 if node.molecular else None)
    if node.leaf is not None:
        out = node.leaf.oracle(view)
        value = NOT[out.value] if node.negated else out.value
        fit = (node.level if value == T else 0.0) if node.molecular else None
        return _Eval(value, out.evidence, out.missing if value == U else None, fit)
    children = tuple((child, _condition(child, view)) for child in node.children)
    values = [e.value for _, e in children if e.value != NA]
    value = NA if not values else min(values) if node.operator == "all" else max(values)
    value = NOT[value] if node.negated else value
    missing = scoring.what_would_decide(e.missing for _, e in children if e.value == U)
    fits = [e.fit for c, e in children if c.molecular and e.fit is not None]
    fit = None
    if node.molecular:
        fit = 0.0 if value != T or not fits else (min(fits) if node.operator == "all" else max(fits))
    return _Eval(value, None, "; ".join(missing) if value == U and missing else None, fit, children)


def _verdict(node: Node, result: _Eval, exclusion: bool) -> Verdict:
    value = NOT[result.value] if exclusion else result.value
    children = tuple(_verdict(c, e, exclusion) for c, e in result.children)
    evidence = result.evidence if value in (T, F) else None
    return Verdict(node.id, NAMES[value], evidence, result.missing if value == U else None, children)


def evaluate(criteria: list[dict[str, Any]] | Criteria, patient: PatientRecord, as_of: dt.date) -> PairResult:
    """Judge one patient against one criteria version on `as_of` (ages, look-back windows, washouts)."""
    prepared = prepare(criteria)
    view = View.of(patient, as_of)
    verdicts, values, fits, pheno_met, pheno_w = [], [], [], [], []
    for top in prepared.tops:
        result = _condition(top.node, view)
        value = NOT[result.value] if top.exclusion else result.value
        values.append(value)
        verdicts.append(_verdict(top.node, result, top.exclusion))
        if top.node.molecular and not top.exclusion:
            fits.append(result.fit or 0.0)
        elif not top.node.mentions_molecular and value in (T, F):
            pheno_met.append(value == T)
            pheno_w.append(scoring.weight(top.node.kind))
    status = 0 if F in values else 1 if U in values else 2
    n_unknown = values.count(U)
    n_applicable = len(values) - values.count(NA)
    mfit = scoring.molecular_fit(fits)
    pfit = scoring.phenotypic_fit(pheno_met, pheno_w)
    first_failed = next((v.id for v, value in zip(verdicts, values, strict=True) if value == F), None)
    return PairResult(
        status=scoring.STATUS_NAMES[status],
        verdicts=tuple(verdicts),
        first_failed=first_failed,
        n_unknown=n_unknown,
        molecular_fit=mfit,
        phenotypic_fit=pfit,
        score=scoring.score(status, mfit, pfit, n_unknown, n_applicable),
        decide=tuple(scoring.what_would_decide(v.missing for v in verdicts if v.verdict == "unknown")),
    )
