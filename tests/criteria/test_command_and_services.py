"""parse_criteria command (contract section 1) and the review services against the database."""

import io
import json
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from apps.audit.models import AuditEvent
from apps.criteria import services
from apps.criteria.models import CriteriaCorrection
from apps.trials.models import CriteriaVersion, Trial

SCHEMA = json.loads(
    (Path(settings.TRIALMATCH_SHARED_DATA).parent / "contracts" / "criteria.schema.json").read_text()
)
TEXT = "Inclusion Criteria:\n\n* ECOG 0-1\n* Age >= 18 years\n\nExclusion Criteria:\n\n* Pregnant\n"


def test_command_parses_a_file_to_schema_valid_json(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(TEXT)
    out = io.StringIO()

    call_command("parse_criteria", str(path), stdout=out)

    jsonschema.validate(json.loads(out.getvalue()), SCHEMA)


def test_command_jsonl_keeps_ids(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(
        json.dumps({"id": "a", "text": TEXT}) + "\n" + json.dumps({"id": "b", "text": "ECOG 0"}) + "\n"
    )
    out = io.StringIO()

    call_command("parse_criteria", str(path), "--jsonl", stdout=out)

    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [x["id"] for x in lines] == ["a", "b"]
    for x in lines:
        jsonschema.validate(x, SCHEMA)


def test_command_names_file_and_line_of_bad_jsonl(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "x"}) + "\n{not json\n")

    with pytest.raises(CommandError, match=r"bad.jsonl: line 2"):
        call_command("parse_criteria", str(path), "--jsonl", stdout=io.StringIO())


def test_command_names_an_unreadable_file(tmp_path):
    with pytest.raises(CommandError, match=r"missing\.txt"):
        call_command("parse_criteria", str(tmp_path / "missing.txt"), stdout=io.StringIO())


@pytest.fixture
def version(db):
    trial = Trial.objects.create(trial_id="NCT00000001", source="ctgov")
    return CriteriaVersion.objects.create(trial=trial, number=1, text=TEXT, text_sha256="x")


@pytest.fixture
def reviewer(db):
    return User.objects.create_user("reviewer", password="a-long-enough-password")


def test_correction_is_stored_audited_and_reapplied_on_reparse(version, reviewer):
    services.parse_version(version)

    services.correct(
        version,
        user=reviewer,
        criterion_id="I1",
        action="edit",
        payload={"rule": {"scale": "ECOG", "min": 0, "max": 2}},
        reason="protocol amendment allows 2",
    )
    services.parse_version(version)

    version.refresh_from_db()
    first = version.parsed["criteria"][0]
    assert first["rule"]["max"] == 2 and first["corrected"] is True
    assert CriteriaCorrection.objects.count() == 1
    assert AuditEvent.objects.filter(action="criteria.correct").count() == 1


def test_drop_removes_a_criterion_and_approve_is_audited(version, reviewer):
    services.parse_version(version)

    services.correct(version, user=reviewer, criterion_id="E1", action="drop", payload={}, reason="duplicate")
    services.approve(version, user=reviewer)

    version.refresh_from_db()
    assert [c["id"] for c in version.parsed["criteria"]] == ["I1", "I2"]
    assert version.approved_by == reviewer
    assert AuditEvent.objects.filter(action="criteria.approve").count() == 1
