"""Who may open which coordinator page: decorators over the roles, and the signed-in user."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from apps.accounts.models import Role
from apps.accounts.roles import has_role

View = Callable[..., HttpResponseBase]


def _for_roles(*roles: Role) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not any(has_role(request.user, role) for role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


# Coordinators work on their sites' patients; administrators may do what they do.
coordinator_page = _for_roles(Role.COORDINATOR, Role.ADMIN)
auditor_page = _for_roles(Role.AUDITOR, Role.ADMIN)


def user_of(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user
