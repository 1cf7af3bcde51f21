"""The matching benchmark (bench_match): the engine on every pair, the reference evaluator on a sample."""

from __future__ import annotations

import datetime as dt
import random
import resource
import sys
import time
from typing import Any

import numpy as np

from apps.matching.eligibility import evaluate, prepare
from apps.matching.engine import FeatureStore, compile_trials, run
from apps.matching.synthetic_bench import patients, trials

VERDICT_CODES = {"not_met": 0, "met": 1, "unknown": 2, "not_applicable": 3}
AS_OF = dt.date(2026, 11, 1)


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def bench(
    n_patients: int, n_trials: int, seed: int = 0, sample: int = 2000, block: int = 1024
) -> dict[str, Any]:
    """Time the engine over all pairs (store build, compile and evaluation) and the reference on a sample."""
    records = patients(n_patients, seed, AS_OF)
    criteria = trials(n_trials, seed)
    rng = random.Random(seed)
    pairs = sorted(
        {
            (rng.randrange(n_trials), rng.randrange(n_patients))
            for _ in range(min(sample, n_patients * n_trials))
        }
    )
    prepared = [prepare(c) for c in criteria]
    evaluate(prepared[0], records[0], AS_OF)  # load the vocabularies before timing anything
    FeatureStore.build(records[:1], AS_OF)
    compile_trials(criteria[:1])

    start, cpu_start = time.perf_counter(), time.process_time()
    store = FeatureStore.build(records, AS_OF)
    program = compile_trials(prepared)
    wanted: dict[int, list[tuple[int, int]]] = {}
    for t, p in pairs:
        wanted.setdefault(p, []).append((t, p))
    engine_out: dict[tuple[int, int], tuple[int, int, list[int]]] = {}
    counts = np.zeros(3, dtype=np.int64)
    for result in run(program, store, block=block, verdicts=True):
        counts += np.bincount(result.status.ravel(), minlength=3)
        assert result.verdicts is not None
        for p in range(result.patients.start, result.patients.stop):
            for t, _ in wanted.get(p, ()):
                j = p - result.patients.start
                s0, size = int(program.top_starts[t]), len(prepared[t].tops)
                engine_out[(t, p)] = (
                    int(result.status[t, j]),
                    int(result.first_failed[t, j]),
                    result.verdicts[s0 : s0 + size, j].tolist(),
                )
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start

    ref_start = time.perf_counter()
    identical = True
    for t, p in pairs:
        ref = evaluate(prepared[t], records[p], AS_OF)
        ids = [v.id for v in ref.verdicts]
        first = -1 if ref.first_failed is None else ids.index(ref.first_failed)
        expected = (ref.status_code, first, [VERDICT_CODES[v.verdict] for v in ref.verdicts])
        identical &= engine_out[(t, p)] == expected
    ref_seconds = time.perf_counter() - ref_start
    total = n_patients * n_trials
    engine_rate = total / seconds if seconds else float("inf")
    ref_rate = len(pairs) / ref_seconds if ref_seconds else float("inf")
    return {
        "patients": n_patients,
        "trials": n_trials,
        "pairs": total,
        "seconds": round(seconds, 3),
        "pairs_per_second": round(engine_rate, 1),
        "reference_pairs_per_second": round(ref_rate, 1),
        "speedup": round(engine_rate / ref_rate, 1) if ref_rate else None,
        "verdicts_identical": bool(identical),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "cpu_seconds": round(cpu_seconds, 3),
        "statuses": {"ineligible": int(counts[0]), "possible": int(counts[1]), "eligible": int(counts[2])},
    }
