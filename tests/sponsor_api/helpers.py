"""Sponsor organisations, their users and bearer-token clients for the API tests."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from apps.accounts import tokens
from apps.accounts.models import Profile, Role, Sponsor
from apps.accounts.services import ensure_roles
from apps.trials.models import Trial

NSCLC_TEXT = (
    "Inclusion Criteria:\n- Non-small cell lung cancer\n- ECOG 0-1\n\nExclusion Criteria:\n- Pregnancy"
)


def user_with_role(username: str, role: Role, *, sponsor: Sponsor | None = None) -> User:
    user = User.objects.create_user(username, password="a-long-test-password-1")
    user.groups.add(ensure_roles()[role])
    Profile.objects.create(user=user, sponsor=sponsor)
    return user


def sponsor_user(username: str, organisation: str) -> User:
    sponsor, _ = Sponsor.objects.get_or_create(name=organisation)
    return user_with_role(username, Role.SPONSOR, sponsor=sponsor)


def bearer(user: User, **kwargs: Any) -> Client:
    _, token = tokens.issue(user, actor=None, **kwargs)
    return Client(headers={"Authorization": f"Bearer {token}"})


def own_trial(user: User, trial_id: str, **values: Any) -> Trial:
    return Trial.objects.create(
        trial_id=trial_id,
        source=Trial.Source.CTGOV,
        sponsor=user.profile.sponsor,
        title=values.pop("title", f"Trial {trial_id}"),
        overall_status=values.pop("overall_status", "RECRUITING"),
        **values,
    )
