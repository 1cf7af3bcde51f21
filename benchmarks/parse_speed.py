"""Parser speed on the real oncology trials: median and 95th percentile milliseconds per text (not a test).

Run: .venv/bin/python benchmarks/parse_speed.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apps.criteria.parser import parse  # noqa: E402

TRIALS = ROOT.parent / "shared" / "data" / "ctgov" / "oncology" / "oncology_biomarker_trials.json"


def main() -> None:
    studies = json.loads(TRIALS.read_text())["studies"]
    texts = [s["protocolSection"]["eligibilityModule"].get("eligibilityCriteria", "") for s in studies]
    parse(texts[0])  # load lexicons once
    per_text: list[tuple[int, float]] = []
    for text in texts:
        t0 = time.perf_counter()
        parse(text)
        per_text.append((len(text), (time.perf_counter() - t0) * 1000))
    ms = sorted(t for _, t in per_text)
    typical = [t for n, t in per_text if 2000 <= n <= 4000]
    print(f"texts: {len(ms)}, mean length {statistics.mean(n for n, _ in per_text):.0f} chars")
    p95 = ms[int(0.95 * len(ms))]
    print(f"all: median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms")
    if typical:
        print(
            f"2,000-4,000 chars ({len(typical)} texts): median {statistics.median(typical):.1f} ms, "
            f"max {max(typical):.1f} ms"
        )


if __name__ == "__main__":
    main()
