"""The one place the Django side calls the pure core: vectorised engine for statuses and scores, the
reference evaluator (oracle) for the per-criterion explanation of eligible and possible pairs."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
    # `verdicts` and `missing` as JSON text, when already encoded (shared by pairs with the same verdicts).
    encoded: tuple[str, str] | None = None

    def as_json(self) -> tuple[str, str]:
        return self.encoded or (json.dumps(self.verdicts), json.dumps(self.missing))


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
    """Per plan, one outcome per record, all judged at once by the vectorised engine.

    Eligible pairs (few, and what coordinators act on) get the reference evaluator's full explanation with
    evidence. Possible pairs keep the engine's per-criterion verdicts and, for each unknown, what data would
    decide it (the need each criterion states when nothing is known); their evidence is computed on demand
    (`explain`). Ineligible pairs keep the score, fits, unknown count and first failing criterion.
    """
    prepared = [prepare(c, strict=False) for c in criteria_lists]
    if not prepared or not records:
        return [[] for _ in prepared]
    program = compile_trials(prepared)
    results = match_all(program, FeatureStore.build(records, as_of), verdicts=True)
    assert results.verdicts is not None
    out: list[list[Outcome]] = []
    for t, criteria in enumerate(prepared):
        width = len(criteria.tops)
        codes = results.verdicts[program.top_matrix[t, :width]].T  # (patients, criteria)
        needs = evaluate(criteria, _NOTHING_KNOWN, as_of).verdicts
        # Plain lists: indexing numpy arrays one scalar at a time is most of a per-pair loop's cost.
        statuses = results.status[t].tolist()
        failed_at = results.first_failed[t].tolist()
        scores = np.clip(results.score[t], 0.0, 1.0).tolist()
        mfits = results.molecular_fit[t].tolist()
        pfits = results.phenotypic_fit[t].tolist()
        unknowns = results.n_unknown[t].tolist()
        ids = [top.node.id for top in criteria.tops]
        possible: dict[bytes, tuple[list[dict[str, Any]], list[str], int, tuple[str, str]]] = {}
        row: list[Outcome] = []
        for j, record in enumerate(records):
            status = scoring.STATUS_NAMES[statuses[j]]
            failed = failed_at[j]
            mfit = mfits[j]
            if status == scoring.ELIGIBLE or (status == scoring.INELIGIBLE and not 0 <= failed < width):
                row.append(_outcome(evaluate(criteria, record, as_of)))
                continue
            common: dict[str, Any] = {
                "status": status,
                "score": scores[j],
                "molecular_fit": None if math.isnan(mfit) else mfit,
                "phenotypic_fit": pfits[j],
                "unknown": unknowns[j],
            }
            if status == scoring.POSSIBLE:
                pattern = codes[j].tobytes()
                if pattern not in possible:
                    possible[pattern] = _possible_detail(needs, codes[j].tolist())
                verdicts, missing, met, encoded = possible[pattern]
                row.append(Outcome(**common, met=met, verdicts=verdicts, missing=missing, encoded=encoded))
            else:
                row.append(Outcome(**common, first_failing=ids[failed], not_met=1))
        out.append(row)
    return out


def _possible_detail(
    needs: Sequence[Any], codes: list[int]
) -> tuple[list[dict[str, Any]], list[str], int, tuple[str, str]]:
    """A possible pair's per-criterion verdicts from the engine's codes, what would decide its unknowns, its
    met count, and both as JSON (computed once per distinct verdict pattern of a plan)."""
    names = [_ENGINE_VERDICTS[c] for c in codes]
    verdicts = [
        {"id": n.id, "verdict": v, "evidence": n.missing if v == "unknown" else None}
        for n, v in zip(needs, names, strict=True)
    ]
    missing = scoring.what_would_decide(
        [n.missing for n, v in zip(needs, names, strict=True) if v == "unknown"]
    )
    return verdicts, missing, names.count("met"), (json.dumps(verdicts), json.dumps(missing))


_NOTHING_KNOWN = PatientRecord(key="")
_ENGINE_VERDICTS = {0: "not_met", 1: "met", 2: "unknown", 3: "not_applicable"}
