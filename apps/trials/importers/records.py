"""Plain records the importers produce: one TrialRecord per trial, problems named by file, record, field."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """Why a file was refused: which file, which record (index or id), which field."""

    file: str
    record: str
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "record": self.record, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.file, self.record and f"record {self.record}") if part)
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class UnknownValue:
    """A value kept verbatim because it is not in our vocabulary (a phase, a status)."""

    record: str
    field: str
    value: str

    def as_dict(self) -> dict[str, str]:
        return {"record": self.record, "field": self.field, "value": self.value}


class RecordError(ValueError):
    """One record is invalid; `field` names where, in the source's own vocabulary."""

    def __init__(self, field: str, message: str, trial_id: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.trial_id = trial_id  # set once the record's id is known, so errors can name it


@contextmanager
def about(trial_id: str) -> Iterator[None]:
    """Errors raised inside name the record by its id as well as its position."""
    try:
        yield
    except RecordError as exc:
        exc.trial_id = exc.trial_id or trial_id
        raise


class FileRejected(ValueError):
    """The whole file is unreadable (encoding, syntax, size, DOCTYPE, unknown shape)."""

    def __init__(self, message: str, *, field: str = "", record: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.record = record


@dataclass
class ArmRecord:
    code: str
    kind: str = "arm"  # step, arm or dose_level
    parent_code: str | None = None
    description: str = ""
    status: str = "open"  # open or closed
    eligibility_text: str = ""
    match_tree: Any = None


@dataclass
class TrialRecord:
    trial_id: str
    source: str  # ctgov or ctml
    label: str = ""  # how errors name this record: "#3 NCT01234567"
    title: str = ""
    official_title: str = ""
    phase: str = ""
    overall_status: str = ""
    sponsor: str | None = None
    conditions: list[str] = field(default_factory=list)
    min_age_years: float | None = None
    max_age_years: float | None = None
    sex: str = "ALL"
    eligibility_text: str = ""
    arms: list[ArmRecord] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    structured: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    unknown_values: list[UnknownValue] = field(default_factory=list)


@dataclass
class ParsedFile:
    """What one file holds: its trials, or the problems that make it unimportable (never both)."""

    name: str
    format: str = ""
    records: list[TrialRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems
