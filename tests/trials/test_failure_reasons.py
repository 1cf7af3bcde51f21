"""PROMISES 22: a trial file the database refuses is rejected with the error class and the constraint's name,
never the database's message, which can quote the row (PostgreSQL: "Failing row contains (...)")."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from apps.audit.models import AuditEvent
from apps.audit.reasons import safe_reason
from apps.trials import services as trials

CANARY = "ZZCANARY-TITLE-0001"


@pytest.mark.django_db
def test_a_constraint_failure_is_reported_by_class_and_constraint_and_quotes_no_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    study = {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT90000009", "briefTitle": CANARY},
            "statusModule": {"overallStatus": "RECRUITING"},
            "eligibilityModule": {"eligibilityCriteria": "Inclusion Criteria:\n* Adults", "sex": "ALL"},
        }
    }
    # Ages that break trial_min_age_not_above_max_age, set where the importer has already read them.
    original = trials._save_trial

    def with_bad_ages(record, *args, **kwargs):  # type: ignore[no-untyped-def]
        record.min_age_years, record.max_age_years = 80.0, 18.0
        return original(record, *args, **kwargs)

    monkeypatch.setattr(trials, "_save_trial", with_bad_ages)

    report = trials.import_bytes("bad-ages.json", json.dumps(study).encode())

    [rejected] = report.rejected
    message = rejected.errors[0]["message"]
    assert "IntegrityError" in message and "trial_min_age_not_above_max_age" in message
    assert CANARY not in json.dumps(report.as_dict())
    assert CANARY not in json.dumps(list(AuditEvent.objects.values("details", "object_id", "reason")))


def test_a_validation_error_names_its_fields_not_its_messages() -> None:
    error = ValidationError({"title": [f"value {CANARY!r} is too long"]})

    assert safe_reason(error) == "ValidationError on field(s) title"
