"""No N+1: every main page makes the same number of queries with a few rows as with several times more."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.screening import services as screening
from apps.screening.workflow import Move
from tests.coordinator.world import LUNG, Clinic, build_clinic, lung_patient
from tests.matching.test_services import make_trial, run_now

pytestmark = pytest.mark.django_db


def _pages(clinic: Clinic) -> dict[str, str]:
    patient, trial = clinic.own[0], clinic.trial
    return {
        "home": reverse("coordinator:home"),
        "trials": reverse("coordinator:trial-list"),
        "trial": reverse("coordinator:trial-detail", args=[trial.pk]),
        "patients": reverse("coordinator:patient-list"),
        "patient": reverse("coordinator:patient-detail", args=[patient.pk]),
        "match": reverse("coordinator:match-detail", args=[patient.pk, trial.pk]),
        "runs": reverse("coordinator:run-list"),
        "missing": reverse("coordinator:missing-data"),
        "quality": reverse("coordinator:quality"),
    }


def _counts(clinic: Clinic) -> dict[str, int]:
    client = clinic.client()
    client.get(reverse("coordinator:home"))  # the first visit of a day records it; count the steady state
    counts = {}
    for name, url in _pages(clinic).items():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, name
        counts[name] = len(queries)
    return counts


def _grow(clinic: Clinic, capture: Any, n: int) -> None:
    """More patients, trials, runs and workflow rows: every list on every page gets longer."""
    start = len(clinic.own)
    for i in range(start, start + n):
        clinic.own.append(lung_patient(f"pt-north-x{i:03d}", clinic.site, ecog=1 if i % 2 else None))
        make_trial(f"NCT0200{i:04d}", LUNG, title=f"Lung trial {i}")
    run_now(capture)
    for patient in clinic.own[-n:]:
        screening.move(
            user=clinic.alice, patient=patient, trial=clinic.trial, arm=None, change=Move(to="under_review")
        )
        screening.add_note(user=clinic.alice, patient=patient, trial=clinic.trial, arm=None, text="seen")


def test_main_pages_make_the_same_queries_whatever_the_number_of_rows(
    django_capture_on_commit_callbacks: Any,
) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks, own=4)
    _grow(clinic, django_capture_on_commit_callbacks, 2)
    few = _counts(clinic)

    _grow(clinic, django_capture_on_commit_callbacks, 10)
    many = _counts(clinic)

    assert many == few
    assert max(few.values()) <= 30, few
