"""PROMISES 10: idle sessions expire; logging out and disabling an account (deactivation or a withdrawn
role, in the admin or through the service) end all of that user's sessions, in every browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts import services as accounts
from apps.accounts.models import Role
from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "sessions-test-password-42"


@pytest.fixture
def users() -> dict[str, User]:
    accounts.create_demo_users(password=PASSWORD)
    return {u.username: u for u in User.objects.all()}


def signed_in(username: str) -> Client:
    """A browser of its own, logged in through the login form."""
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "login failed"
    return client


def is_signed_in(client: Client) -> bool:
    response = client.get(reverse("coordinator:home"))
    return response.status_code == 200


def stored_sessions(user: User) -> list[Session]:
    return [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)]


def change_form(user: User, **changes: object) -> dict[str, object]:
    """What the admin's user change form posts for `user`, with `changes` (False leaves a box unticked)."""
    data: dict[str, object] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": [g.pk for g in user.groups.all()],
        "user_permissions": [],
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
        **changes,
    }
    return {k: ("on" if v is True else v) for k, v in data.items() if v is not False}


def test_logging_out_in_one_browser_ends_the_session_in_every_browser(users: dict[str, User]) -> None:
    office, ward = signed_in("coordinator"), signed_in("coordinator")
    bystander = signed_in("admin")

    response = office.post(reverse("logout"))

    assert response.status_code == 302
    assert not is_signed_in(office)
    assert not is_signed_in(ward)
    assert stored_sessions(users["coordinator"]) == []
    assert is_signed_in(bystander)


def test_logging_out_of_the_admin_ends_every_session_too(users: dict[str, User]) -> None:
    office, ward = signed_in("admin"), signed_in("admin")

    office.post(reverse("admin:logout"))

    assert not is_signed_in(office)
    assert not is_signed_in(ward)
    assert stored_sessions(users["admin"]) == []


def test_deactivating_in_the_admin_ends_the_users_sessions_and_is_audited(users: dict[str, User]) -> None:
    office, ward = signed_in("coordinator"), signed_in("coordinator")
    admin = signed_in("admin")
    coordinator = users["coordinator"]

    response = admin.post(
        reverse("admin:auth_user_change", args=[coordinator.pk]), change_form(coordinator, is_active=False)
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert not is_signed_in(office)
    assert not is_signed_in(ward)
    assert stored_sessions(coordinator) == []
    row = AuditEvent.objects.get(action="accounts.access_change")
    assert (row.object_id, row.field, row.old_value, row.new_value) == (
        str(coordinator.pk),
        "is_active",
        True,
        False,
    )
    assert row.actor == users["admin"]
    assert row.details["sessions_ended"] == 2


def test_withdrawing_the_role_in_the_admin_ends_the_users_sessions(users: dict[str, User]) -> None:
    office, ward = signed_in("coordinator"), signed_in("coordinator")
    admin = signed_in("admin")
    coordinator = users["coordinator"]

    response = admin.post(
        reverse("admin:auth_user_change", args=[coordinator.pk]), change_form(coordinator, groups=[])
    )

    assert response.status_code == 302
    assert not is_signed_in(office)
    assert not is_signed_in(ward)
    assert stored_sessions(coordinator) == []
    row = AuditEvent.objects.get(action="accounts.access_change")
    assert (row.field, row.old_value, row.new_value) == ("groups", [Role.COORDINATOR.value], [])


def test_a_change_that_withdraws_nothing_keeps_the_sessions(users: dict[str, User]) -> None:
    office = signed_in("coordinator")
    admin = signed_in("admin")
    coordinator = users["coordinator"]
    both_roles = [g.pk for g in (*coordinator.groups.all(), *users["auditor"].groups.all())]

    admin.post(
        reverse("admin:auth_user_change", args=[coordinator.pk]),
        change_form(coordinator, email="c@example.org", groups=both_roles),
    )

    assert is_signed_in(office)
    row = AuditEvent.objects.get(action="accounts.access_change")
    assert (row.field, row.new_value) == ("groups", sorted([Role.AUDITOR.value, Role.COORDINATOR.value]))
    assert row.details["sessions_ended"] == 0


def test_the_admin_action_deactivates_the_selected_users(users: dict[str, User]) -> None:
    office = signed_in("coordinator")
    admin = signed_in("admin")

    admin.post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate_users", "_selected_action": [users["coordinator"].pk]},
    )

    assert not User.objects.get(username="coordinator").is_active
    assert not is_signed_in(office)
    assert AuditEvent.objects.filter(action="accounts.access_change", field="is_active").count() == 1


def test_deactivating_through_the_service_ends_every_session(users: dict[str, User]) -> None:
    office, ward = signed_in("coordinator"), signed_in("coordinator")
    bystander = signed_in("admin")

    ended = accounts.deactivate_user(users["coordinator"], actor=users["admin"], reason="left the site")

    assert ended == 2
    assert not is_signed_in(office)
    assert not is_signed_in(ward)
    assert is_signed_in(bystander)
    assert AuditEvent.objects.get(action="accounts.access_change").reason == "left the site"


def test_an_idle_session_expires_and_each_request_extends_it(users: dict[str, User]) -> None:
    browser = signed_in("coordinator")
    (session,) = stored_sessions(users["coordinator"])
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    full = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((session.expire_date - full).total_seconds()) < 60
    assert browser.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""  # gone when the browser closes

    # Nearly idle for the whole timeout: one more request starts the timeout again.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(seconds=30))
    assert is_signed_in(browser)
    extended = Session.objects.get(pk=session.pk).expire_date
    assert extended > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)

    # Idle for longer than the timeout: the session is no longer honoured.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert not is_signed_in(browser)
