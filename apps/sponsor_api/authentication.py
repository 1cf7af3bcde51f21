"""`Authorization: Bearer <token>` (PROMISES 9): a missing, expired or revoked token gets 401."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from apps.accounts import tokens
from apps.accounts.models import ApiToken


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("the Authorization header must be 'Bearer <token>'")
        try:
            value = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("the token is not valid") from None
        token = tokens.authenticate(value)
        if token is None:
            # One message for unknown, expired, revoked and disabled: nothing to learn by probing.
            raise exceptions.AuthenticationFailed("the token is not valid, has expired or was revoked")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword  # so that DRF answers 401 with WWW-Authenticate, not 403


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}
