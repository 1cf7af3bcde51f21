"""Administrators issue and revoke API tokens in the admin; the token is shown once and never stored."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from apps.accounts.models import ApiToken
from apps.accounts.services import create_demo_users

pytestmark = pytest.mark.django_db


def test_an_admin_issues_a_token_that_is_shown_once_and_works_then_revokes_it() -> None:
    create_demo_users(password="demo-password-0123")
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    sponsor = User.objects.get(username="sponsor")

    page = admin.post(
        "/admin/accounts/apitoken/add/",
        {"user": sponsor.pk, "name": "CRO script", "expires_days": 30},
        follow=True,
    )
    token = re.search(r"tm_[0-9a-f]{8}_[\w-]+", page.content.decode())
    assert token is not None, page.content.decode()[:2000]
    row = ApiToken.objects.get()
    api = Client(headers={"Authorization": f"Bearer {token.group(0)}"})
    assert api.get("/api/v1/trials/").status_code == 200
    listing = admin.get("/admin/accounts/apitoken/").content.decode()
    assert row.prefix in listing and token.group(0) not in listing

    admin.post(
        "/admin/accounts/apitoken/", {"action": "revoke_tokens", "_selected_action": [row.pk]}, follow=True
    )

    assert api.get("/api/v1/trials/").status_code == 401


def test_a_sponsors_page_lists_its_users_and_their_live_tokens() -> None:
    from apps.accounts import tokens

    create_demo_users(password="demo-password-0123")
    sponsor_user = User.objects.get(username="sponsor")
    from apps.accounts.models import Sponsor

    organisation = Sponsor.objects.create(name="Own Oncology")
    sponsor_user.profile.sponsor = organisation
    sponsor_user.profile.save()
    tokens.issue(sponsor_user, actor=None)
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))

    page = admin.get(f"/admin/accounts/sponsor/{organisation.pk}/change/").content.decode()

    assert ">sponsor<" in page and "live api tokens" in page.lower()
