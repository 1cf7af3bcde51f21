"""The one place the Django side calls the pure core: vectorised engine for statuses and scores, the
reference evaluator (oracle) for the per-criterion explanation of eligible and possible pairs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..eligibility import PairResult, evaluate, prepare
from ..records import PatientRecord


@dataclass(frozen=True)
class Outcome:
    status: str
    score: float
    molecular_fit: float | None
    phenotypic_fit: float | None
    first_failing: str = ""
    met: int = 0
    unknown: int = 0
    not_met: int = 0
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _outcome(result: PairResult) -> Outcome:
    verdicts = [
        {"id": v.id, "verdict": v.verdict, "evidence": v.evidence if v.evidence is not None else v.missing}
        for v in result.verdicts
    ]
    names = [v.verdict for v in result.verdicts]
    return Outcome(
        status=result.status,
        score=min(1.0, max(0.0, result.score)),
        molecular_fit=result.molecular_fit,
        phenotypic_fit=result.phenotypic_fit,
        first_failing=result.first_failed or "",
        met=names.count("met"),
        unknown=result.n_unknown,
        not_met=names.count("not_met"),
        verdicts=verdicts,
        missing=list(result.decide),
    )


def explain_pair(criteria: list[dict[str, Any]], record: PatientRecord, as_of: dt.date) -> Outcome:
    """The full explanation of one pair by the reference evaluator."""
    return _outcome(evaluate(prepare(criteria, strict=False), record, as_of))


def evaluate_plan(
    criteria: list[dict[str, Any]], records: Sequence[PatientRecord], as_of: dt.date
) -> list[Outcome]:
    """One outcome per record, in order. The criteria are prepared once for all records; a criterion whose
    rule cannot be read is kept as unknown (for review), a structurally broken list raises CriteriaError."""
    prepared = prepare(criteria, strict=False)
    return [_outcome(evaluate(prepared, record, as_of)) for record in records]
