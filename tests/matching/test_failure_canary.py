"""PROMISES 22: a match run that fails on a database constraint stores the error class and the constraint's
name on the run, its chunk and its audit row, never the values PostgreSQL quotes in its message."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from apps.audit.models import AuditEvent
from apps.matching import services as matching
from apps.matching.models import MatchChunk, MatchRun
from apps.matching.services import runs
from apps.patients.models import Patient

from .test_services import make_patient, make_trial

pytestmark = pytest.mark.django_db
CANARY = "ZZCANARY-KEY-0002"


def test_a_run_failing_on_a_constraint_stores_no_value_the_database_quotes(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    make_trial("NCT00000010", [], min_age_years=18)
    make_patient(CANARY, born=dt.date(1970, 5, 1))

    def duplicate_key(*args: Any, **kwargs: Any) -> None:
        # A real constraint error whose PostgreSQL message quotes the row: "Key (key)=(ZZCANARY...) exists".
        with transaction.atomic():
            Patient.objects.create(key=CANARY)

    monkeypatch.setattr(runs.results, "compute", duplicate_key)
    with django_capture_on_commit_callbacks(execute=True):
        run = matching.request_run(as_of=dt.date(2026, 11, 1))

    run.refresh_from_db()
    assert run.status == MatchRun.Status.FAILED
    assert "IntegrityError" in run.failure_reason
    stored = [
        run.failure_reason,
        *MatchChunk.objects.filter(run=run).values_list("last_error", flat=True),
        *(str(row) for row in AuditEvent.objects.values()),
    ]
    assert all(CANARY not in text for text in stored), stored
