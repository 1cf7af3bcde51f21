"""PROMISES 11: passwords of at least 12 characters, not common ones, hashed with Argon2; demo users too."""

from __future__ import annotations

import gzip
from pathlib import Path

import django.contrib.auth.password_validation as pv
import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from apps.accounts.services import create_demo_users, generated_password


def _a_common_password_of_12_or_more() -> str:
    with gzip.open(Path(pv.__file__).parent / "common-passwords.txt.gz", "rt") as lines:
        return next(p.strip() for p in lines if len(p.strip()) >= 12 and not p.strip().isdigit())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password,why",
    [
        ("Xq7!vR2#pL9", "too short"),
        (_a_common_password_of_12_or_more(), "too common"),
        ("846219375104", "entirely numeric"),
    ],
)
def test_a_weak_password_is_refused_with_the_reason(password: str, why: str) -> None:
    with pytest.raises(ValidationError) as refused:
        pv.validate_password(password, User(username="ada"))

    assert why in " ".join(refused.value.messages)


@pytest.mark.django_db
def test_a_long_uncommon_password_is_accepted_and_hashed_with_argon2() -> None:
    user = User.objects.create_user("ada")
    pv.validate_password("correct-horse-battery-staple-42", user)
    user.set_password("correct-horse-battery-staple-42")

    assert user.password.startswith("argon2")


@pytest.mark.django_db
def test_demo_users_follow_the_policy_a_weak_demo_password_is_refused_and_nothing_saved() -> None:
    pv.validate_password(generated_password())

    with pytest.raises(ValidationError):
        create_demo_users(password="demo")

    assert User.objects.count() == 0
