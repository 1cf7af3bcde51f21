"""PROMISES 9 and 10: bearer tokens are stored hashed, shown once, expire, can be revoked, and die with the
account; `issue_token` and `revoke_token` per the contract."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from apps.accounts import services as accounts
from apps.accounts.models import ApiToken
from apps.audit.models import AuditEvent

from .helpers import sponsor_user

pytestmark = pytest.mark.django_db


def _issue(username: str, *args: str) -> str:
    out = io.StringIO()
    call_command("issue_token", username, *args, stdout=out)
    return out.getvalue().strip()


def _get(token: str) -> int:
    return Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/trials/").status_code


def test_issue_token_prints_the_token_alone_and_stores_only_its_digest() -> None:
    sponsor_user("ada", "Own Oncology")

    token = _issue("ada", "--expires-days", "7", "--name", "feasibility script")

    row = ApiToken.objects.get()
    assert "\n" not in token and token.startswith("tm_")
    assert token not in str(list(ApiToken.objects.values()))
    assert row.digest != token and len(row.digest) == 64
    assert row.name == "feasibility script"
    assert dt.timedelta(days=6.9) < row.expires_at - timezone.now() < dt.timedelta(days=7.1)
    assert _get(token) == 200
    assert AuditEvent.objects.filter(action="accounts.token_issued", object_id=str(row.pk)).count() == 1


def test_a_missing_wrong_or_malformed_token_gets_401_as_problem_json() -> None:
    sponsor_user("ada", "Own Oncology")
    token = _issue("ada")

    anonymous = Client().get("/api/v1/trials/")
    wrong = _get(token[:-2] + "xx")
    malformed = Client(headers={"Authorization": "Bearer a b"}).get("/api/v1/trials/")

    assert anonymous.status_code == 401 and wrong == 401 and malformed.status_code == 401
    assert anonymous["Content-Type"] == "application/problem+json"
    assert anonymous["WWW-Authenticate"] == "Bearer"
    body = anonymous.json()
    assert body["status"] == 401 and body["title"] == "Unauthorized" and body["errors"] == []


def test_an_expired_token_gets_401_at_once() -> None:
    sponsor_user("ada", "Own Oncology")
    token = _issue("ada", "--expires-days", "1")
    assert _get(token) == 200
    past = timezone.now() - dt.timedelta(days=3)
    ApiToken.objects.update(created_at=past, expires_at=past + dt.timedelta(days=1))

    assert _get(token) == 401


def test_a_revoked_token_gets_401_at_once_and_the_revocation_is_audited() -> None:
    sponsor_user("ada", "Own Oncology")
    token = _issue("ada")
    row = ApiToken.objects.get()
    assert _get(token) == 200

    out = io.StringIO()
    call_command("revoke_token", row.prefix, stdout=out)

    assert _get(token) == 401
    assert "revoked" in out.getvalue()
    assert AuditEvent.objects.filter(action="accounts.token_revoked", object_id=str(row.pk)).count() == 1


def test_deactivating_the_user_ends_its_tokens() -> None:
    user = sponsor_user("ada", "Own Oncology")
    token = _issue("ada")

    accounts.deactivate_user(user, actor=None, reason="left the company")

    assert _get(token) == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_issue_token_names_the_problem_and_saves_nothing() -> None:
    sponsor_user("ada", "Own Oncology")

    with pytest.raises(CommandError, match="no user named 'nobody'"):
        _issue("nobody")
    with pytest.raises(CommandError, match="between 1 and 366"):
        _issue("ada", "--expires-days", "0")
    with pytest.raises(CommandError, match="no single token"):
        call_command("revoke_token", "deadbeef")

    assert ApiToken.objects.count() == 0
