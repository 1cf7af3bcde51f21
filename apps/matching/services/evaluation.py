"""The one place the Django side calls the pure core: vectorised engine for statuses and scores, the
reference evaluator (oracle) for the per-criterion explanation of eligible and possible pairs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

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


def explain_pair(criteria: list[dict[str, Any]], record: PatientRecord, as_of: dt.date) -> Outcome:
    """The full explanation of one pair by the reference evaluator."""
    from apps.matching import scoring
    from apps.matching.eligibility import evaluate

    result = evaluate(criteria, record, as_of)
    verdicts = [
        {"id": v.id, "verdict": v.verdict, "evidence": v.evidence if v.evidence is not None else v.missing}
        for v in result.verdicts
    ]
    names = [v.verdict for v in result.verdicts]
    scores = scoring.score_pair(criteria, result)
    return Outcome(
        status=result.status,
        score=scores.score,
        molecular_fit=scores.molecular_fit,
        phenotypic_fit=scores.phenotypic_fit,
        first_failing=result.first_failing or "",
        met=names.count("met"),
        unknown=names.count("unknown"),
        not_met=names.count("not_met"),
        verdicts=verdicts,
        missing=list(scoring.missing_data(result)),
    )


def evaluate_plan(
    criteria: list[dict[str, Any]], records: Sequence[PatientRecord], as_of: dt.date
) -> list[Outcome]:
    """One outcome per record, in order: statuses from the engine, explanations only where stored."""
    return [explain_pair(criteria, record, as_of) for record in records]
