"""Daily: notify followers of newly eligible patients and owners of due deferrals, then mail the digests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from apps.matching.models import MatchRun
from apps.screening import services as screening


class Command(BaseCommand):
    help = "Create in-app notifications (new eligible, deferrals due) and send the e-mail digest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=1, help="runs completed in the last N days (default 1)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = timezone.now() - dt.timedelta(days=options["days"])
        runs = MatchRun.objects.filter(status=MatchRun.Status.COMPLETED, finished_at__gte=since)
        eligible = sum(screening.notify_new_eligible(run) for run in runs)
        due = screening.notify_due_deferrals(today=timezone.localdate())
        mails = screening.send_digests()
        self.stdout.write(
            f"notifications: {eligible} new eligible, {due} deferrals due; {mails} digests mailed"
        )
