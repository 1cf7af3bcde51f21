"""Incremental re-matching through real Celery workers: one patient imported, one new criteria version.

    .venv/bin/python benchmarks/incremental.py [--db tm_bench_match] [--pg postgres://postgres@127.0.0.1:5432]
        [--redis redis://127.0.0.1:6379/14] [--workers 2] [--seed S]

Needs a database that `benchmarks/celery_run.py` prepared (fixture trials and N generated patients
imported, one full run done). Starts W worker processes on Redis, then:

Twice (the first round warms the workers and this process up; both rounds are reported):

1. generates one new patient (`generate_cohort --patients 1 --seed S --format bundles`) and imports it
   with re-matching after import on: `patient_seconds` runs from the start of the import to its matches
   being listed (`selectors.for_patient`), `patient_request_to_done_seconds` from the run's request (the
   import's commit) to its completion;
2. stores a new criteria version of one recruiting trial (its text and one more sentence, parsed):
   `version_seconds` runs from its creation to the completed run of that trial against every patient,
   `version_request_to_done_seconds` from the run's request (the commit) to its completion.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="tm_bench_match")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--seed", type=int, default=int(time.time()), help="of the generated patients (new ones)"
    )
    args = parser.parse_args()
    os.environ.update(
        {
            "DATABASE_URL": f"{args.pg}/{args.db}",
            "REDIS_URL": args.redis,
            "MATCHING_REMATCH_AFTER_IMPORT": "1",
            "DJANGO_SETTINGS_MODULE": "trialmatch.settings",
        }
    )
    sys.path.insert(0, str(REPO))
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "trialmatch",
                "worker",
                "--loglevel=WARNING",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                f"--hostname=incremental{i}@%h",
            ],
            cwd=REPO,
            env=os.environ.copy(),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(args.workers)
    ]
    try:
        time.sleep(8)
        print(json.dumps(_measure(args.seed), indent=2))
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)


def _measure(seed: int) -> dict[str, object]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from apps.matching import selectors
    from apps.matching.models import MatchRun
    from apps.patients import services as patients
    from apps.patients.models import Patient
    from apps.trials import services as trials
    from apps.trials.models import Trial

    def finished_run(since: float, **scope: object) -> MatchRun:
        while True:
            run = MatchRun.objects.filter(created_at__gte=_utc(since), **scope).order_by("-pk").first()
            if run is not None and run.status in (MatchRun.Status.COMPLETED, MatchRun.Status.FAILED):
                return run
            time.sleep(0.02)

    def one_patient(seed: int) -> dict[str, object]:
        folder = Path(tempfile.mkdtemp(prefix="incremental-"))
        call_command("generate_cohort", patients=1, seed=seed, out=str(folder), format="bundles", verbosity=0)
        known = set(Patient.objects.values_list("key", flat=True))
        began = time.time()
        report = patients.import_paths([folder], workers=0)
        assert report.ok, report
        (patient,) = Patient.objects.exclude(key__in=known)
        run = finished_run(began, scope__patients=1)
        listed = list(selectors.for_patient(patient))
        return {
            "patient_seconds": round(time.time() - began, 3),
            "patient_request_to_done_seconds": _request_to_done(run),
            "patient_run_status": run.status,
            "patient_pairs": run.pairs_done,
            "patient_listed_matches": len(listed),
        }

    def one_version(trial: Trial) -> dict[str, object]:
        current = trial.current_version()
        assert current is not None
        began = time.time()
        with transaction.atomic():
            made, failure = trials.new_version_if_changed(
                trial,
                text=current.text + "\n\nInclusion Criteria:\n- Age >= 18 years",
                structured=current.structured,
                actor=None,
                actor_label="benchmark",
            )
        assert made and not failure, failure
        run = finished_run(began, scope__trials=[trial.trial_id])
        return {
            "version_trial": trial.trial_id,
            "version_seconds": round(time.time() - began, 3),
            "version_request_to_done_seconds": _request_to_done(run),
            "version_run_status": run.status,
            "version_pairs": run.pairs_done,
        }

    # Matched trials of the registry (CTML fixtures may have no open arm); the first round warms the
    # workers (criteria compiled, plans read) and this process (the parser's models loaded).
    chosen = list(
        Trial.objects.recruiting()
        .filter(source="ctgov", criteria_versions__isnull=False)
        .distinct()
        .order_by("trial_id")
    )
    out: dict[str, object] = {"patients_in_database": Patient.objects.count()}
    out["first"] = {**one_patient(seed), **one_version(chosen[0])}
    out["warm"] = {**one_patient(seed + 1), **one_version(chosen[1])}
    return out


def _utc(epoch: float) -> object:
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch - 1.0, tz=dt.UTC)


def _request_to_done(run: object) -> float | None:
    seconds = (run.finished_at - run.created_at).total_seconds() if run.finished_at else None  # type: ignore[attr-defined]
    return None if seconds is None else round(seconds, 3)


if __name__ == "__main__":
    main()
