"""match [--trial NCT_ID ...] [--patient ID ...] [--as-of YYYY-MM-DD]: run matching and wait for it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.matching import services as matching
from apps.matching.models import MatchRun


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of: expected a date YYYY-MM-DD, got {value!r}") from None


class Command(BaseCommand):
    help = (
        "Match patients against trials (default: all patients against all recruiting trials' open arms), "
        "wait for the run and print a summary. Exit status 1 if the run failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--trial", action="append", dest="trials", metavar="NCT_ID", help="repeatable")
        parser.add_argument("--patient", action="append", dest="patients", metavar="ID", help="repeatable")
        parser.add_argument("--as-of", default=None, help="the date eligibility is judged on (default today)")
        parser.add_argument(
            "--include-closed", action="store_true", help="also closed arms and non-recruiting trials"
        )
        parser.add_argument("--idempotency-key", default=None, help="the same key twice starts one run")
        parser.add_argument(
            "--timeout", type=float, default=None, help="seconds to wait (default: until done)"
        )
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = _date(options["as_of"]) if options["as_of"] else timezone.localdate()
        try:
            run = matching.request_run(
                trials=options["trials"],
                patients=options["patients"],
                as_of=as_of,
                idempotency_key=options["idempotency_key"],
                include_closed=options["include_closed"],
            )
        except matching.MatchRequestError as exc:
            raise CommandError(str(exc)) from exc
        run = matching.wait_for_run(run, timeout=options["timeout"])
        summary = matching.run_summary(run)
        out = {
            "run": run.pk,
            "status": run.status,
            "as_of": as_of.isoformat(),
            "pairs": summary.pairs,
            "eligible": summary.eligible,
            "possible": summary.possible,
            "ineligible": summary.ineligible,
            "seconds": round(summary.seconds, 3) if summary.seconds is not None else None,
            "pairs_per_second": round(summary.pairs_per_second) if summary.pairs_per_second else None,
        }
        if options["json"]:
            self.stdout.write(json.dumps(out))
        else:
            self.stdout.write(
                f"run {run.pk} {run.status} (as of {as_of}): {summary.pairs} pairs, "
                f"{summary.eligible} eligible, "
                f"{summary.possible} possible, {summary.ineligible} ineligible in {out['seconds']} s "
                f"({out['pairs_per_second']} pairs/s)"
            )
        if run.status == MatchRun.Status.FAILED:
            raise CommandError(f"run {run.pk} failed: {run.failure_reason}", returncode=1)
        if run.status != MatchRun.Status.COMPLETED:
            raise CommandError(f"run {run.pk} still {run.status} after the timeout", returncode=1)
