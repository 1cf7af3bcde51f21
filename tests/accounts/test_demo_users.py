"""Roles are groups; the demo users exist with their roles and scopes."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User

from apps.accounts import services as accounts
from apps.accounts.models import Role
from apps.accounts.roles import has_role
from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-42"


def test_demo_users_get_their_role_and_can_log_in():
    accounts.create_demo_users(password=PASSWORD)

    for login in accounts.DEMO_USERS:
        user = authenticate(username=login.username, password=PASSWORD)
        assert user is not None
        assert has_role(user, login.role)
        assert [r for r in Role if has_role(user, r)] == [login.role]


def test_coordinator_is_scoped_to_the_demo_site_and_sponsor_is_not_staff():
    accounts.create_demo_users(password=PASSWORD)

    coordinator = User.objects.get(username="coordinator")
    sponsor = User.objects.get(username="sponsor")
    assert [s.code for s in coordinator.profile.sites.all()] == [accounts.DEMO_SITE[0]]
    assert not sponsor.is_staff
    assert not sponsor.has_perm("patients.view_patient")


def test_running_demo_setup_twice_keeps_one_user_per_role_and_audits_each_reset():
    accounts.create_demo_users(password=PASSWORD)
    accounts.create_demo_users(password=PASSWORD + "x")

    assert User.objects.count() == 4
    assert AuditEvent.objects.filter(action="accounts.demo_user").count() == 4
    assert AuditEvent.objects.filter(action="accounts.demo_user_reset").count() == 4


def test_passwords_are_hashed_with_argon2():
    accounts.create_demo_users(password=PASSWORD)

    assert User.objects.get(username="admin").password.startswith("argon2")
