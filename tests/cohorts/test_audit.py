"""PROMISES 12 and 22 for cohorts: creating a cohort, requesting and finishing a stratification and running
an analysis each write an audit row in the same transaction (an audit write that fails leaves nothing); a
stratification that fails on a database constraint stores the error class and constraint, never the values
the database quotes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, transaction

from apps.accounts.models import Site
from apps.audit.models import AuditEvent
from apps.cohorts import services as cohorts
from apps.cohorts.models import Cohort, Stratification
from apps.patients.models import Patient

from .helpers import coordinator, lung_cohort

pytestmark = pytest.mark.django_db
NSCLC = "Inclusion Criteria:\n- Non-small cell lung cancer"
CANARY = "ZZCANARY-KEY-0001"


@pytest.fixture
def carol() -> Any:
    site = Site.objects.create(code="north", name="North")
    lung_cohort(site, 30)
    return coordinator("carol", site)


def test_cohort_stratification_and_analysis_are_each_audited(
    carol: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cohort = cohorts.create_ad_hoc_cohort(owner=carol, name="ZZCANARY cohort name", criteria_text=NSCLC)
    with django_capture_on_commit_callbacks(execute=True):
        stratification = cohorts.request_stratification(
            cohort=cohort, kind="biomarker", parameters={"rule": "egfr"}, user=carol
        )
    stratification.refresh_from_db()
    analysis = cohorts.analyse_survival(stratification=stratification, user=carol)

    actions = list(AuditEvent.objects.order_by("pk").values_list("action", "object_id"))
    assert actions == [
        ("cohorts.cohort_created", str(cohort.pk)),
        ("cohorts.stratification_requested", str(stratification.pk)),
        ("cohorts.stratification_completed", str(stratification.pk)),
        ("cohorts.analysis_created", str(analysis.pk)),
    ]
    assert AuditEvent.objects.get(action="cohorts.cohort_created").actor == carol
    assert "ZZCANARY" not in str(list(AuditEvent.objects.values()))  # the owner's free-text name stays out


def test_a_failing_audit_write_leaves_no_cohort(carol: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("audit storage unavailable")

    monkeypatch.setattr(AuditEvent, "save", refuse)

    with pytest.raises(DatabaseError):
        cohorts.create_ad_hoc_cohort(owner=carol, name="lung", criteria_text=NSCLC)

    assert not Cohort.objects.exists()


def test_a_stratification_failing_on_a_constraint_stores_no_value_the_database_quotes(
    carol: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    Patient.objects.create(key=CANARY)
    cohort = cohorts.create_ad_hoc_cohort(owner=carol, name="lung", criteria_text=NSCLC)

    def duplicate_key(*args: Any, **kwargs: Any) -> None:
        # A real constraint error: PostgreSQL's message quotes the key ("Key (key)=(ZZCANARY...) exists").
        with transaction.atomic():
            Patient.objects.create(key=CANARY)

    monkeypatch.setattr(cohorts.strata, "stratify", duplicate_key)
    with django_capture_on_commit_callbacks(execute=True):
        stratification = cohorts.request_stratification(
            cohort=cohort, kind="biomarker", parameters={"rule": "egfr"}, user=carol
        )

    stratification.refresh_from_db()
    assert stratification.status == Stratification.Status.FAILED
    assert stratification.failure_reason.startswith("IntegrityError")
    failed = AuditEvent.objects.get(action="cohorts.stratification_failed")
    assert CANARY not in stratification.failure_reason and CANARY not in str(failed.__dict__)
