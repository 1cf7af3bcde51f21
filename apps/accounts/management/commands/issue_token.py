"""`manage.py issue_token USERNAME [--expires-days N] [--name LABEL]`: prints the new token alone, once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts import tokens
from apps.accounts.tokens import TokenError


class Command(BaseCommand):
    help = "Issue an API token for a user; the token is printed once and only its digest is stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--expires-days", type=int, default=tokens.DEFAULT_EXPIRY_DAYS)
        parser.add_argument("--name", default="", help="a label: who or what uses the token")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user named {options['username']!r}")
        try:
            _, token = tokens.issue(
                user, name=options["name"], expires_days=options["expires_days"], actor=None
            )
        except TokenError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(token)
