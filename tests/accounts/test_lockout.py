"""After 5 failed logins a username is refused for a cool-off period, even with the right password."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from apps.accounts.models import LoginFailure
from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-password-1"


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.fixture
def alice():
    return User.objects.create_user("alice", password=PASSWORD)


def test_right_password_logs_in(client, alice):
    response = _login(client, "alice", PASSWORD)

    assert response.status_code == 302


def test_five_failures_lock_the_account_even_for_the_right_password(client, alice):
    for _ in range(5):
        _login(client, "alice", "wrong-password-000")

    response = _login(client, "alice", PASSWORD)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="accounts.lockout", object_id="alice").count() == 1


def test_locked_response_is_identical_for_a_username_that_does_not_exist(client, alice):
    for name in ("alice", "nobody"):
        for _ in range(5):
            _login(client, name, "wrong-password-000")

    locked_real = _login(client, "alice", PASSWORD).content.decode()
    locked_ghost = _login(client, "nobody", PASSWORD).content.decode()
    wrong_password = _login(client, "bob", "wrong-password-000").content.decode()

    def normalise(html: str) -> str:
        return (
            html.replace("alice", "X")
            .replace("nobody", "X")
            .replace("bob", "X")
            .split("csrfmiddlewaretoken")[0]
        )

    assert normalise(locked_real) == normalise(locked_ghost) == normalise(wrong_password)


def test_lockout_ends_after_the_cool_off_period(client, alice, settings):
    for _ in range(5):
        _login(client, "alice", "wrong-password-000")
    LoginFailure.objects.update(
        at=LoginFailure.objects.first().at - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS + 1)
    )

    response = _login(client, "alice", PASSWORD)

    assert response.status_code == 302


def test_every_login_is_audited_success_and_failure_and_no_row_holds_the_password(client, alice):
    _login(client, "alice", "ZZCANARY-wrong-password")
    _login(client, "alice", PASSWORD)

    failed = AuditEvent.objects.get(action="accounts.login_failed")
    succeeded = AuditEvent.objects.get(action="accounts.login")
    assert failed.object_id == "alice" and succeeded.object_id == str(alice.pk)
    rows = list(AuditEvent.objects.values())
    assert "ZZCANARY" not in str(rows) and PASSWORD not in str(rows)
