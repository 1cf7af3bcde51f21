"""Accuracy of parse() on the hand-written oncology gold (tests/criteria/gold/oncology_gold.yaml), per kind.

Run: .venv/bin/python benchmarks/gold_accuracy.py [-v]
A gold criterion is correct when the parsed criterion containing its `match` text has the expected
section, kind and negation and every listed rule field (and, for groups, every listed child rule).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apps.criteria.parser import parse  # noqa: E402

GOLD = ROOT / "tests" / "criteria" / "gold" / "oncology_gold.yaml"
TRIALS = ROOT.parent / "shared" / "data" / "ctgov" / "oncology" / "oncology_biomarker_trials.json"


def _flat(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in criteria:
        out.append(c)
        out.extend(_flat([k for k in c.get("children", []) if k["span"] != c["span"]]))
    return out


def _rule_ok(expected: dict[str, Any], rule: dict[str, Any]) -> bool:
    for key, want in expected.items():
        if key == "classes_include":
            if want not in (rule.get("classes") or []):
                return False
        elif rule.get(key) != want:
            return False
    return True


def check(text: str, item: dict[str, Any]) -> tuple[bool, str]:
    """(correct, why) for one gold criterion against the parse of its trial's text."""
    found = [c for c in _flat(parse(text)["criteria"]) if item["match"] in c["text"]]
    if not found:
        return False, "no criterion contains the match text"
    c = min(found, key=lambda c: len(c["text"]))
    got = (c["section"], c["kind"], c["negated"])
    want = (item["section"], item["kind"], item["negated"])
    if got != want:
        return False, f"got {got}, want {want}"
    if "rule" in item and not _rule_ok(item["rule"], c.get("rule") or {}):
        return False, f"rule {json.dumps(c.get('rule'))} lacks {item['rule']}"
    for child in item.get("children", []):
        if not any(_rule_ok(child, k.get("rule") or {}) for k in c.get("children", [])):
            return False, f"no child rule matches {child}"
    return True, ""


def texts() -> dict[str, str]:
    studies = json.loads(TRIALS.read_text())["studies"]
    return {
        s["protocolSection"]["identificationModule"]["nctId"]: s["protocolSection"]["eligibilityModule"].get(
            "eligibilityCriteria", ""
        )
        for s in studies
    }


def evaluate(verbose: bool = False) -> dict[str, Counter]:
    gold = yaml.safe_load(GOLD.read_text())
    by_id = texts()
    per_kind: dict[str, Counter] = {}
    for trial in gold:
        text = by_id[trial["nct"]]
        for item in trial["criteria"]:
            ok, why = check(text, item)
            per_kind.setdefault(item["kind"], Counter())["ok" if ok else "wrong"] += 1
            if verbose and not ok:
                print(f"  {trial['nct']} {item['match'][:50]!r}: {why}")
    return per_kind


def main() -> None:
    per_kind = evaluate(verbose="-v" in sys.argv)
    total = Counter()
    print(f"{'kind':<20} {'correct':>8} {'total':>6} {'accuracy':>9}")
    for kind, c in sorted(per_kind.items()):
        n = c["ok"] + c["wrong"]
        total.update(c)
        print(f"{kind:<20} {c['ok']:>8} {n:>6} {c['ok'] / n:>9.2f}")
    n = total["ok"] + total["wrong"]
    print(f"{'all':<20} {total['ok']:>8} {n:>6} {total['ok'] / n:>9.2f}")


if __name__ == "__main__":
    main()
