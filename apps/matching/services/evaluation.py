"""The one place the Django side calls the pure core: the vectorised engine gives columns per plan (status,
score, fits, unknown count, first failing criterion, verdict pattern), never a Python object per pair; the
reference evaluator (oracle) gives one pair's full explanation on demand."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from .. import scoring
from ..eligibility import PairResult, evaluate, prepare
from ..eligibility.tree import Criteria
from ..engine import FeatureStore, Program, compile_trials, run
from ..records import PatientRecord


@dataclass(frozen=True)
class Outcome:
    """One pair's full explanation (on demand only)."""

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


@dataclass(frozen=True)
class Pattern:
    """One distinct verdict pattern of a plan: what `VerdictPattern` stores."""

    codes: bytes  # engine verdict codes per criterion (not_met 0, met 1, unknown 2, n/a 3)
    verdicts: list[dict[str, Any]]
    missing: list[str]
    met: int
    unknown: int
    not_met: int


@dataclass
class PlanColumns:
    """One plan's results for a chunk's patients (arrays parallel to the patients, in their order)."""

    criterion_ids: list[str]
    status: npt.NDArray[np.int8]  # scoring.STATUS_CODES: 0 ineligible, 1 possible, 2 eligible
    score: npt.NDArray[np.float64]
    molecular_fit: npt.NDArray[np.float64]  # NaN: the plan has no molecular requirement
    phenotypic_fit: npt.NDArray[np.float64]
    unknown: npt.NDArray[np.int16]
    failing: npt.NDArray[np.int32]  # index into criterion_ids of the first failing criterion, -1 none
    pattern: npt.NDArray[np.int32]  # index into `patterns`, -1 for ineligible pairs
    patterns: list[Pattern]


@dataclass
class Compiled:
    """Criteria lists prepared and compiled once (per worker process, see `compiled`)."""

    prepared: list[Criteria]
    program: Program
    needs: dict[dt.date, list[list[Any]]] = field(default_factory=dict)
    patterns: dict[tuple[dt.date, int, bytes], Pattern] = field(default_factory=dict)

    def pattern(self, as_of: dt.date, plan: int, row: npt.NDArray[np.int8]) -> Pattern:
        """The verdict pattern of these engine codes for one plan, built once per worker process."""
        key = (as_of, plan, row.tobytes())
        found = self.patterns.get(key)
        if found is None:
            if len(self.patterns) > 200_000:
                self.patterns.clear()
            found = self.patterns[key] = _pattern(self.needs_on(as_of)[plan], row)
        return found

    def needs_on(self, as_of: dt.date) -> list[list[Any]]:
        """Per plan, the reference verdicts of a patient with no data: what each criterion needs."""
        if as_of not in self.needs:
            self.needs[as_of] = [list(evaluate(c, _NOTHING_KNOWN, as_of).verdicts) for c in self.prepared]
        return self.needs[as_of]


_CACHE: OrderedDict[bytes, Compiled] = OrderedDict()
_CACHE_SIZE = 4
_LOCK = threading.Lock()


def compiled(criteria_lists: Sequence[list[dict[str, Any]]]) -> Compiled:
    """The criteria lists prepared and compiled, memoised by their content: every chunk of a run (and the
    next run with the same versions) in a worker process reuses one compilation."""
    key = hashlib.sha256(orjson.dumps(list(criteria_lists), option=orjson.OPT_SORT_KEYS)).digest()
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    prepared = [_prepared(c) for c in criteria_lists]
    made = Compiled(prepared, compile_trials(prepared))
    with _LOCK:
        _CACHE[key] = made
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return made


_PREPARED: OrderedDict[bytes, Criteria] = OrderedDict()
_PREPARED_SIZE = 20_000


def _prepared(criteria: list[dict[str, Any]]) -> Criteria:
    """One criteria list prepared, memoised by its content: a run with one new version prepares only it."""
    key = hashlib.sha256(orjson.dumps(criteria, option=orjson.OPT_SORT_KEYS)).digest()
    with _LOCK:
        found = _PREPARED.get(key)
    if found is None:
        found = prepare(criteria, strict=False)
        with _LOCK:
            _PREPARED[key] = found
            while len(_PREPARED) > _PREPARED_SIZE:
                _PREPARED.popitem(last=False)
    return found


def evaluate_plans(
    criteria_lists: Sequence[list[dict[str, Any]]], store: FeatureStore, as_of: dt.date
) -> list[PlanColumns]:
    """Per plan, every patient of `store` judged by the vectorised engine, as columns.

    Eligible and possible pairs point at their plan's distinct verdict patterns (with what would decide the
    unknowns, from the need each criterion states when nothing is known); their evidence is computed on
    demand (`explain`). Ineligible pairs keep the score, fits, unknown count and first failing criterion.
    """
    if not criteria_lists:
        return []
    made = compiled(criteria_lists)
    program = made.program
    n = store.n
    if n == 0:
        empty = np.zeros(0)
        return [
            PlanColumns(
                [top.node.id for top in c.tops],
                empty.astype(np.int8),
                empty,
                empty,
                empty,
                empty.astype(np.int16),
                empty.astype(np.int32),
                empty.astype(np.int32),
                [],
            )
            for c in made.prepared
        ]
    (results,) = list(run(program, store, block=n, verdicts=True))
    assert results.verdicts is not None
    out: list[PlanColumns] = []
    for t, criteria in enumerate(made.prepared):
        width = len(criteria.tops)
        status = results.status[t]
        pattern = np.full(n, -1, dtype=np.int32)
        patterns: list[Pattern] = []
        actionable = np.flatnonzero(status > 0)
        if len(actionable):
            codes = results.verdicts[program.top_matrix[t, :width]][:, actionable].T  # (pairs, criteria)
            codes = np.ascontiguousarray(codes, dtype=np.int8)
            distinct, inverse = np.unique(codes, axis=0, return_inverse=True)
            pattern[actionable] = inverse.reshape(-1).astype(np.int32)
            patterns = [made.pattern(as_of, t, row) for row in distinct]
        out.append(
            PlanColumns(
                criterion_ids=[top.node.id for top in criteria.tops],
                status=status,
                score=np.clip(results.score[t], 0.0, 1.0),
                molecular_fit=results.molecular_fit[t],
                phenotypic_fit=results.phenotypic_fit[t],
                unknown=results.n_unknown[t],
                failing=results.first_failed[t],
                pattern=pattern,
                patterns=patterns,
            )
        )
    return out


def _pattern(needs: Sequence[Any], row: npt.NDArray[np.int8]) -> Pattern:
    names = [_ENGINE_VERDICTS[c] for c in row.tolist()]
    verdicts = [
        {"id": need.id, "verdict": v, "evidence": need.missing if v == "unknown" else None}
        for need, v in zip(needs, names, strict=True)
    ]
    missing = scoring.what_would_decide(
        [need.missing for need, v in zip(needs, names, strict=True) if v == "unknown"]
    )
    return Pattern(
        codes=row.tobytes(),
        verdicts=verdicts,
        missing=missing,
        met=names.count("met"),
        unknown=names.count("unknown"),
        not_met=names.count("not_met"),
    )


_NOTHING_KNOWN = PatientRecord(key="")
_ENGINE_VERDICTS = {0: "not_met", 1: "met", 2: "unknown", 3: "not_applicable"}
