"""`manage.py revoke_token TOKEN_PREFIX_OR_ID`: the token gets 401 from the next request on."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts import tokens
from apps.accounts.tokens import TokenError


class Command(BaseCommand):
    help = "Revoke an API token, named by its prefix (as the admin lists it) or its id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("token", help="the token's prefix or id")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token = tokens.find(options["token"])
        except TokenError as exc:
            raise CommandError(str(exc)) from exc
        if tokens.revoke(token, actor=None, reason="revoke_token command"):
            self.stdout.write(f"revoked token {token.prefix} of {token.user}")
        else:
            self.stdout.write(f"token {token.prefix} was already revoked")
