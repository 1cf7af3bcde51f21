"""manage.py survival: Kaplan-Meier, log-rank and Cox analysis of any CSV (contracts/README.md section 3)."""

from __future__ import annotations

import json
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

import pandas as pd
from django.core.management.base import BaseCommand, CommandError

from apps.cohorts import plots, survival


def _numbers(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise ArgumentTypeError(f"expected comma-separated numbers, got '{text}'") from exc


def _columns(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


class Command(BaseCommand):
    help = (
        "Survival analysis of a CSV: KM per group (R survfit defaults), log-rank, Cox (Efron ties), "
        "competing risks (cmprsk), (start, stop] and stratified Cox."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="CSV file with a header row")
        parser.add_argument("--time", required=True, help="column with follow-up time from the index date")
        parser.add_argument(
            "--event", required=True, help="column: 1 = event (death, progression), 0 = censored"
        )
        parser.add_argument("--group", help="column whose values define the subgroups")
        parser.add_argument("--covariates", type=_columns, default=(), help="Cox terms: COL,COL")
        parser.add_argument(
            "--group-in-cox", action="store_true", help="add group indicators to --covariates"
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--landmarks", type=_numbers, default=(), help="times for S(t), e.g. 180,365")
        parser.add_argument("--index-unit", choices=("days", "months"), default="days", help="unit of --time")
        parser.add_argument("--rmst-tau", type=float, help="RMST horizon (default: smallest last follow-up)")
        parser.add_argument(
            "--min-size", type=int, default=1, help="groups smaller are reported as too small"
        )
        parser.add_argument("--min-events", type=int, default=0, help="groups with fewer events: too small")
        parser.add_argument(
            "--suppress-below", type=int, help="suppress groups under N patients (sponsors: 11)"
        )
        parser.add_argument("--plot", type=Path, help="write the KM plot here (.svg, .png or .pdf)")
        parser.add_argument("--forest", type=Path, help="write the hazard-ratio forest plot here")
        parser.add_argument("--index-date", help="what time 0 is (e.g. 'start of first-line therapy')")
        parser.add_argument(
            "--event-type",
            help="competing risks: column with 0 censored, 1 the event of interest, 2.. competing events "
            "(--event stays the any-event 0/1 column, or names this same column)",
        )
        parser.add_argument(
            "--start", help="counting-process data: column with each row's start; rows are (start, time]"
        )
        parser.add_argument("--strata", help="stratified Cox: a baseline hazard per value of this column")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            frame = pd.read_csv(path, dtype=str, skipinitialspace=True)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: not a readable CSV ({str(exc).strip()})") from exc
        try:
            table = survival.prepare_table(
                frame,
                time=options["time"],
                event=options["event"],
                group=options["group"],
                covariates=options["covariates"],
                time_unit=options["index_unit"],
                source=str(path),
                event_type=options["event_type"],
                start=options["start"],
                strata=options["strata"],
            )
            result = survival.analyse(
                table,
                survival.AnalysisOptions(
                    landmarks=options["landmarks"],
                    rmst_tau=options["rmst_tau"],
                    min_size=options["min_size"],
                    min_events=options["min_events"],
                    suppress_below=options["suppress_below"],
                    group_in_cox=True if options["group_in_cox"] else None,
                    index_date=options["index_date"],
                ),
            )
        except survival.SurvivalInputError as exc:
            raise CommandError(str(exc)) from exc
        for key, draw in (("plot", plots.km_plot), ("forest", plots.forest_plot)):
            target: Path | None = options[key]
            if target is not None:
                fmt = target.suffix.lstrip(".").lower()
                if fmt not in plots.FORMATS:
                    raise CommandError(f"--{key} {target}: use a .svg, .png or .pdf file name")
                target.write_bytes(draw(result, fmt))
        if options["format"] == "json":
            self.stdout.write(json.dumps(survival.to_dict(result), indent=2, allow_nan=False))
        else:
            self.stdout.write(survival.render_text(result), ending="")
