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
