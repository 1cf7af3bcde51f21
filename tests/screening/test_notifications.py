"""Followers hear of newly eligible patients at their sites, owners of due deferrals, once each; the digest
goes out through Django's mail backend."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from apps.screening import services as screening
from apps.screening.models import Notification
from apps.screening.workflow import Move
from tests.coordinator.world import build_clinic

pytestmark = pytest.mark.django_db


def test_followers_hear_once_of_eligible_patients_at_their_own_sites(
    django_capture_on_commit_callbacks: Any,
) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks, own=4, other=2)
    screening.follow(user=clinic.alice, trial=clinic.trial, on=True)

    first = screening.notify_new_eligible(clinic.run)
    again = screening.notify_new_eligible(clinic.run)

    messages = sorted(Notification.objects.filter(user=clinic.alice).values_list("message", flat=True))
    assert (first, again) == (2, 0)
    assert messages == [
        "pt-north-000 is eligible for NCT01000001",
        "pt-north-002 is eligible for NCT01000001",
    ]
    assert not Notification.objects.filter(message__contains="pt-south").exists()


def test_due_deferrals_are_notified_and_mailed_in_a_digest(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    clinic.alice.email = "alice@north.example"
    clinic.alice.save()
    until = dt.date.today() + dt.timedelta(days=1)
    screening.move(
        user=clinic.alice, patient=clinic.own[0], trial=clinic.trial, arm=None,
        change=Move(to="deferred", deferred_until=until),
    )  # fmt: skip

    assert screening.notify_due_deferrals(today=until - dt.timedelta(days=1)) == 0
    assert screening.notify_due_deferrals(today=until) == 1
    call_command("notify", stdout=io.StringIO())

    assert len(mail.outbox) == 1
    assert "deferral of pt-north-000" in mail.outbox[0].body
    assert mail.outbox[0].to == ["alice@north.example"]


def _ctgov(status: str) -> bytes:
    import json

    return json.dumps(
        {
            "protocolSection": {
                "identificationModule": {"nctId": "NCT09000001", "briefTitle": "Reopening trial"},
                "statusModule": {"overallStatus": status},
                "eligibilityModule": {"eligibilityCriteria": "Inclusion Criteria:\n\n* Adults with NSCLC"},
            }
        }
    ).encode()


def test_followers_hear_when_a_closed_trial_reopens_and_it_goes_out_in_the_digest() -> None:
    from django.contrib.auth.models import User

    from apps.trials import services as trials
    from apps.trials.models import Trial

    trials.import_bytes("t.json", _ctgov("SUSPENDED"))
    follower = User.objects.create_user("follower", email="follower@north.example")
    bystander = User.objects.create_user("bystander", email="bystander@north.example")
    screening.follow(user=follower, trial=Trial.objects.get(), on=True)

    trials.import_bytes("t.json", _ctgov("SUSPENDED"))  # no change, no notification
    assert not Notification.objects.exists()
    trials.import_bytes("t.json", _ctgov("RECRUITING"))
    trials.import_bytes("t.json", _ctgov("RECRUITING"))  # still open: nothing new
    call_command("notify", stdout=io.StringIO())

    (note,) = Notification.objects.all()
    assert (note.user, note.kind, note.message) == (follower, "reopened", "NCT09000001 reopened to accrual")
    assert note.link == f"/trials/{Trial.objects.get().pk}/"
    assert not Notification.objects.filter(user=bystander).exists()
    assert [m.to for m in mail.outbox] == [["follower@north.example"]]
    assert "NCT09000001 reopened to accrual" in mail.outbox[0].body


def test_a_trial_that_only_opens_for_the_first_time_is_no_reopening() -> None:
    from django.contrib.auth.models import User

    from apps.trials import services as trials
    from apps.trials.models import Trial

    trials.import_bytes("t.json", _ctgov("NOT_YET_RECRUITING"))
    follower = User.objects.create_user("follower")
    screening.follow(user=follower, trial=Trial.objects.get(), on=True)

    trials.import_bytes("t.json", _ctgov("RECRUITING"))

    assert not Notification.objects.exists()


def test_followers_hear_when_a_closed_arm_reopens() -> None:
    from pathlib import Path

    from django.conf import settings
    from django.contrib.auth.models import User

    from apps.trials import services as trials
    from apps.trials.models import Trial

    folder = Path(settings.TRIALMATCH_SHARED_DATA) / "ctml" / "integration_trials"
    trials.import_path(folder / "run_log_arm_closed.json")
    follower = User.objects.create_user("follower")
    screening.follow(user=follower, trial=Trial.objects.get(trial_id="10-002"), on=True)

    trials.import_bytes("arm.json", (folder / "run_log_arm_open.json").read_bytes())

    assert sorted(Notification.objects.values_list("kind", "message")) == [
        ("reopened", "Arm ARM 1 of 10-002 reopened to accrual"),
        ("reopened", "Arm step 1 of 10-002 reopened to accrual"),  # the step closes with its only arm
    ]
