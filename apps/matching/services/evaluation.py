"""The one place the Django side calls the pure core: vectorised engine for statuses and scores, the
reference evaluator (oracle) for the per-criterion explanation of eligible and possible pairs."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import scoring
from ..eligibility import PairResult, evaluate, prepare
from ..engine import FeatureStore, compile_trials, match_all
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


def evaluate_plans(
    criteria_lists: Sequence[list[dict[str, Any]]], records: Sequence[PatientRecord], as_of: dt.date
) -> list[list[Outcome]]:
    """Per plan, one outcome per record. The vectorised engine judges every pair at once; the reference
    evaluator then explains only the eligible and possible pairs (ineligible ones keep the engine's score,
    fits, unknown count and first failing criterion)."""
    prepared = [prepare(c, strict=False) for c in criteria_lists]
    if not prepared or not records:
        return [[] for _ in prepared]
    results = match_all(compile_trials(prepared), FeatureStore.build(records, as_of))
    out: list[list[Outcome]] = []
    for t, criteria in enumerate(prepared):
        row: list[Outcome] = []
        for j, record in enumerate(records):
            status = scoring.STATUS_NAMES[int(results.status[t, j])]
            failed = int(results.first_failed[t, j])
            if status != scoring.INELIGIBLE or not 0 <= failed < len(criteria.tops):
                row.append(_outcome(evaluate(criteria, record, as_of)))
                continue
            mfit = float(results.molecular_fit[t, j])
            row.append(
                Outcome(
                    status=status,
                    score=min(1.0, max(0.0, float(results.score[t, j]))),
                    molecular_fit=None if math.isnan(mfit) else mfit,
                    phenotypic_fit=float(results.phenotypic_fit[t, j]),
                    first_failing=criteria.tops[failed].node.id,
                    unknown=int(results.n_unknown[t, j]),
                    not_met=1,
                )
            )
        out.append(row)
    return out
