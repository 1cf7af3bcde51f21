"""TrialMatch's admin site: Django's, except that logging out ends all of the user's sessions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

from apps.accounts import services as accounts


class AdminSite(admin.AdminSite):
    def logout(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        # Django's logout answers only POST (GET gets 405): end the sessions only when it will log out.
        if request.method == "POST" and request.user.is_authenticated:
            accounts.end_sessions(request.user)
        return super().logout(request, extra_context)
