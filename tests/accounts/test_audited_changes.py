"""PROMISES 12: edits of a user's sites or sponsor and of a role's permissions write one audit row per
change, in the same transaction (an audit write that fails rolls the change back); logins are audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import DatabaseError
from django.test import Client

from apps.accounts.models import Profile, Site, Sponsor
from apps.accounts.services import create_demo_users
from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "demo-password-0123"


def _admin() -> Client:
    create_demo_users(password=PASSWORD)
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    return client


def _profile_form(profile: Profile, **changes: Any) -> dict[str, Any]:
    data = {
        "user": profile.user_id,
        "sites": [s.pk for s in profile.sites.all()],
        "sponsor": profile.sponsor_id or "",
    }
    return {**data, **changes}


def test_changing_a_coordinators_sites_writes_one_row_with_old_and_new_sites() -> None:
    admin = _admin()
    profile = User.objects.get(username="coordinator").profile
    north = Site.objects.create(code="north", name="North")

    admin.post(f"/admin/accounts/profile/{profile.pk}/change/", _profile_form(profile, sites=[north.pk]))

    rows = AuditEvent.objects.filter(action="accounts.scope_change")
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [
        ("sites", ["demo-cancer-centre"], ["north"])
    ]
    assert rows[0].actor.username == "admin"


def test_changing_a_sponsor_users_organisation_writes_one_row() -> None:
    admin = _admin()
    profile = User.objects.get(username="sponsor").profile
    other = Sponsor.objects.create(name="Other Pharma")

    admin.post(f"/admin/accounts/profile/{profile.pk}/change/", _profile_form(profile, sponsor=other.pk))

    rows = AuditEvent.objects.filter(action="accounts.scope_change")
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [("sponsor", None, "Other Pharma")]


def test_changing_a_roles_permissions_writes_one_row_naming_what_was_added() -> None:
    admin = _admin()
    group = Group.objects.get(name="sponsor")
    extra = Permission.objects.get(codename="view_arm")
    wanted = [*group.permissions.values_list("pk", flat=True), extra.pk]

    admin.post(f"/admin/auth/group/{group.pk}/change/", {"name": "sponsor", "permissions": wanted})

    rows = AuditEvent.objects.filter(action="accounts.group_permissions_change")
    assert rows.count() == 1
    assert rows[0].details["added"] == ["trials.view_arm"] and rows[0].details["removed"] == []


def test_a_failing_audit_write_rolls_the_change_back(monkeypatch: pytest.MonkeyPatch) -> None:
    admin = _admin()
    profile = User.objects.get(username="coordinator").profile
    north = Site.objects.create(code="north", name="North")

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("audit storage unavailable")

    monkeypatch.setattr(AuditEvent, "save", refuse)
    with pytest.raises(DatabaseError):
        admin.post(f"/admin/accounts/profile/{profile.pk}/change/", _profile_form(profile, sites=[north.pk]))

    assert list(profile.sites.values_list("code", flat=True)) == ["demo-cancer-centre"]


def test_a_login_is_audited() -> None:
    create_demo_users(password=PASSWORD)

    response = Client().post("/accounts/login/", {"username": "coordinator", "password": PASSWORD})

    assert response.status_code == 302
    row = AuditEvent.objects.get(action="accounts.login")
    assert row.actor.username == "coordinator"
