"""Match runs in the admin: progress and chunk errors shown, read only; an administrator starts a run
again with the same scope; a staff user without the permission cannot."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from apps.matching.models import MatchRun

from .test_services import AS_OF, make_patient, make_trial, run_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks: Any) -> MatchRun:
    make_trial("NCT00000011", [], min_age_years=18)
    make_patient("adult-1", born=dt.date(1970, 5, 1))
    return run_now(django_capture_on_commit_callbacks, trials=["NCT00000011"])


def test_the_run_page_shows_progress_and_chunks_read_only(admin_client: Client, run: MatchRun) -> None:
    page = admin_client.get(f"/admin/matching/matchrun/{run.pk}/change/")

    assert page.status_code == 200
    assert "chunks_done" in page.content.decode() or "Chunks done" in page.content.decode()
    assert "Save" not in page.content.decode()


def test_run_again_starts_a_new_run_with_the_same_scope(
    admin_client: Client, run: MatchRun, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/matching/matchrun/", {"action": "run_again", "_selected_action": [run.pk]}, follow=True
        )

    assert response.status_code == 200
    again = MatchRun.objects.exclude(pk=run.pk).get()
    assert again.scope["trials"] == ["NCT00000011"] and again.as_of != AS_OF
    assert again.status == MatchRun.Status.COMPLETED


def test_a_staff_user_without_the_permission_is_not_offered_the_action(run: MatchRun) -> None:
    viewer = User.objects.create_user("viewer", password="a-long-test-password-1", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_matchrun"))
    client = Client()
    client.force_login(viewer)

    client.post("/admin/matching/matchrun/", {"action": "run_again", "_selected_action": [run.pk]})

    assert MatchRun.objects.count() == 1
