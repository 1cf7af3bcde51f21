"""What every page's header needs: the signed-in user's roles (one query) for the navigation."""

from __future__ import annotations

from django.http import HttpRequest


def roles(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"roles": frozenset()}
    names = frozenset(user.groups.values_list("name", flat=True))
    return {"roles": names, "works_on_patients": bool(names & {"coordinator", "admin"})}
