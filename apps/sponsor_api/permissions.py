"""Who may call what: roles are groups (apps.accounts.roles); object scope is done by querysets (404)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from apps.accounts.models import Role
from apps.accounts.roles import has_role


class _HasRole(BasePermission):
    roles: tuple[Role, ...] = ()

    def has_permission(self, request: Request, view: Any) -> bool:
        return any(has_role(request.user, role) for role in self.roles)


class IsSponsor(_HasRole):
    """A sponsor organisation's user: its own trials, runs and de-identified aggregates."""

    message = "only sponsor users may do this"
    roles = (Role.SPONSOR,)


class ReadsTrials(_HasRole):
    """Reading trials (and parsing text): sponsors (their own), coordinators, administrators, auditors."""

    message = "your role may not read trials"
    roles = (Role.SPONSOR, Role.COORDINATOR, Role.ADMIN, Role.AUDITOR)

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method not in ("GET", "HEAD", "OPTIONS") and getattr(view, "action", "") != "parse":
            return has_role(request.user, Role.SPONSOR)
        return super().has_permission(request, view)


class IsCoordinator(_HasRole):
    """A coordinator: patient-level results of the patients of its own sites (FHIR ResearchSubject)."""

    message = "only coordinators may read patient-level results"
    roles = (Role.COORDINATOR,)
