"""API tokens (PROMISES 9): issue (shown once), look up by the bearer value, revoke; every issue and revoke
is audited in the same transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit import services as audit

from .models import ApiToken

TOKEN_PREFIX = "tm_"
DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 366


class TokenError(ValueError):
    """A token cannot be issued or revoked as asked; the message says why."""


def digest(token: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 (no salt, no stretching) cannot be reversed.
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue(
    user: User, *, name: str = "", expires_days: int = DEFAULT_EXPIRY_DAYS, actor: User | AnonymousUser | None
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the stored row and the token itself, which is not kept anywhere."""
    if not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise TokenError(f"--expires-days must be between 1 and {MAX_EXPIRY_DAYS}, not {expires_days}")
    if not user.is_active:
        raise TokenError(f"user {user.get_username()!r} is not active")
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=prefix,
        digest=digest(token),
        expires_at=timezone.now() + dt.timedelta(days=expires_days),
    )
    audit.record(
        actor=actor,
        action="accounts.token_issued",
        object_type="api_token",
        object_id=row.pk,
        new={"user": user.get_username(), "prefix": prefix, "name": row.name, "expires_at": row.expires_at},
    )
    return row, token


def authenticate(token: str) -> ApiToken | None:
    """The usable token row for a bearer value (not revoked, not expired, active user), else None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    row = ApiToken.objects.usable(now).select_related("user").filter(digest=digest(token)).first()
    if row is None:
        return None
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row


def find(prefix_or_id: str) -> ApiToken:
    value = prefix_or_id.removeprefix(TOKEN_PREFIX).split("_")[0]
    query = Q(prefix=value)
    if value.isdigit():
        query |= Q(pk=int(value))
    rows = list(ApiToken.objects.filter(query)[:2])
    if len(rows) != 1:
        raise TokenError(f"no single token has the prefix or id {prefix_or_id!r}")
    return rows[0]


@transaction.atomic
def revoke(token: ApiToken, *, actor: User | AnonymousUser | None, reason: str = "") -> bool:
    """Revoke at once (the next request with it gets 401); False if it was already revoked."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        audit.record(
            actor=actor,
            action="accounts.token_revoked",
            object_type="api_token",
            object_id=token.pk,
            field="revoked_at",
            new={"prefix": token.prefix},
            reason=reason,
        )
    return bool(revoked)


def revoke_all(user: User, *, actor: User | AnonymousUser | None, reason: str = "") -> int:
    """Revoke every live token of `user` (when the account is disabled or loses access)."""
    return sum(
        revoke(t, actor=actor, reason=reason)
        for t in ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    )
