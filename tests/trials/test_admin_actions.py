"""Trials in the admin for the people who manage them: the raw record folded, the review state, a link to
the matches, actions re-parse / re-match / close (audited); an arm that results point at and that leaves
the re-imported record is closed, never deleted."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Site
from apps.audit.models import AuditEvent
from apps.matching import selectors
from apps.matching import services as matching
from apps.matching.models import Match, MatchRun
from apps.trials import services as trials
from apps.trials.models import Arm, Trial
from tests.cohorts.helpers import lung_cohort

pytestmark = pytest.mark.django_db


def _study(arms: list[str]) -> dict[str, Any]:
    return {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT01234567", "briefTitle": "A lung trial"},
            "statusModule": {"overallStatus": "RECRUITING"},
            "eligibilityModule": {
                "eligibilityCriteria": "Inclusion Criteria:\n\n* Non-small cell lung cancer",
                "sex": "ALL",
            },
            "armsInterventionsModule": {"armGroups": [{"label": a, "type": "EXPERIMENTAL"} for a in arms]},
        }
    }


def _import(arms: list[str]) -> Trial:
    assert trials.import_bytes("t.json", json.dumps(_study(arms)).encode()).ok
    return Trial.objects.get()


def test_the_change_page_folds_the_raw_record_and_links_to_the_matches(admin_client: Client) -> None:
    trial = _import(["A"])

    page = admin_client.get(reverse("admin:trials_trial_change", args=[trial.pk])).content.decode()

    assert "<details><summary>show the record as imported" in page
    assert f"?trial__id__exact={trial.pk}" in page
    assert "version 1: not reviewed yet" in page


def test_actions_reparse_rematch_and_close_are_audited(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    trial = _import(["A"])
    url = reverse("admin:trials_trial_changelist")

    for action in ("reparse_criteria", "rematch", "close_trials"):
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(url, {"action": action, "_selected_action": [trial.pk]}, follow=True)

    trial.refresh_from_db()
    assert trial.overall_status == "ACTIVE_NOT_RECRUITING"
    assert MatchRun.objects.filter(scope__trials=["NCT01234567"]).count() == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"trials.criteria_reparsed", "matching.run_requested", "trials.field_changed"} <= actions


def test_an_arm_with_results_that_leaves_the_record_is_closed_and_one_without_is_deleted(
    django_capture_on_commit_callbacks: Any,
) -> None:
    _import(["A", "B", "C"])
    lung_cohort(Site.objects.create(code="main", name="Main"), 3)
    with django_capture_on_commit_callbacks(execute=True):
        matching.request_run(trials=["NCT01234567"], as_of=dt.date(2024, 1, 1), include_closed=True)
    a = Arm.objects.get(code="A")
    with_results = selectors.arms_with_results(Arm.objects.values_list("pk", flat=True))
    if a.pk not in with_results:  # CT.gov arm groups carry no criteria of their own: pin a result to A
        first = Match.objects.first()
        assert first is not None
        Match.objects.filter(pk=first.pk).update(arm=a)
    assert selectors.arms_with_results([a.pk]) == {a.pk}
    matches = Match.objects.count()

    trial = _import(["C"])

    assert dict(Arm.objects.filter(trial=trial).values_list("code", "status")) == {"A": "closed", "C": "open"}
    assert Match.objects.count() == matches
