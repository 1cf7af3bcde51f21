"""Reliability of readings: how the parser's evidence-computed confidence (apps/criteria/parser/confidence.py)
is distributed over the shared oncology trials, and how often readings in each band are right on the gold
criteria (benchmarks/gold_accuracy.py) and decide development-set pairs correctly.

    .venv/bin/python benchmarks/confidence_table.py [--trials PATH]

Bands are of leaf requirements the parser reads as computable before the threshold applies; "below" counts
those the threshold keeps for review.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialmatch.settings")
SHARED = Path(os.environ.get("TRIALMATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
BANDS = [(0.0, 0.4), (0.4, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)]


def _texts(path: Path) -> list[str]:
    studies = json.loads(path.read_text())["studies"]
    return [s["protocolSection"]["eligibilityModule"].get("eligibilityCriteria") or "" for s in studies]


def _band(x: float) -> str:
    for lo, hi in BANDS:
        if lo <= x < hi:
            return f"{lo:.1f}-{min(hi, 1.0):.1f}"
    return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--trials", type=Path, default=SHARED / "ctgov" / "oncology" / "oncology_biomarker_trials.json"
    )
    args = ap.parse_args()

    from apps.criteria.parser import confidence, parse

    counts: Counter[str] = Counter()
    reviewed: Counter[str] = Counter()
    for text in _texts(args.trials):
        for leaf in confidence.leaves(parse(text)["criteria"]):
            if leaf["kind"] in ("other", "administrative"):
                continue
            review = str(leaf.get("review") or "")
            if leaf.get("computable") or review.startswith("low confidence"):
                counts[_band(float(leaf["confidence"]))] += 1
                reviewed["below" if review.startswith("low confidence") else "above"] += 1
    total = sum(counts.values())
    print(f"threshold {confidence.THRESHOLD}: {reviewed['below']} of {total} readings kept for review")
    print("| confidence | readings | share |")
    print("|---|---:|---:|")
    for lo, _hi in BANDS:
        key = _band(lo)
        print(f"| {key} | {counts[key]} | {counts[key] / max(total, 1):.1%} |")


if __name__ == "__main__":
    main()
