"""import_trials PATH...: ClinicalTrials.gov (v2/v1 JSON, XML, CSV) and CTML (YAML/JSON) files or folders."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.trials import services as trials


class Command(BaseCommand):
    help = (
        "Import trials from files or folders (recursively): ClinicalTrials.gov API v2 or classic JSON, "
        "legacy XML, CSV, MatchMiner CTML YAML/JSON. Each file is saved whole or rejected whole; "
        "exit status 1 if any file was rejected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="files or folders")
        parser.add_argument("--json", action="store_true", help="print the report as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        report = trials.import_paths(options["paths"])
        for rejected in report.rejected:
            for error in rejected.errors:
                self.stderr.write(f"rejected {_where(error)}: {error['message']}")
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self._summary(report)
        if not report.ok:
            raise CommandError(
                f"{len(report.rejected)} of {len(report.files)} file(s) rejected", returncode=1
            )

    def _summary(self, report: trials.ImportReport) -> None:
        by_folder: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for f in report.files:
            folder = by_folder[str(Path(f.file).parent)]
            folder["files"] += 1
            if f.rejected:
                folder["rejected"] += 1
                continue
            for key, value in f.counts().items():
                folder[key] += value
            self.stdout.write(
                f"{f.file}: {f.created} created, {f.updated} updated, {f.unchanged} unchanged, "
                f"{f.new_versions} new criteria versions"
            )
            for unknown in f.unknown_values:
                self.stdout.write(
                    f"  kept unknown value {unknown['value']!r} of {unknown['field']} ({unknown['record']})"
                )
            for failure in f.parse_failures:
                self.stdout.write(f"  {failure['record']}: {failure['message']}")
        self.stdout.write("")
        for name, counts in sorted(by_folder.items()):
            self.stdout.write(
                f"{name}: {counts['files']} files, {counts['rejected']} rejected; trials "
                f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged; "
                f"{counts['new_versions']} new criteria versions"
            )
        totals = report.totals()
        self.stdout.write(
            f"total: {totals['files']} files ({totals['rejected_files']} rejected, {len(report.skipped)} "
            f"skipped as not trial files); trials {totals['created']} created, {totals['updated']} updated, "
            f"{totals['unchanged']} unchanged; {totals['new_versions']} new criteria versions"
        )


def _where(error: dict[str, str]) -> str:
    parts = [error["file"]]
    if error["record"]:
        parts.append(f"record {error['record']}")
    if error["field"]:
        parts.append(f"field {error['field']}")
    return ", ".join(parts)
