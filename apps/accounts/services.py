"""Roles as groups with their permissions, the demo users, and ending a user's sessions and access."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, password_validation
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.db import transaction

from apps.audit import services as audit

from . import tokens
from .models import Profile, Role, Site, Sponsor

# Model permissions per role ("app_label.codename" patterns: action_model). Scoping to sites and
# sponsors is done by querysets (`visible_to`), not by these.
ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.COORDINATOR: [
        "trials.view_trial",
        "trials.view_arm",
        "trials.view_criteriaversion",
        "patients.view_patient",
    ],
    Role.SPONSOR: ["trials.view_trial"],
    Role.AUDITOR: ["audit.view_auditevent", "trials.view_trial", "trials.view_criteriaversion"],
    Role.ADMIN: ["*"],
}


def ensure_roles() -> dict[Role, Group]:
    """Create the four role groups and (re)grant their permissions; safe to run repeatedly."""
    groups: dict[Role, Group] = {}
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        if perms == ["*"]:
            wanted = Permission.objects.exclude(
                content_type__app_label="audit", codename__startswith="change_"
            )
            wanted = wanted.exclude(content_type__app_label="audit", codename__startswith="delete_")
        else:
            wanted = Permission.objects.none()
            for label in perms:
                app_label, codename = label.split(".")
                wanted = wanted | Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
        group.permissions.set(wanted)
        groups[role] = group
    return groups


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role


DEMO_USERS = [
    DemoLogin("coordinator", Role.COORDINATOR),
    DemoLogin("sponsor", Role.SPONSOR),
    DemoLogin("admin", Role.ADMIN),
    DemoLogin("auditor", Role.AUDITOR),
]
DEMO_SITE = ("demo-cancer-centre", "Demo Cancer Centre")


def generated_password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def create_demo_users(*, password: str, sponsor: Sponsor | None = None) -> list[DemoLogin]:
    """Create or reset the four demo users with `password`; the coordinator works at the demo site.

    The password must pass the password validators (PROMISES 11): ValidationError otherwise, nothing saved.
    """
    for login in DEMO_USERS:
        password_validation.validate_password(password, User(username=login.username))
    groups = ensure_roles()
    site, _ = Site.objects.get_or_create(code=DEMO_SITE[0], defaults={"name": DEMO_SITE[1]})
    for login in DEMO_USERS:
        user, created = User.objects.get_or_create(username=login.username)
        user.set_password(password)
        user.is_staff = login.role in (Role.ADMIN, Role.AUDITOR)
        user.is_superuser = login.role == Role.ADMIN
        user.is_active = True
        user.save()
        user.groups.set([groups[login.role]])
        profile, _ = Profile.objects.get_or_create(user=user)
        if login.role == Role.COORDINATOR:
            profile.sites.set([site])
        if login.role == Role.SPONSOR:
            profile.sponsor = sponsor
            profile.save()
        audit.record(
            actor=None,
            actor_label="demo",
            action="accounts.demo_user" if created else "accounts.demo_user_reset",
            object_type="user",
            object_id=user.pk,
            new={"username": user.username, "role": login.role.value},
        )
    return DEMO_USERS


def end_sessions(user: AbstractBaseUser) -> int:
    """Delete every stored session signed in as `user`, in every browser; returns how many (PROMISES 10).

    Sessions are found by reading the session store, which holds only sessions younger than the idle
    timeout plus those `clearsessions` has not removed yet: a few per active user.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    signed_in_as = user._meta.pk.value_to_string(user)  # how django.contrib.auth.login stores it
    rows = store.get_model_class().objects.values_list("session_key", "session_data")
    keys = [key for key, data in rows if store().decode(data).get(SESSION_KEY) == signed_in_as]
    for key in keys:
        store(session_key=key).delete()  # through the store: a cached_db engine forgets its cache too
    return len(keys)


@dataclass(frozen=True)
class Access:
    """What an administrator grants or withdraws: activity, staff flags, roles (groups), permissions."""

    is_active: bool
    is_staff: bool
    is_superuser: bool
    groups: frozenset[str]
    permissions: frozenset[str]

    def withdrawn_in(self, after: Access) -> bool:
        """Whether `after` takes away anything this access gave."""
        return (
            (self.is_active and not after.is_active)
            or (self.is_staff and not after.is_staff)
            or (self.is_superuser and not after.is_superuser)
            or not self.groups <= after.groups
            or not self.permissions <= after.permissions
        )


def access_of(user: User) -> Access:
    permissions = user.user_permissions.values_list("content_type__app_label", "codename")
    return Access(
        is_active=user.is_active,
        is_staff=user.is_staff,
        is_superuser=user.is_superuser,
        groups=frozenset(user.groups.values_list("name", flat=True)),
        permissions=frozenset(f"{app}.{codename}" for app, codename in permissions),
    )


def _audit_value(value: Any) -> Any:
    return sorted(value) if isinstance(value, frozenset) else value


@transaction.atomic
def record_access_change(
    user: User, *, before: Access, actor: User | AnonymousUser | None, reason: str = ""
) -> int:
    """Audit a change of `user`'s access made by the caller (one row per changed field); if it withdrew
    anything, end all of the user's sessions. Returns the number of sessions ended.
    """
    after = access_of(user)
    ended = 0
    if before.withdrawn_in(after):
        ended = end_sessions(user)
        tokens.revoke_all(user, actor=actor, reason=reason or "access withdrawn")
    _audit_fields(
        before,
        after,
        Access.__dataclass_fields__,
        action="accounts.access_change",
        user_pk=user.pk,
        actor=actor,
        reason=reason,
        details={"username": user.get_username(), "sessions_ended": ended},
    )
    return ended


def _audit_fields(
    before: Any,
    after: Any,
    names: Iterable[str],
    *,
    action: str,
    user_pk: int,
    actor: User | AnonymousUser | None,
    reason: str,
    details: dict[str, Any] | None = None,
) -> int:
    """One audit row per field that differs between `before` and `after`; returns how many were written."""
    written = 0
    for name in names:
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            audit.record(
                actor=actor,
                action=action,
                object_type="user",
                object_id=user_pk,
                field=name,
                old=_audit_value(old),
                new=_audit_value(new),
                reason=reason,
                details=details,
            )
            written += 1
    return written


@transaction.atomic
def deactivate_user(user: User, *, actor: User | AnonymousUser | None, reason: str = "") -> int:
    """Disable the account and end its sessions, audited; returns the number of sessions ended."""
    before = access_of(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return record_access_change(user, before=before, actor=actor, reason=reason)


@dataclass(frozen=True)
class Scope:
    """What a profile scopes a user to: a coordinator's sites, a sponsor user's organisation."""

    sites: frozenset[str]
    sponsor: str | None


def scope_of(profile: Profile) -> Scope:
    return Scope(
        sites=frozenset(profile.sites.values_list("code", flat=True)),
        sponsor=profile.sponsor.name if profile.sponsor_id is not None and profile.sponsor else None,
    )


@transaction.atomic
def record_scope_change(
    profile: Profile, *, before: Scope | None, actor: User | AnonymousUser | None, reason: str = ""
) -> int:
    """Audit a change of a profile's sites or sponsor, one row per changed field, in the caller's
    transaction (an audit failure rolls the change back); losing a site or the sponsor ends the user's
    sessions and tokens. Returns the number of rows written."""
    after = scope_of(profile)
    before = before or Scope(frozenset(), None)
    written = _audit_fields(
        before,
        after,
        ("sites", "sponsor"),
        action="accounts.scope_change",
        user_pk=profile.user_id,
        actor=actor,
        reason=reason,
    )
    if not before.sites <= after.sites or (before.sponsor is not None and before.sponsor != after.sponsor):
        end_sessions(profile.user)
        tokens.revoke_all(profile.user, actor=actor, reason=reason or "scope withdrawn")
    return written


def permissions_of(group: Group) -> frozenset[str]:
    rows = group.permissions.values_list("content_type__app_label", "codename")
    return frozenset(f"{app}.{codename}" for app, codename in rows)


@transaction.atomic
def record_group_change(
    group: Group, *, before: frozenset[str] | None, actor: User | AnonymousUser | None, reason: str = ""
) -> bool:
    """Audit a change of a role's (group's) permissions as one row; withdrawing any ends its members'
    sessions and tokens. Returns whether anything changed."""
    after = permissions_of(group)
    before = before if before is not None else frozenset()
    if before == after:
        return False
    audit.record(
        actor=actor,
        action="accounts.group_permissions_change",
        object_type="group",
        object_id=group.pk,
        field="permissions",
        old=sorted(before),
        new=sorted(after),
        reason=reason,
        details={"group": group.name, "added": sorted(after - before), "removed": sorted(before - after)},
    )
    if not before <= after:
        for user in group.user_set.all():
            end_sessions(user)
            tokens.revoke_all(user, actor=actor, reason=reason or "role permission withdrawn")
    return True
