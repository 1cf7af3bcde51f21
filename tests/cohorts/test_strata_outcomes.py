"""Index dates, events and immortal-time exclusions (no database)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from apps.cohorts import strata
from apps.cohorts.survival import DAYS_PER_MONTH
from apps.matching.records import DiagnosisFact, FindingFact, PatientRecord, TherapyFact

DX = dt.date(2020, 1, 1)


def patient(key: str, **fields: object) -> PatientRecord:
    diagnosis = DiagnosisFact("cancer", oncotree_code="LUAD", is_primary=True, date=DX)
    return PatientRecord(key=key, diagnoses=(diagnosis,), **fields)  # type: ignore[arg-type]


def test_death_time_counts_from_the_index_and_censoring_at_last_follow_up() -> None:
    records = [patient("dead"), patient("alive")]
    outcomes = {
        "dead": strata.Outcome(last_known_alive=dt.date(2020, 4, 1), death=dt.date(2020, 4, 10)),
        "alive": strata.Outcome(last_known_alive=dt.date(2021, 1, 1)),
    }

    result = strata.durations(records, outcomes, index="diagnosis", event="death", time_unit="days")

    assert result.keys == ("dead", "alive")
    assert result.time.tolist() == [100.0, 366.0]
    assert result.event.tolist() == [1, 0]


def test_months_are_days_over_30_4375() -> None:
    outcomes = {"a": strata.Outcome(last_known_alive=DX + dt.timedelta(days=365))}

    result = strata.durations([patient("a")], outcomes, index="diagnosis", event="death")

    assert np.isclose(result.time[0], 365 / DAYS_PER_MONTH)


def test_progression_free_survival_takes_the_first_of_progression_and_death() -> None:
    outcomes = {
        "p": strata.Outcome(
            DX + dt.timedelta(days=300),
            death=DX + dt.timedelta(days=300),
            progression=DX + dt.timedelta(days=120),
        ),
        "d": strata.Outcome(DX + dt.timedelta(days=50), death=DX + dt.timedelta(days=50)),
    }

    result = strata.durations(
        [patient("p"), patient("d")], outcomes, index="diagnosis", event="progression", time_unit="days"
    )

    assert result.time.tolist() == [120.0, 50.0]
    assert result.event.tolist() == [1, 1]


def test_patients_whose_event_precedes_the_index_are_excluded_and_counted() -> None:
    line2 = (
        TherapyFact("A", date=DX + dt.timedelta(days=10)),
        TherapyFact("B", date=DX + dt.timedelta(days=200)),
    )
    records = [patient("early death", therapies=line2), patient("no line 2"), patient("ok", therapies=line2)]
    outcomes = {
        "early death": strata.Outcome(DX + dt.timedelta(days=100), death=DX + dt.timedelta(days=100)),
        "no line 2": strata.Outcome(DX + dt.timedelta(days=500)),
        "ok": strata.Outcome(DX + dt.timedelta(days=400)),
    }

    result = strata.durations(
        records, outcomes, index="therapy_line_start", line=2, event="death", time_unit="days"
    )

    assert result.keys == ("ok",)
    assert result.time.tolist() == [200.0]
    assert result.excluded == {"event before the index date": 1, "no index date": 1}


def test_sequencing_and_match_dates_as_index() -> None:
    rec = patient("s", findings=(FindingFact("EGFR", False, date=DX + dt.timedelta(days=30)),))
    outcomes = {"s": strata.Outcome(DX + dt.timedelta(days=130))}

    by_report = strata.durations([rec], outcomes, index="sequencing_report", event="death", time_unit="days")
    by_match = strata.durations(
        [rec],
        outcomes,
        index="match_date",
        event="death",
        time_unit="days",
        match_dates={"s": DX + dt.timedelta(days=80)},
    )

    assert by_report.time.tolist() == [100.0]
    assert by_match.time.tolist() == [50.0]


def test_unknown_index_date_is_refused() -> None:
    with pytest.raises(ValueError, match="index date"):
        strata.durations([patient("a")], {}, index="birth", event="death")
