"""export_matches [--trial NCT_ID] [--format json|csv] [--status S ...]: the ranked current results."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.matching import services as matching
from apps.matching.models import Match


class _Unterminated:
    """Writes pieces as they are: the command's stdout would end each one with a newline."""

    def __init__(self, out: Any) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")


class Command(BaseCommand):
    help = (
        "Print the current match results, ranked within each trial arm: JSON per match-export.schema.json "
        "or CSV with a header. Every status by default; ineligible rows name their first failing criterion."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--trial", default=None, metavar="NCT_ID")
        parser.add_argument("--format", default="json", choices=matching.EXPORT_FORMATS)
        parser.add_argument(
            "--status",
            action="append",
            dest="statuses",
            choices=Match.Status.values,
            help="repeatable; default all",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            matching.export_matches(
                _Unterminated(self.stdout),
                fmt=options["format"],
                trial=options["trial"],
                statuses=options["statuses"],
            )
        except matching.ExportError as exc:
            raise CommandError(str(exc)) from exc
