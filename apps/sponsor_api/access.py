"""Every API call by a signed-in caller writes one access row (PROMISES 13): endpoint, method, status,
trial and result count; never a patient identifier or free text."""

from __future__ import annotations

from typing import Any

from django.http.response import HttpResponseBase
from rest_framework.request import Request

from apps.audit import services as audit
from apps.audit.models import AuditEvent


def _result_count(data: Any) -> int | None:
    if isinstance(data, dict):
        if isinstance(data.get("count"), int):
            return int(data["count"])
        if "status" in data and "title" in data and "errors" in data:
            return 0  # a problem document
        return 1
    if isinstance(data, list):
        return len(data)
    return None


def record_call(request: Request, response: HttpResponseBase, view: Any) -> None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    match = request.resolver_match
    endpoint = match.view_name if match is not None else ""
    trial = (match.kwargs.get("trial_id", "") if match is not None else "") or ""
    token = request.auth
    audit.record(
        actor=user,
        kind=AuditEvent.Kind.ACCESS,
        action="api.call",
        object_type="trial" if trial else "api",
        object_id=str(trial)[:200] if response.status_code < 400 else "",
        details={
            "endpoint": endpoint,
            "method": request.method,
            "status": response.status_code,
            # A trial the caller may not see is not named, even in the caller's own access row.
            "trial": str(trial)[:64] if response.status_code < 400 else "",
            "result_count": _result_count(getattr(response, "data", None)),
            "token": getattr(token, "prefix", ""),
        },
    )


class AccessLoggedMixin:
    """For API views: the access row is written after the response is decided, whatever it is."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        record_call(request, response, self)
        return response
