"""Role checks: a user's role is membership of the Django group named after it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .models import Role


def has_role(user: AbstractBaseUser | AnonymousUser, role: Role) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.groups.filter(name=role.value).exists())  # type: ignore[union-attr]
