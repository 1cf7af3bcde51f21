"""Reviewers correct and approve a trial's parsed criteria on the trial page; the trial is re-matched."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.criteria.models import CriteriaCorrection
from apps.matching import selectors
from apps.matching.models import MatchRun
from apps.patients.models import Patient
from tests.coordinator.world import Clinic, build_clinic

pytestmark = pytest.mark.django_db


def reviewer(clinic: Clinic) -> Clinic:
    """The clinic's coordinator may review; the trial's text is one the parser reads as the clinic's two
    criteria (a correction re-parses the text and re-applies every correction)."""
    clinic.alice.user_permissions.add(Permission.objects.get(codename="change_criteriareview"))
    version = clinic.trial.current_version()
    assert version is not None
    version.text = "Inclusion Criteria:\n- Non-small cell lung cancer\n- ECOG performance status 0-1\n"
    version.save(update_fields=["text"])
    return clinic


def statuses(clinic: Clinic) -> dict[str, str]:
    results = selectors.for_trial(clinic.trial, patients=Patient.objects.filter(site=clinic.site))
    return {m.patient.key: m.status for m in results}


def post(clinic: Clinic, capture: Any, name: str, data: dict[str, str], client: Any = None) -> Any:
    with capture(execute=True):
        return (client or clinic.client()).post(reverse(f"coordinator:{name}", args=[clinic.trial.pk]), data)


def test_a_reviewer_edits_a_rule_and_the_trial_is_rematched_with_it(
    django_capture_on_commit_callbacks: Any,
) -> None:
    clinic = reviewer(build_clinic(django_capture_on_commit_callbacks))
    assert statuses(clinic)["pt-north-000"] == "eligible"  # ECOG 1
    runs = MatchRun.objects.count()
    client = clinic.client()
    form = client.get(reverse("coordinator:trial-detail", args=[clinic.trial.pk]), {"correct": "I2"})
    assert 'name="criterion_id" value="I2"' in form.content.decode()

    response = post(
        clinic,
        django_capture_on_commit_callbacks,
        "criteria-correct",
        {
            "action": "edit",
            "criterion_id": "I2",
            "kind": "performance_status",
            "rule": '{"scale": "ECOG", "min": 0, "max": 0}',
            "reason": "the protocol says ECOG 0 only",
        },
        client,
    )

    assert response.status_code == 302
    (correction,) = CriteriaCorrection.objects.all()
    assert (correction.criterion_id, correction.action, correction.author) == ("I2", "edit", clinic.alice)
    assert correction.payload["rule"] == {"scale": "ECOG", "min": 0, "max": 0}
    event = AuditEvent.objects.get(action="criteria.correct")
    assert event.reason == "the protocol says ECOG 0 only"
    assert MatchRun.objects.count() == runs + 1
    assert "pt-north-000" not in statuses(clinic)  # ECOG 1 now fails the criterion
    page = client.get(response["Location"]).content.decode()
    assert "I2: edit recorded; re-matching the trial" in page


def test_dropping_a_criterion_settles_the_unknowns_it_caused(django_capture_on_commit_callbacks: Any) -> None:
    clinic = reviewer(build_clinic(django_capture_on_commit_callbacks))
    assert statuses(clinic)["pt-north-001"] == "possible"  # ECOG unknown

    post(
        clinic,
        django_capture_on_commit_callbacks,
        "criteria-correct",
        {"action": "drop", "criterion_id": "I2", "reason": "performance status is not required"},
    )

    assert statuses(clinic)["pt-north-001"] == "eligible"
    assert [c["id"] for c in clinic.trial.current_version().parsed["criteria"]] == ["I1"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"action": "add", "criterion_id": "I1", "kind": "age", "text": "Adults", "reason": "r"},
            "I1 already exists",
        ),
        ({"action": "edit", "criterion_id": "I9", "kind": "age", "rule": "[18]"}, "has no criterion I9"),
        ({"action": "edit", "criterion_id": "I2", "kind": "age", "rule": "{min: 18", "reason": "r"}, "JSON"),
        ({"action": "add", "criterion_id": "X; drop", "kind": "age", "reason": "r"}, "a criterion id is"),
    ],
)
def test_a_bad_correction_is_refused_with_the_reason_and_nothing_is_saved(
    django_capture_on_commit_callbacks: Any, data: dict[str, str], message: str
) -> None:
    clinic = reviewer(build_clinic(django_capture_on_commit_callbacks))
    runs, events = MatchRun.objects.count(), AuditEvent.objects.count()

    response = post(clinic, django_capture_on_commit_callbacks, "criteria-correct", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    if "rule" in data and data["rule"] == "[18]":
        assert "This field is required" in response.content.decode()  # the reason
        assert "the rule is a JSON object" in response.content.decode()
    assert not CriteriaCorrection.objects.exists()
    assert (MatchRun.objects.count(), AuditEvent.objects.count()) == (runs, events)


def test_a_reviewer_approves_the_version(django_capture_on_commit_callbacks: Any) -> None:
    clinic = reviewer(build_clinic(django_capture_on_commit_callbacks))

    response = post(clinic, django_capture_on_commit_callbacks, "criteria-approve", {})

    version = clinic.trial.current_version()
    assert response.status_code == 302
    assert version is not None and version.approved_by == clinic.alice
    assert AuditEvent.objects.filter(action="criteria.approve", object_id=str(version.pk)).count() == 1
    page = clinic.client().get(reverse("coordinator:trial-detail", args=[clinic.trial.pk])).content.decode()
    assert f"approved {version.approved_at:%Y-%m-%d}" in page  # type: ignore[union-attr]


def test_a_coordinator_without_the_permission_sees_no_review_and_cannot_post_one(
    django_capture_on_commit_callbacks: Any,
) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)

    page = clinic.client().get(reverse("coordinator:trial-detail", args=[clinic.trial.pk])).content.decode()
    correct = post(
        clinic,
        django_capture_on_commit_callbacks,
        "criteria-correct",
        {"action": "drop", "criterion_id": "I2", "reason": "r"},
    )
    approve = post(clinic, django_capture_on_commit_callbacks, "criteria-approve", {})

    assert "Correct a criterion" not in page and "Approve version" not in page
    assert (correct.status_code, approve.status_code) == (403, 403)
    assert not CriteriaCorrection.objects.exists()
    assert clinic.trial.current_version().approved_at is None  # type: ignore[union-attr]
