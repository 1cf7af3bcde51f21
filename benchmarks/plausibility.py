"""Plausibility of the verdicts on the demo cohort: every fixture trial matched against a generated cohort
whose cancer type and alterations the generator knows.

    .venv/bin/python benchmarks/plausibility.py [--patients 2000] [--seed 20261101] [--json]

Runs the user's commands (`migrate`, `import_trials fixtures/trials`, `generate_cohort`, `import_patients`,
`match --as-of`, `export_matches --format json`) in a fresh SQLite database, then checks, per trial arm:
no patient reported eligible outside the trial's stated cancer type (its conditions, as OncoTree codes) or
without an alteration in a gene its title or conditions require; and prints eligible and possible counts
against the cohort's prevalence of that cancer type and alteration (a markdown table).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-01"
DEMO_SEED = 20261101


def run(patients: int, seed: int, workdir: Path) -> tuple[list[Any], dict[str, Any]]:
    """The commands a user runs, in the configured database (already migrated), then the check."""
    from django.core.management import call_command

    from apps.matching.plausibility import check, cohort_truth
    from apps.trials.models import Trial

    cohort = workdir / "cohort"
    call_command("import_trials", str(REPO / "fixtures" / "trials"), stdout=io.StringIO())
    call_command("generate_cohort", patients=patients, seed=seed, out=str(cohort), stdout=io.StringIO())
    call_command("import_patients", str(cohort), stdout=io.StringIO())
    call_command("match", "--as-of", AS_OF, stdout=io.StringIO())
    out = io.StringIO()
    call_command("export_matches", "--format", "json", stdout=out)
    exported = json.loads(out.getvalue())
    trials = list(Trial.objects.values("trial_id", "title", "conditions"))
    return check(exported, trials, cohort_truth(patients, seed)), exported


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=DEMO_SEED)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="plausibility_"))
    os.environ.pop("REDIS_URL", None)
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialmatch.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from apps.matching.plausibility import markdown

    rows, _ = run(args.patients, args.seed, workdir)
    if args.json:
        print(json.dumps([r.__dict__ for r in rows], indent=2))
    else:
        print(markdown(rows, args.patients))
        bad = [r for r in rows if r.outside]
        print(f"\ntrials with an eligible patient outside their cancer type or required genes: {len(bad)}")
        for r in bad:
            print(f"  {r.trial} {r.arm or ''}: {len(r.outside)} ({', '.join(r.outside[:3])} ...)")


if __name__ == "__main__":
    main()
