"""Write a seeded synthetic oncology cohort as FHIR R4 (bulk NDJSON or Bundles) for `import_patients`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.patients import synthetic
from apps.patients.synthetic import writer


class Command(BaseCommand):
    help = (
        "Write a seeded synthetic oncology cohort (FHIR R4) into DIR; same --patients and --seed: same bytes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, required=True, help="number of patients")
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        parser.add_argument("--out", required=True, help="output folder")
        parser.add_argument("--format", choices=("ndjson", "bundles"), default="ndjson")
        parser.add_argument("--cutoff", help="data cut-off date YYYY-MM-DD (default %(default)s)",
                            default=synthetic.DEFAULT_CUTOFF.isoformat())  # fmt: skip
        parser.add_argument(
            "--overwrite", action="store_true", help="replace .ndjson/.json files already in DIR"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        n = options["patients"]
        if n < 0:
            raise CommandError(f"--patients: must be 0 or more, got {n}")
        try:
            cutoff = dt.date.fromisoformat(options["cutoff"])
        except ValueError as exc:
            raise CommandError(f"--cutoff: not a date YYYY-MM-DD: {options['cutoff']!r}") from exc
        out = Path(options["out"])
        if out.exists() and not out.is_dir():
            raise CommandError(f"--out: {out} exists and is not a folder")
        stale = writer.existing_outputs(out)
        if stale and not options["overwrite"]:
            raise CommandError(
                f"--out: {out} already holds {len(stale)} .ndjson/.json files; pass --overwrite"
            )
        for path in stale:
            path.unlink()
        bundles = options["format"] == "bundles"
        patients = synthetic.generate(n, options["seed"], cutoff=cutoff, urn_references=bundles)
        if bundles:
            counts = writer.write_bundles(patients, out, f"{cutoff.isoformat()}T00:00:00Z")
        else:
            counts = writer.write_ndjson(patients, out)
        summary = ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items()))
        self.stdout.write(f"wrote {n} synthetic patients to {out} ({options['format']}): {summary}")
