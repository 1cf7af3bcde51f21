"""Roles as groups with their permissions, and the demo users."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

from apps.audit import services as audit

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
    """Create or reset the four demo users with `password`; the coordinator works at the demo site."""
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
