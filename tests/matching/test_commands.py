"""The match and export_matches commands, as a user runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from apps.audit.models import AuditEvent
from apps.matching.models import Match

from .test_services import make_patient, make_trial

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def trial_and_patients() -> None:
    import datetime as dt

    make_trial("NCT00000001", [], min_age_years=18)
    make_patient("adult-1", born=dt.date(1970, 5, 1))
    make_patient("child-1", born=dt.date(2015, 5, 1))


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_match_prints_pairs_and_counts_per_status(trial_and_patients: None) -> None:
    out = run("match", "--as-of", "2026-11-01", "--json")

    summary = json.loads(out)
    assert summary["status"] == "completed"
    assert summary["pairs"] == 2
    assert summary["eligible"] + summary["possible"] == 1 and summary["ineligible"] == 1


def test_match_names_unknown_trial_and_refuses_bad_date(trial_and_patients: None) -> None:
    with pytest.raises(CommandError, match="NCT404"):
        run("match", "--trial", "NCT404")
    with pytest.raises(CommandError, match="--as-of"):
        run("match", "--as-of", "01/11/2026")
    assert not Match.objects.exists()


def test_export_json_is_valid_against_the_contract_and_audited(trial_and_patients: None) -> None:
    run("match", "--as-of", "2026-11-01")
    schema = json.loads(
        (Path(settings.TRIALMATCH_SHARED_DATA).parent / "contracts" / "match-export.schema.json").read_text()
    )

    exported = json.loads(run("export_matches", "--format", "json"))

    jsonschema.validate(exported, schema)
    assert [m["rank"] for m in exported["matches"]] == [1, 2]
    child = next(m for m in exported["matches"] if m["patient"] == "child-1")
    assert child["status"] == "ineligible" and child["criteria"] == [
        {"id": "AGE", "verdict": "not_met", "evidence": None}
    ]
    assert AuditEvent.objects.filter(action="matching.export", kind="access").count() == 1


def test_export_csv_has_a_header_and_filters_by_status(trial_and_patients: None) -> None:
    run("match", "--as-of", "2026-11-01")

    out = run("export_matches", "--format", "csv", "--status", "ineligible")

    rows = [(r["patient"], r["status"], r["first_failing"]) for r in csv.DictReader(io.StringIO(out))]
    assert rows == [("child-1", "ineligible", "AGE")]


def test_export_names_an_unknown_trial(trial_and_patients: Any) -> None:
    with pytest.raises(CommandError, match="NCT404"):
        run("export_matches", "--trial", "NCT404")
