"""Role checks: a user's role is membership of the Django group named after it."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from .models import Role


def has_role(user: AbstractBaseUser | AnonymousUser, role: Role) -> bool:
    if not user.is_authenticated:
        return False
    groups = getattr(user, "groups", None)
    return groups is not None and bool(groups.filter(name=role.value).exists())
