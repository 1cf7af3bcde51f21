"""Synthetic cohort generation throughput: patients per second and peak memory, in memory and to disk.

    .venv/bin/python benchmarks/generate_cohort.py [--patients 2000 10000] [--seed 1] [--json]

For each size: `generate()` alone (resources built, not serialised) and the full NDJSON write to a
temporary folder (what `manage.py generate_cohort` does), with the output size. Peak RSS is the
process maximum so far, so the largest size bounds memory use when run last.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.patients.synthetic import generate
from apps.patients.synthetic.writer import write_ndjson


def measure(n: int, seed: int) -> dict[str, float | int]:
    start = time.perf_counter()
    resources = sum(len(r) for r in generate(n, seed))
    in_memory = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_ndjson(generate(n, seed), Path(tmp))
        to_disk = time.perf_counter() - start
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    return {
        "patients": n,
        "resources": resources,
        "generate_patients_per_second": round(n / in_memory, 1),
        "ndjson_patients_per_second": round(n / to_disk, 1),
        "ndjson_seconds": round(to_disk, 2),
        "ndjson_mb": round(size / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [measure(n, args.seed) for n in args.patients]
    if args.json:
        print(json.dumps(results, indent=1))
        return
    for r in results:
        print(
            f"{r['patients']:>7} patients, {r['resources']} resources:"
            f" generate {r['generate_patients_per_second']}/s,"
            f" NDJSON {r['ndjson_patients_per_second']}/s ({r['ndjson_seconds']} s, {r['ndjson_mb']} MB),"
            f" peak RSS {r['peak_rss_mb']} MB"
        )


if __name__ == "__main__":
    main()
