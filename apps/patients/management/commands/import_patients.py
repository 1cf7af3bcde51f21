"""`manage.py import_patients PATH...`: FHIR R4 Bundle JSON files, bulk-export NDJSON, or folders."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.patients import services as patients


class Command(BaseCommand):
    help = (
        "Import patients from FHIR R4 Bundle JSON files, bulk-export NDJSON files, or folders of either. "
        "Each Bundle file, and each folder of NDJSON files, is imported whole or not at all; errors are "
        "printed to stderr as JSON naming file, line or entry, and field."
    )
    # The URL configuration and admin are not used here; loading them for the system checks costs seconds.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--progress", action="store_true", help="progress bar on stderr even without a TTY"
        )
        parser.add_argument("--json", action="store_true", help="print the full import report as JSON")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes validating resources ahead of the import (default: CPUs - 1, at most 4; 0: none)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        progress = options["progress"] or sys.stderr.isatty()
        if options["workers"] is not None and options["workers"] < 0:
            raise CommandError("--workers must be 0 or more")
        report = patients.import_paths(options["paths"], progress=progress, workers=options["workers"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, default=str))
        else:
            for unit in report.units:
                self.stdout.write(_summary(unit))
            for path in report.skipped:
                self.stdout.write(f"skipped (not .json or .ndjson): {path}")
        if not report.ok:
            self.stderr.write(json.dumps({"errors": [p.as_dict() for p in report.errors]}, indent=1))
            rejected = sum(not u.ok for u in report.units)
            raise CommandError(
                f"{rejected} of {len(report.units)} file(s) rejected; nothing from them was saved"
            )


def _summary(unit: patients.FileReport) -> str:
    if not unit.ok:
        return f"{unit.name}: REJECTED, {len(unit.problems)} error(s)"
    resources = ", ".join(f"{n} {t}" for t, n in sorted(unit.resources.items()))
    changed = {k: v for k, v in sorted(unit.rows.items()) if v and not k.endswith(".unchanged")}
    rows = ", ".join(f"{k} {v}" for k, v in changed.items()) or "no changes"
    lines = [f"{unit.name}: imported {resources}", f"  rows: {rows}"]
    if unit.not_stored:
        kept = ", ".join(f"{n} {t}" for t, n in sorted(unit.not_stored.items()))
        lines.append(f"  read, not stored: {kept}")
    if unit.notes:
        lines.append(f"  kept verbatim / not understood: {len(unit.notes)} distinct (see --json)")
    return "\n".join(lines)
