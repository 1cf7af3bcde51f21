"""Organisations and people: sites, sponsor organisations, and each user's role scope."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Site(models.Model):
    """A treating site (hospital or clinic) whose patients a coordinator may see."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Sponsor(models.Model):
    """An organisation that runs trials and reads de-identified aggregates through the API."""

    name = models.CharField(max_length=300, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """Roles are Django groups of the same name; permissions hang off the groups."""

    COORDINATOR = "coordinator", "Trial coordinator"
    SPONSOR = "sponsor", "Sponsor user"
    ADMIN = "admin", "Administrator"
    AUDITOR = "auditor", "Auditor"


class Profile(models.Model):
    """What a user's role is scoped to: a coordinator's sites, a sponsor user's organisation."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    sites = models.ManyToManyField(Site, blank=True, related_name="members")
    sponsor = models.ForeignKey(
        Sponsor, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )

    def __str__(self) -> str:
        return f"profile of {self.user}"


class LoginFailure(models.Model):
    """A failed login for a username (whether or not the account exists), for the lockout (PROMISES 8)."""

    username = models.CharField(max_length=150, db_index=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.username} at {self.at:%Y-%m-%d %H:%M:%S}"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self, now: Any) -> ApiTokenQuerySet:
        """Neither revoked nor expired at `now`, and belonging to an active user."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token for the REST API (PROMISES 9): only its SHA-256 digest is stored; it expires and can be
    revoked. The token itself is shown once, when issued; `prefix` (its first characters) names it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, help_text="a label for the person or script using it")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of the token")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(
                name="api_token_expires_after_it_is_created", condition=Q(expires_at__gt=F("created_at"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
