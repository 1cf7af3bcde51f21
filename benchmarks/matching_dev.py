"""Accuracy on the matching development set: import, match, export, compare, in a fresh SQLite database.

    .venv/bin/python benchmarks/matching_dev.py [--dev PATH] [--keep] [--json]

Runs exactly the commands a user would (`migrate`, `import_trials`, `import_patients`, `match --as-of
2026-11-01`, `export_matches --format json`) with tasks in-process, then scores each expected pair by
the table in the set's README: `not_ineligible` passes on eligible or possible, `ineligible` on
ineligible, `possible` on possible. Prints accuracy overall and per variant (elig, nomarker, other,
excluded, untested) and the pairs that missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DEV = (
    Path(os.environ.get("TRIALMATCH_SHARED_DATA", REPO.parent / "shared" / "data")) / "eval" / "matching_dev"
)
AS_OF = "2026-11-01"
PASSES = {"not_ineligible": {"eligible", "possible"}, "ineligible": {"ineligible"}, "possible": {"possible"}}


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout


_EXPLAIN = (
    """
import datetime as dt
from apps.matching import services as matching
from apps.matching.eligibility import evaluate, prepare
from apps.matching.patient_records import build_record
from apps.patients.models import Patient
from apps.trials.models import Trial

def walk(items):
    for c in items:
        yield c
        yield from walk(c.get("children") or [])

def tree(verdict, texts, depth):
    c = texts.get(verdict.id, {})
    if verdict.verdict == "not_met" or (verdict.verdict == "unknown" and c.get("computable", True)):
        text = " ".join(str(c.get("text", "")).split())[:140]
        neg = " NOT" if c.get("negated") else ""
        head = f"{'  ' * depth}   {verdict.verdict:8s} {c.get('section', '')[:3]} {c.get('kind', '')}{neg}"
        print(f"{head}: {text}")
        if not verdict.children:
            print(f"{'  ' * depth}            rule {str(c.get('rule'))[:200]}")
            print(f"{'  ' * depth}            {str(verdict.evidence or verdict.missing)[:140]}")
    for child in verdict.children:
        tree(child, texts, depth + 1)

def show(pairs):
    for trial_id, key in pairs:
        trial = Trial.objects.get(trial_id=trial_id)
        record = build_record(Patient.objects.get(key=key))
        for plan in matching.plans_for([trial.current_version().pk], include_closed=True):
            texts = {c["id"]: c for c in walk(plan.criteria)}
            result = evaluate(prepare(plan.criteria, strict=False), record, dt.date.fromisoformat(AS_OF))
            print(f"== {key} x {trial_id} arm {plan.arm_code}: {result.status}")
            for verdict in result.verdicts:
                if result.status == "ineligible" and verdict.verdict != "not_met":
                    continue
                tree(verdict, texts, 0)
AS_OF = '"""
    + AS_OF
    + """'
show("""
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database and print its path")
    parser.add_argument("--json", action="store_true", help="print the scores as one JSON object")
    parser.add_argument(
        "--explain", action="store_true", help="for each miss, print the criteria that decided it"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="matching_dev_"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    started = time.monotonic()
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "import_trials", str(args.dev / "trials.json"))
    manage(env, "import_patients", str(args.dev / "patients"))
    summary = manage(env, "match", "--as-of", AS_OF).strip()
    exported = json.loads(manage(env, "export_matches", "--format", "json"))
    seconds = time.monotonic() - started

    got: dict[tuple[str, str], set[str]] = defaultdict(set)
    for m in exported["matches"]:
        got[(m["trial"], m["patient"])].add(m["status"])
    expected = json.loads((args.dev / "expected.json").read_text())
    per_variant: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for row in expected:
        variant = row["patient"].rsplit("-", 1)[-1]
        statuses = got.get((row["trial"], row["patient"]), set())
        # A trial with arms gives one result per arm; the pair's status is its best arm's.
        best = next((s for s in ("eligible", "possible", "ineligible") if s in statuses), "missing")
        ok = best in PASSES[row["expected"]]
        per_variant[variant][0] += ok
        per_variant[variant][1] += 1
        if not ok:
            misses.append(
                {"trial": row["trial"], "patient": row["patient"], "expected": row["expected"], "got": best}
            )
    correct = sum(v[0] for v in per_variant.values())
    result = {
        "pairs": len(expected),
        "correct": correct,
        "accuracy": round(correct / len(expected), 4) if expected else None,
        "per_variant": {
            k: {"correct": v[0], "pairs": v[1], "accuracy": round(v[0] / v[1], 4)}
            for k, v in per_variant.items()
        },
        "seconds": round(seconds, 1),
        "match_summary": summary,
        "misses": misses,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(summary)
        print(f"accuracy {correct}/{len(expected)} = {result['accuracy']}")
        for variant, score in result["per_variant"].items():
            print(f"  {variant:10s} {score['correct']}/{score['pairs']}")
        for miss in misses:
            print(f"  miss {miss['trial']} {miss['patient']}: expected {miss['expected']}, got {miss['got']}")
    if args.explain and misses:
        print(manage(env, "shell", "-c", _EXPLAIN + repr([(m["trial"], m["patient"]) for m in misses]) + ")"))
    if args.keep:
        print(f"database kept at {workdir / 'db.sqlite3'}", file=sys.stderr)
    else:
        (workdir / "db.sqlite3").unlink(missing_ok=True)
        workdir.rmdir()


if __name__ == "__main__":
    main()
