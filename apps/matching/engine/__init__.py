"""The vectorised matching engine: criteria versions compiled once, patients as a columnar feature store.

    store = FeatureStore.build(records, as_of)
    program = compile_trials([criteria, ...])
    for block in run(program, store): block.status[t, j] ...   # trial t, patient block.patients.start + j

Verdicts agree with apps.matching.eligibility.evaluate (the reference), which also gives any pair's full
explanation on demand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from apps.matching.eligibility.tree import Criteria
from apps.matching.engine.program import Program, Results, compile_trials, leaf_matrix, run
from apps.matching.engine.store import FeatureStore, Snapshot
from apps.matching.records import PatientRecord

__all__ = [
    "FeatureStore",
    "Program",
    "Results",
    "Snapshot",
    "compile_trials",
    "leaf_matrix",
    "match_all",
    "run",
]


def match_all(
    trials: Sequence[list[dict[str, Any]] | Criteria] | Program,
    records: Sequence[PatientRecord] | FeatureStore,
    as_of: dt.date | None = None,
    *,
    verdicts: bool = False,
) -> Results:
    """Every trial against every patient in one Results (trials x patients); fine for one side small."""
    program = trials if isinstance(trials, Program) else compile_trials(trials)
    if isinstance(records, FeatureStore):
        store = records
    else:
        if as_of is None:
            raise ValueError("as_of is required when records are given")
        store = FeatureStore.build(records, as_of)
    blocks = list(run(program, store, block=max(store.n, 1), verdicts=verdicts))
    if len(blocks) == 1:
        return blocks[0]
    empty = np.zeros((program.n_trials, 0))
    return Results(
        slice(0, 0),
        empty.astype(np.int8),
        empty,
        empty,
        empty,
        empty.astype(np.int16),
        empty.astype(np.int16),
        None,
    )
