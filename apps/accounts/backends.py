"""Authentication with a lockout: after N failed logins for a username, refuse it for a cool-off period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.audit import services as audit

from .models import LoginFailure


def _recent_failures(username: str) -> int:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    return LoginFailure.objects.filter(username=username, at__gte=since).count()


def is_locked_out(username: str) -> bool:
    return _recent_failures(username) >= settings.LOGIN_LOCKOUT_THRESHOLD


class LockoutModelBackend(ModelBackend):
    """Django's ModelBackend, refusing a locked-out username even with the right password.

    The refusal looks exactly like a wrong password to the caller, so it reveals neither the lockout
    nor whether the account exists.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get("username")
        if not username:
            return None
        name = str(username)[:150]
        if is_locked_out(name):
            raise PermissionDenied("locked out")  # stops other backends; the form shows the usual error
        user = super().authenticate(request, username=username, password=password, **kwargs)
        with transaction.atomic():
            if user is None:
                LoginFailure.objects.create(username=name, at=timezone.now())
                # The username tried, never the password (PROMISES 12).
                audit.record(
                    actor=None,
                    actor_label="auth",
                    action="accounts.login_failed",
                    object_type="username",
                    object_id=name,
                )
                if _recent_failures(name) == settings.LOGIN_LOCKOUT_THRESHOLD:
                    audit.record(
                        actor=None,
                        actor_label="auth",
                        action="accounts.lockout",
                        object_type="username",
                        object_id=name,
                        details={"failures": settings.LOGIN_LOCKOUT_THRESHOLD},
                    )
            else:
                LoginFailure.objects.filter(username=name).delete()
                audit.record(actor=user, action="accounts.login", object_type="user", object_id=user.pk)
        return user
