"""Time to event from an explicit index date, with the patients who cannot be at risk from it left out.

Time zero is a date from which every patient is at risk (diagnosis, start of a therapy line, the
sequencing report, the match date). A patient whose event or last follow-up precedes the index, or who
has no index date, would contribute immortal time; they are excluded and counted by reason.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from apps.cohorts.survival import DAYS_PER_MONTH, FollowUp, durations_from_dates
from apps.matching.records import PatientRecord

from . import facts

INDEX_DATES = ("diagnosis", "therapy_line_start", "sequencing_report", "match_date")
EVENTS = ("death", "progression")
EVENT_NOTES = {
    "death": "overall survival: event = death; censored at the last date known alive",
    "progression": "progression-free survival: event = progression or death, whichever is first; censored at "
    "the last date known alive",
}


@dataclass(frozen=True)
class Outcome:
    """A patient's outcome dates (apps.patients FollowUp)."""

    last_known_alive: dt.date | None
    death: dt.date | None = None
    progression: dt.date | None = None


@dataclass(frozen=True)
class Durations:
    keys: tuple[str, ...]
    time: np.ndarray
    event: np.ndarray
    time_unit: str
    excluded: dict[str, int] = field(default_factory=dict)
    description: str = ""


def index_date(
    record: PatientRecord, kind: str, *, line: int = 1, match_date: dt.date | None = None
) -> dt.date | None:
    if kind == "diagnosis":
        return facts.diagnosis_date(record)
    if kind == "therapy_line_start":
        return facts.line_start(record, line)
    if kind == "sequencing_report":
        return facts.sequencing_date(record)
    if kind == "match_date":
        return match_date
    raise ValueError(f"index date must be one of {', '.join(INDEX_DATES)}, not {kind!r}")


def _end(outcome: Outcome, event: str) -> tuple[dt.date | None, dt.date | None]:
    """(event date or None, last follow-up)."""
    last = max((d for d in (outcome.last_known_alive, outcome.death) if d is not None), default=None)
    if event == "death":
        return outcome.death, last
    dates = [d for d in (outcome.progression, outcome.death) if d is not None]
    return (min(dates) if dates else None), last


def durations(
    records: Sequence[PatientRecord],
    outcomes: Mapping[str, Outcome],
    *,
    index: str,
    event: str,
    line: int = 1,
    match_dates: Mapping[str, dt.date] | None = None,
    time_unit: str = "months",
) -> Durations:
    """Times from the index date; `outcomes` and `match_dates` are keyed by patient key."""
    if index not in INDEX_DATES:
        raise ValueError(f"index date must be one of {', '.join(INDEX_DATES)}, not {index!r}")
    if event not in EVENTS:
        raise ValueError(f"event must be one of {', '.join(EVENTS)}, not {event!r}")
    if time_unit not in ("days", "months"):
        raise ValueError(f"time unit must be days or months, not {time_unit!r}")
    excluded: Counter[str] = Counter()
    keys: list[str] = []
    rows: list[FollowUp] = []
    for record in records:
        start = index_date(record, index, line=line, match_date=(match_dates or {}).get(record.key))
        outcome = outcomes.get(record.key)
        if start is None:
            excluded["no index date"] += 1
            continue
        if outcome is None:
            excluded["no follow-up recorded"] += 1
            continue
        happened, last = _end(outcome, event)
        if happened is not None and happened < start:
            excluded["event before the index date"] += 1
            continue
        if happened is None and (last is None or last < start):
            excluded["follow-up ends before the index date"] += 1
            continue
        keys.append(record.key)
        rows.append(FollowUp(index_date=start, last_follow_up=last or start, event_date=happened))
    time, status = durations_from_dates(rows)
    if time_unit == "months":
        time = time / DAYS_PER_MONTH
    suffix = f" {line}" if index == "therapy_line_start" else ""
    return Durations(
        keys=tuple(keys),
        time=time,
        event=status,
        time_unit=time_unit,
        excluded=dict(sorted(excluded.items())),
        description=f"time from {index.replace('_', ' ')}{suffix} ({time_unit}); {EVENT_NOTES[event]}; "
        "patients without an index date, or whose event or last follow-up precedes it, are excluded "
        "(immortal time)",
    )
