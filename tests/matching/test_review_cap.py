"""A trial whose reading is implausible as a whole is flagged for review when imported or after a match run,
with its reason; until a person approves the criteria version its pairs are at best possible, with the
reason as what would decide them; approval lifts the cap at the next match."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Site
from apps.audit.models import AuditEvent
from apps.criteria import services as criteria
from apps.matching import selectors
from apps.matching.models import Match
from apps.patients.models import Patient, PerformanceStatus
from apps.trials import services as trials
from apps.trials.models import CriteriaVersion, Trial
from tests.cohorts.helpers import coordinator, patient
from tests.matching.test_services import criterion, make_patient, make_trial, run_now

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 1)


def _study(*, conditions: list[str], text: str, title: str = "Drug X in adults") -> bytes:
    return json.dumps(
        {
            "protocolSection": {
                "identificationModule": {"nctId": "NCT09999991", "briefTitle": title},
                "statusModule": {"overallStatus": "RECRUITING"},
                "conditionsModule": {"conditions": conditions},
                "eligibilityModule": {"eligibilityCriteria": text, "sex": "ALL", "minimumAge": "18 Years"},
            }
        }
    ).encode()


@pytest.fixture
def reviewer() -> User:
    return User.objects.create_superuser("reviewer", "r@example.org", "a-long-enough-password-123")


@pytest.fixture
def flagged() -> CriteriaVersion:
    """An imported NSCLC trial whose criteria text states no cancer type."""
    text = "Inclusion Criteria:\n\n* Age 18 years or older\n* ECOG performance status 0 or 1\n"
    assert trials.import_bytes("t.json", _study(conditions=["Non-small Cell Lung Cancer"], text=text)).ok
    version = Trial.objects.get().current_version()
    assert version is not None
    return version


def test_an_imported_trial_whose_conditions_name_a_cancer_no_requirement_enforces_is_flagged(flagged):
    assert [f["rule"] for f in flagged.review_flags] == ["diagnosis"]
    assert "Non-Small Cell Lung Cancer (NSCLC)" in flagged.review_flags[0]["reason"]
    assert flagged.needs_review


def test_an_imported_trial_that_enforces_its_cancer_type_is_not_flagged():
    text = "Inclusion Criteria:\n\n* Histologically confirmed non-small cell lung cancer\n"

    assert trials.import_bytes("t.json", _study(conditions=["Non-small Cell Lung Cancer"], text=text)).ok

    version = Trial.objects.get().current_version()
    assert version is not None and version.review_flags == [] and not version.needs_review


def test_until_approved_an_eligible_pair_of_a_flagged_trial_is_possible_and_says_why(
    flagged, reviewer, django_capture_on_commit_callbacks
):
    make_patient("pt-1", born=dt.date(1970, 1, 1), oncotree="LUAD")
    PerformanceStatus.objects.create(
        patient=Patient.objects.get(),
        source_id="Observation/ecog",
        scale="ECOG",
        value=1,
        effective_date=AS_OF,
    )
    trial, everyone = flagged.trial, Patient.objects.all()

    run_now(django_capture_on_commit_callbacks, trials=[trial])
    (capped,) = selectors.for_trial(trial, patients=everyone)
    criteria.approve(flagged, user=reviewer)
    run_now(django_capture_on_commit_callbacks, trials=[trial])
    (lifted,) = selectors.for_trial(trial, patients=everyone)

    assert capped.status == Match.Status.POSSIBLE
    reason = "trial reading needs review: " + flagged.review_flags[0]["reason"]
    assert selectors.missing_of(capped) == [reason]
    assert {"id": "REVIEW", "verdict": "unknown", "evidence": reason} in selectors.verdicts_of(capped)
    assert lifted.status == Match.Status.ELIGIBLE
    assert "REVIEW" not in {v["id"] for v in selectors.verdicts_of(lifted)}


def test_a_reparse_keeps_the_flag_while_the_reading_is_still_implausible(flagged, reviewer):
    criteria.reparse(flagged, actor=reviewer)

    flagged.refresh_from_db()
    assert [f["rule"] for f in flagged.review_flags] == ["diagnosis"] and flagged.needs_review


def _mixed_cohort(n: int, types: tuple[str, ...]) -> None:
    for i in range(n):
        make_patient(f"pt-{i:03d}", born=dt.date(1960, 1, 1), oncotree=types[i % len(types)])


def test_a_run_in_which_most_of_a_mixed_cohort_is_eligible_flags_the_trial_and_caps_the_next_run(
    django_capture_on_commit_callbacks,
):
    trial = make_trial("NCT00000011", [criterion("I1", "diagnosis", {"any_solid": True})], min_age_years=18)
    _mixed_cohort(24, ("LUAD", "IDC", "COAD"))

    first = run_now(django_capture_on_commit_callbacks, trials=[trial])
    version = CriteriaVersion.objects.get(trial=trial)
    run_now(django_capture_on_commit_callbacks, trials=[trial])

    assert Match.objects.filter(status="possible").count() == 24
    assert [f["rule"] for f in version.review_flags] == ["cohort"]
    reason = "24 of 24 patients of a cohort of 3 cancer types were eligible"
    assert version.review_flags[0]["reason"] == reason
    (event,) = AuditEvent.objects.filter(action="criteria.flagged_for_review")
    assert event.details["run"] == first.pk and event.new_value == version.review_flags


def test_a_disease_specific_cohort_mostly_eligible_is_not_flagged(django_capture_on_commit_callbacks):
    trial = make_trial("NCT00000012", [criterion("I1", "diagnosis", {"any_solid": True})])
    _mixed_cohort(24, ("LUAD",))

    run_now(django_capture_on_commit_callbacks, trials=[trial])

    assert CriteriaVersion.objects.get(trial=trial).review_flags == []
    assert Match.objects.filter(status="eligible").count() == 24


def test_an_approved_version_is_not_flagged_by_a_run(reviewer, django_capture_on_commit_callbacks):
    trial = make_trial("NCT00000013", [criterion("I1", "diagnosis", {"any_solid": True})])
    criteria.approve(CriteriaVersion.objects.get(trial=trial), user=reviewer)
    _mixed_cohort(24, ("LUAD", "IDC"))

    run_now(django_capture_on_commit_callbacks, trials=[trial])

    assert CriteriaVersion.objects.get(trial=trial).review_flags == []
    assert Match.objects.filter(status="eligible").count() == 24


def test_the_flag_and_its_reason_show_on_the_trial_page_and_the_admin_review_page(
    flagged, reviewer, client: Client
):
    site = Site.objects.create(code="own", name="Own Centre")
    patient("pt-1", site, egfr=True, days=300, died=False)
    reason = flagged.review_flags[0]["reason"]
    client.force_login(coordinator("coord", site))
    trial_page = client.get(reverse("coordinator:trial-detail", args=[flagged.trial.pk])).content.decode()
    client.force_login(reviewer)
    review_page = client.get(
        reverse("admin:criteria_criteriareview_change", args=[flagged.pk])
    ).content.decode()
    criteria.approve(flagged, user=reviewer)
    client.force_login(User.objects.get(username="coord"))
    approved_page = client.get(reverse("coordinator:trial-detail", args=[flagged.trial.pk])).content.decode()

    assert "Trial reading needs review" in trial_page and _html(reason) in trial_page
    assert "needs review: until approved" in review_page and _html(reason) in review_page
    assert "Trial reading needs review" not in approved_page and "has been approved" in approved_page


def _html(text: str) -> Any:
    from django.utils.html import escape

    return escape(text)
