"""Starting a match run for own trials through the API: the Idempotency-Key makes a retry safe (PROMISES 20),
the run is polled, and another sponsor's run is 404 (PROMISES 4)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import Site
from apps.matching.models import MatchRun
from tests.cohorts.helpers import lung_cohort

from .helpers import NSCLC_TEXT, bearer, own_trial, sponsor_user

pytestmark = pytest.mark.django_db


def _start(client: Client, body: Any, key: str = "") -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/runs/", body, content_type="application/json", headers=headers)


def _own_trial_with_criteria(user: Any, trial_id: str) -> None:
    from apps.trials.services import new_version_if_changed

    trial = own_trial(user, trial_id, eligibility_text=NSCLC_TEXT)
    new_version_if_changed(trial, text=NSCLC_TEXT, structured=None, actor=None)


def test_the_same_idempotency_key_returns_the_first_run_and_starts_nothing_more(
    django_capture_on_commit_callbacks: Any,
) -> None:
    ada = sponsor_user("ada", "Own Oncology")
    _own_trial_with_criteria(ada, "NCT10000000")
    lung_cohort(Site.objects.create(code="main", name="Main"), 6)
    client = bearer(ada)

    with django_capture_on_commit_callbacks(execute=True):
        first = _start(client, {"as_of": "2024-01-01"}, key="retry-me-1")
    again = _start(client, {"as_of": "2024-01-01"}, key="retry-me-1")
    polled = client.get(f"/api/v1/runs/{first.json()['id']}/")

    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert MatchRun.objects.count() == 1
    assert polled.status_code == 200
    body = polled.json()
    assert body["status"] == "completed" and body["progress"] == 1.0 and body["trials"] == ["NCT10000000"]
    assert body["pairs_done"] == body["pairs_total"] == 6


def test_a_run_can_only_name_own_trials_and_another_sponsors_run_is_404() -> None:
    ada, bob = sponsor_user("ada", "Own Oncology"), sponsor_user("bob", "Other Pharma")
    _own_trial_with_criteria(ada, "NCT10000000")
    _own_trial_with_criteria(bob, "NCT20000000")
    bobs = bearer(bob)
    bob_run = _start(bobs, {}, key="k").json()["id"]
    client = bearer(ada)

    refused = _start(client, {"trials": ["NCT10000000", "NCT20000000", "NCT99999999"]})
    peek = client.get(f"/api/v1/runs/{bob_run}/")
    # The same key as Bob's is Ada's own key: it starts Ada's run, never returns Bob's.
    same_key = _start(client, {}, key="k")

    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"field": "trials", "message": "not among your trials: NCT20000000, NCT99999999"}
    ]
    assert peek.status_code == 404
    assert same_key.status_code == 201 and same_key.json()["id"] != bob_run
    assert same_key.json()["trials"] == ["NCT10000000"]
