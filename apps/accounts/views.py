"""Signing out: thin views over the account services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from . import services as accounts


class LogoutView(auth_views.LogoutView):
    """Logging out ends every session of the user, in every browser, not only this one (PROMISES 10)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            accounts.end_sessions(request.user)
        return super().post(request, *args, **kwargs)
