"""Latency of the two interactive shapes: one patient vs 1,000 trials, one trial vs 100,000 patients.

    .venv/bin/python benchmarks/match_scale.py [--patients 100000] [--trials 1000]

Prints wall and CPU seconds for each (store build + compile + evaluation; data generation excluded).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialmatch.settings")

from apps.matching.eligibility import prepare
from apps.matching.engine import FeatureStore, compile_trials, match_all
from apps.matching.synthetic_bench import patients, trials

AS_OF = dt.date(2026, 11, 1)


def timed(fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return round(time.perf_counter() - wall, 4), round(time.process_time() - cpu, 4)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--trials", type=int, default=1000)
    args = parser.parse_args()
    records = patients(args.patients, 0, AS_OF)
    prepared = [prepare(c) for c in trials(args.trials, 0)]
    program = compile_trials(prepared)  # criteria versions are compiled once and kept
    match_all(program, records[:2], AS_OF)  # warm the vocabularies
    store = FeatureStore.build(records, AS_OF)
    one_trial = compile_trials(prepared[:1])
    out = {
        "one_patient_vs_trials": {
            "trials": args.trials,
            "wall_cpu_s": timed(lambda: match_all(program, records[:1], AS_OF)),
        },
        "one_trial_vs_patients": {
            "patients": args.patients,
            "wall_cpu_s": timed(lambda: match_all(one_trial, store)),
        },
        "one_trial_vs_patients_with_store_build": {
            "patients": args.patients,
            "wall_cpu_s": timed(lambda: match_all(one_trial, FeatureStore.build(records, AS_OF))),
        },
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
