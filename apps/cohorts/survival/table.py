"""Turning a table of rows into validated survival data: times, events, groups and covariates."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

DAYS_PER_MONTH = 30.4375
TIME_UNITS = ("days", "months")


class SurvivalInputError(ValueError):
    """Bad input, with a message naming the source, the line and the column."""


@dataclass(frozen=True)
class Covariate:
    """One model term: a numeric column as given, or one indicator of a categorical level."""

    term: str
    column: str
    values: np.ndarray


@dataclass(frozen=True)
class SurvivalTable:
    """Complete cases ready for analysis; `group` holds each row's group label."""

    time: np.ndarray
    event: np.ndarray
    group: np.ndarray
    group_order: tuple[str, ...]
    covariates: tuple[Covariate, ...] = ()
    dropped: int = 0
    time_unit: str = "days"
    group_column: str | None = None
    covariate_columns: tuple[str, ...] = field(default_factory=tuple)
    # Optional, for competing risks, counting-process (start, stop] rows and stratified Cox.
    event_type: np.ndarray | None = None
    start: np.ndarray | None = None
    strata: np.ndarray | None = None
    event_type_column: str | None = None
    start_column: str | None = None
    strata_column: str | None = None

    @property
    def n(self) -> int:
        return int(self.time.size)

    @property
    def events(self) -> int:
        return int(self.event.sum())

    def subset(self, mask: np.ndarray) -> SurvivalTable:
        kept = tuple(g for g in self.group_order if bool(np.any(self.group[mask] == g)))
        return SurvivalTable(
            time=self.time[mask],
            event=self.event[mask],
            group=self.group[mask],
            group_order=kept,
            covariates=tuple(Covariate(c.term, c.column, c.values[mask]) for c in self.covariates),
            dropped=self.dropped,
            time_unit=self.time_unit,
            group_column=self.group_column,
            covariate_columns=self.covariate_columns,
            event_type=None if self.event_type is None else self.event_type[mask],
            start=None if self.start is None else self.start[mask],
            strata=None if self.strata is None else self.strata[mask],
            event_type_column=self.event_type_column,
            start_column=self.start_column,
            strata_column=self.strata_column,
        )


def format_label(value: object) -> str:
    """A group value as R prints it: 1.0 -> "1", "IIIA" unchanged."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _numeric_or_none(text: object) -> float | None:
    try:
        number = float(str(text).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _ordered_labels(values: Sequence[object]) -> tuple[list[str], tuple[str, ...]]:
    """Labels per row and their order: numerically when every value is a number, else as text."""
    numbers = [_numeric_or_none(v) for v in values]
    if all(n is not None for n in numbers):
        present = [n for n in numbers if n is not None]
        labels = [format_label(n) for n in present]
        order = sorted(set(zip(present, labels, strict=True)))
        return labels, tuple(dict.fromkeys(label for _, label in order))
    labels = [str(v).strip() for v in values]
    return labels, tuple(sorted(set(labels)))


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    for column in columns:
        if column not in frame.columns:
            available = ", ".join(str(c) for c in frame.columns)
            raise SurvivalInputError(f"{source}: unknown column '{column}' (columns: {available})")


def prepare_table(
    frame: pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str | None = None,
    covariates: Sequence[str] = (),
    time_unit: str = "days",
    source: str = "input",
    first_line: int = 2,
    event_type: str | None = None,
    start: str | None = None,
    strata: str | None = None,
) -> SurvivalTable:
    """Validate rows and keep complete cases.

    Row i of `frame` is reported as line `first_line + i` (2 for a CSV with one header line).
    Rows missing time, event, group, a covariate, or the optional event type, start or strata
    column are left out and counted in `dropped`; present but invalid values are errors.
    `event_type`: 0 censored, 1 the event of interest, 2.. competing events, and `event` must be its
    any-event indicator. `start`: each row is at risk on (start, time], start < time.
    """
    if time_unit not in TIME_UNITS:
        raise SurvivalInputError(f"time unit must be one of {', '.join(TIME_UNITS)}, not '{time_unit}'")
    # `--event-type` may name the `--event` column itself: any code but 0 is then "an event".
    same_column = bool(event_type) and event_type == event
    extra = [c for c in (None if same_column else event_type, start, strata) if c]
    used = [time, event, *([group] if group else []), *covariates, *extra]
    _require_columns(frame, used, source)
    if len(set(used)) != len(used):
        raise SurvivalInputError(f"{source}: a column is used twice in {', '.join(used)}")
    if frame.empty:
        raise SurvivalInputError(f"{source}: no rows")

    missing = frame[used].isna().to_numpy().any(axis=1)
    times: list[float] = []
    events: list[int] = []
    for position, (raw_time, raw_event, is_missing) in enumerate(
        zip(frame[time].tolist(), frame[event].tolist(), missing.tolist(), strict=True)
    ):
        if is_missing:
            continue
        line = first_line + position
        value = _numeric_or_none(raw_time)
        if value is None:
            raise SurvivalInputError(f"{source}: line {line}: column '{time}': '{raw_time}' is not a number")
        if value < 0:
            raise SurvivalInputError(f"{source}: line {line}: column '{time}': negative time {raw_time}")
        status = _numeric_or_none(raw_event)
        if same_column and status is not None and status.is_integer() and status >= 2:
            status = 1.0
        if status not in (0.0, 1.0):
            raise SurvivalInputError(
                f"{source}: line {line}: column '{event}': '{raw_event}' is not 0 (censored) or 1 (event)"
            )
        times.append(value)
        events.append(int(status or 0))

    kept = frame.loc[~missing]
    positions = np.flatnonzero(~missing)
    types = (
        _event_types(kept[event_type].tolist(), events, event_type, event, source, first_line, positions)
        if event_type
        else None
    )
    starts = (
        _starts(kept[start].tolist(), times, start, time, source, first_line, positions) if start else None
    )
    layers = np.asarray(_ordered_labels(kept[strata].tolist())[0], dtype=object) if strata else None
    if not times:
        raise SurvivalInputError(
            f"{source}: no rows left after leaving out rows missing {', '.join(repr(c) for c in used)}"
        )
    if group:
        labels, order = _ordered_labels(kept[group].tolist())
    else:
        labels, order = ["all"] * len(times), ("all",)
    terms = tuple(
        term
        for column in covariates
        for term in _covariate_terms(
            kept[column].tolist(), column, source, first_line, np.flatnonzero(~missing)
        )
    )
    return SurvivalTable(
        time=np.asarray(times, dtype=float),
        event=np.asarray(events, dtype=int),
        group=np.asarray(labels, dtype=object),
        group_order=order,
        covariates=terms,
        dropped=int(missing.sum()),
        time_unit=time_unit,
        group_column=group,
        covariate_columns=tuple(covariates),
        event_type=types,
        start=starts,
        strata=layers,
        event_type_column=event_type,
        start_column=start,
        strata_column=strata,
    )


def _event_types(
    values: list[object],
    events: list[int],
    column: str,
    event_column: str,
    source: str,
    first_line: int,
    positions: np.ndarray,
) -> np.ndarray:
    codes = np.empty(len(values), dtype=int)
    for i, (raw, any_event) in enumerate(zip(values, events, strict=True)):
        line = first_line + int(positions[i])
        number = _numeric_or_none(raw)
        if number is None or not number.is_integer() or number < 0:
            raise SurvivalInputError(
                f"{source}: line {line}: column '{column}': '{raw}' is not an event type "
                "(0 censored, 1 the event of interest, 2.. competing events)"
            )
        if (number != 0) != (any_event == 1):
            raise SurvivalInputError(
                f"{source}: line {line}: column '{column}' is {int(number)} but column '{event_column}' "
                f"is {any_event}: '{event_column}' must be 1 exactly when an event of any type happened"
            )
        codes[i] = int(number)
    return codes


def _starts(
    values: list[object],
    stops: list[float],
    column: str,
    time_column: str,
    source: str,
    first_line: int,
    positions: np.ndarray,
) -> np.ndarray:
    out = np.empty(len(values), dtype=float)
    for i, (raw, stop) in enumerate(zip(values, stops, strict=True)):
        line = first_line + int(positions[i])
        number = _numeric_or_none(raw)
        if number is None:
            raise SurvivalInputError(f"{source}: line {line}: column '{column}': '{raw}' is not a number")
        if number >= stop:
            raise SurvivalInputError(
                f"{source}: line {line}: column '{column}' ({raw}) must be before '{time_column}' "
                f"({stop:g}): each row is the interval (start, stop]"
            )
        out[i] = number
    return out


def _covariate_terms(
    values: list[object], column: str, source: str, first_line: int, positions: np.ndarray
) -> list[Covariate]:
    """A numeric column enters as a number; text enters as indicators against its first level (as R)."""
    numbers = [_numeric_or_none(v) for v in values]
    if all(n is not None for n in numbers):
        return [Covariate(column, column, np.asarray(numbers, dtype=float))]
    labels, order = _ordered_labels(values)
    if len(order) < 2:
        raise SurvivalInputError(
            f"{source}: line {first_line + int(positions[0])}: column '{column}': "
            f"only one value ('{order[0]}'), nothing to estimate"
        )
    array = np.asarray(labels, dtype=object)
    return [Covariate(f"{column}={level}", column, (array == level).astype(float)) for level in order[1:]]


@dataclass(frozen=True)
class FollowUp:
    """One patient's dates, for computing time from an explicit index date."""

    index_date: date
    last_follow_up: date
    event_date: date | None = None


def durations_from_dates(rows: Sequence[FollowUp], *, source: str = "input") -> tuple[np.ndarray, np.ndarray]:
    """Days from the index date to the event (event=1) or the last follow-up (event=0).

    Time before the index date is never counted, which is what avoids immortal-time bias:
    choose as index the date from which every patient is at risk (start of a therapy line,
    sequencing report, match date). An event or follow-up before the index is an error.
    """
    times = np.empty(len(rows), dtype=float)
    events = np.empty(len(rows), dtype=int)
    for i, row in enumerate(rows):
        end = row.event_date or row.last_follow_up
        if end < row.index_date:
            field_name = "event_date" if row.event_date else "last_follow_up"
            raise SurvivalInputError(f"{source}: entry {i}: {field_name} is before index_date")
        times[i] = (end - row.index_date).days
        events[i] = 1 if row.event_date else 0
    return times, events
