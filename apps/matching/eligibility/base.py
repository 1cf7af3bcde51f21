"""Truth values, bounds and the patient view shared by the reference evaluator and the engine."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from apps.matching.records import PatientRecord

# Condition values. Ordered so that Kleene AND is min and OR is max; NA is skipped by both.
F, U, T, NA = 0, 1, 2, 3
NOT = (T, U, F, NA)
NAMES = {F: "not_met", U: "unknown", T: "met", NA: "not_applicable"}
DEFAULT_LOOKBACK_DAYS = 28

Fact = TypeVar("Fact")


class CriteriaError(ValueError):
    """A criterion cannot be read; the message names the criterion id and field."""


@dataclass(frozen=True)
class Outcome:
    value: int
    evidence: str | None = None
    missing: str | None = None


def unknown(missing: str) -> Outcome:
    return Outcome(U, None, missing)


def strongest(outcomes: list[Outcome], empty: Outcome) -> Outcome:
    """The first outcome with the greatest value (T > U > F); `empty` when there is none."""
    return max(outcomes, key=lambda o: o.value) if outcomes else empty


def day(d: dt.date | None) -> int:
    """Ordinal day, -1 for an undated fact (sorts before every dated one)."""
    return d.toordinal() if d is not None else -1


def cite(what: str, fact: Any) -> str:
    date = getattr(fact, "date", None)
    source = getattr(fact, "source", "")
    parts = [what]
    if date is not None:
        parts.append(f"on {date.isoformat()}")
    if source:
        parts.append(f"({source})")
    return " ".join(parts)


def latest(facts: Sequence[Fact], keep: Callable[[Fact], bool]) -> Fact | None:
    """The most recent kept fact: greatest (date, position); undated facts lose to dated ones."""
    best: Fact | None = None
    best_key = (-2, -1)
    for position, fact in enumerate(facts):
        if keep(fact):
            key = (day(getattr(fact, "date", None)), position)
            if key > best_key:
                best, best_key = fact, key
    return best


@dataclass(frozen=True)
class Bounds:
    """min/max with inclusivity; either may be None. Compared in float64 by both evaluators."""

    min: float | None = None
    max: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True

    @classmethod
    def of(cls, rule: dict[str, Any], where: str) -> Bounds:
        lo, hi = (
            _number(rule.get("min"), f"{where}: field 'min'"),
            _number(rule.get("max"), f"{where}: field 'max'"),
        )
        return cls(lo, hi, bool(rule.get("min_inclusive", True)), bool(rule.get("max_inclusive", True)))

    @property
    def empty(self) -> bool:
        return self.min is None and self.max is None

    def test(self, value: float, scale: float = 1.0) -> int:
        if self.min is not None:
            lo = self.min * scale
            if value < lo or (value == lo and not self.min_inclusive):
                return F
        if self.max is not None:
            hi = self.max * scale
            if value > hi or (value == hi and not self.max_inclusive):
                return F
        return T

    def scaled(self, factor: float) -> Bounds:
        return Bounds(
            None if self.min is None else self.min * factor,
            None if self.max is None else self.max * factor,
            self.min_inclusive,
            self.max_inclusive,
        )

    def describe(self) -> str:
        parts = []
        if self.min is not None:
            parts.append((">=" if self.min_inclusive else ">") + f" {self.min:g}")
        if self.max is not None:
            parts.append(("<=" if self.max_inclusive else "<") + f" {self.max:g}")
        return " and ".join(parts)


def _number(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise CriteriaError(f"{where}: expected a number, got {value!r}")
    try:
        out = float(value)
    except ValueError as exc:
        raise CriteriaError(f"{where}: expected a number, got {value!r}") from exc
    if math.isnan(out):
        raise CriteriaError(f"{where}: expected a number, got NaN")
    return out


def words(value: Any) -> tuple[str, ...]:
    """A string or list of strings as a tuple of stripped non-empty strings."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value if v is not None and str(v).strip())
    return (str(value).strip(),)


@dataclass(frozen=True)
class View:
    """One patient as seen on the match date: facts dated after `as_of` are invisible."""

    record: PatientRecord
    as_of: dt.date

    @classmethod
    def of(cls, record: PatientRecord, as_of: dt.date) -> View:
        def seen(facts: tuple[Any, ...]) -> tuple[Any, ...]:
            return tuple(f for f in facts if f.date is None or f.date <= as_of)

        visible = PatientRecord(
            key=record.key,
            sex=record.sex,
            birth_date=record.birth_date,
            diagnoses=seen(record.diagnoses),
            labs=seen(record.labs),
            performance=seen(record.performance),
            findings=seen(record.findings),
            biomarkers=seen(record.biomarkers),
            therapies=seen(record.therapies),
            procedures=seen(record.procedures),
            pregnancy=seen(record.pregnancy),
            death_date=record.death_date,
        )
        return cls(visible, as_of)
