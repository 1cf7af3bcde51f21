"""Project-wide response rules that no single view should have to remember."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control

GetResponse = Callable[[HttpRequest], HttpResponseBase]


def no_store_when_signed_in(get_response: GetResponse) -> GetResponse:
    """Every response to a signed-in user gets `Cache-Control: no-store` (PROMISES 23).

    Any page of a signed-in user may show patient data, so none may stay in a browser's or a proxy's
    cache; anonymous pages (the login form) carry none.
    """

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True)
        return response

    return middleware
