"""manage.py parse_criteria [FILE|-] [--jsonl]: eligibility text to criteria JSON (contract section 1)."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.criteria.parser import parse


class Command(BaseCommand):
    help = "Parse eligibility criteria text (a file or stdin) into computable criteria JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="-", help="text file, or - for stdin")
        parser.add_argument(
            "--jsonl", action="store_true", help='input lines {"id", "text"}; output one line each'
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        try:
            if name == "-":
                raw = sys.stdin.read()
            else:
                with open(name, encoding="utf-8") as fh:
                    raw = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{name}: cannot read: {exc}") from exc
        if not options["jsonl"]:
            self.stdout.write(json.dumps(parse(raw), ensure_ascii=False))
            return
        out: list[str] = []
        for lineno, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CommandError(f"{name}: line {lineno}: not JSON ({exc.msg})") from exc
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise CommandError(f"{name}: line {lineno}: field 'text': expected a string")
            out.append(json.dumps({"id": record.get("id"), **parse(record["text"])}, ensure_ascii=False))
        self.stdout.write("\n".join(out))
