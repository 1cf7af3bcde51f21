"""bench_match: matching throughput of the engine against the reference evaluator (contracts README, 4)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.matching.engine.bench import bench


class Command(BaseCommand):
    help = "Match N synthetic patients against M synthetic trials; compare with the reference on a sample."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, required=True)
        parser.add_argument("--trials", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--sample", type=int, default=2000, help="pairs checked with the reference evaluator"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["patients"] < 1 or options["trials"] < 1:
            raise CommandError("--patients and --trials must be at least 1")
        result = bench(options["patients"], options["trials"], options["seed"], options["sample"])
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        for key, value in result.items():
            self.stdout.write(f"{key}: {value}")
