"""Trials, their arms, and the versions of their eligibility criteria."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

from apps.accounts.models import Site, Sponsor

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class TrialQuerySet(models.QuerySet["Trial"]):
    RECRUITING_STATUSES = ("RECRUITING", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING")

    def recruiting(self) -> TrialQuerySet:
        return self.filter(overall_status__in=self.RECRUITING_STATUSES)

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> TrialQuerySet:
        """Sponsor users see their organisation's trials; staff roles see all; anyone else none."""
        from apps.accounts.models import Role
        from apps.accounts.roles import has_role

        if not user.is_authenticated:
            return self.none()
        if has_role(user, Role.SPONSOR):
            profile = getattr(user, "profile", None)
            if profile is None or profile.sponsor_id is None:
                return self.none()
            return self.filter(sponsor_id=profile.sponsor_id)
        if any(has_role(user, r) for r in (Role.COORDINATOR, Role.ADMIN, Role.AUDITOR)):
            return self.all()
        return self.none()


class Trial(models.Model):
    class Source(models.TextChoices):
        CTGOV = "ctgov", "ClinicalTrials.gov"
        CTML = "ctml", "MatchMiner CTML"

    class Sex(models.TextChoices):
        ALL = "ALL"
        FEMALE = "FEMALE"
        MALE = "MALE"

    trial_id = models.CharField(max_length=64, unique=True, help_text="NCT id, or the CTML protocol number")
    source = models.CharField(max_length=10, choices=Source.choices)
    title = models.TextField(blank=True)
    official_title = models.TextField(blank=True)
    phase = models.CharField(max_length=60, blank=True)
    overall_status = models.CharField(max_length=40, blank=True)
    sponsor = models.ForeignKey(
        Sponsor, null=True, blank=True, on_delete=models.PROTECT, related_name="trials"
    )
    conditions = models.JSONField(default=list, blank=True)
    min_age_years = models.FloatField(null=True, blank=True)
    max_age_years = models.FloatField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.ALL)
    eligibility_text = models.TextField(blank=True)
    sites = models.ManyToManyField(
        Site,
        blank=True,
        related_name="trials",
        help_text="the centre's own sites among the trial's locations",
    )
    source_file = models.CharField(max_length=500, blank=True)
    raw = models.JSONField(default=dict, blank=True, help_text="the record as imported")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrialQuerySet.as_manager()

    class Meta:
        ordering = ["trial_id"]
        constraints = [
            models.CheckConstraint(
                name="trial_min_age_not_above_max_age",
                condition=Q(min_age_years__isnull=True)
                | Q(max_age_years__isnull=True)
                | Q(min_age_years__lte=models.F("max_age_years")),
            ),
            models.CheckConstraint(
                name="trial_ages_not_negative",
                condition=(Q(min_age_years__isnull=True) | Q(min_age_years__gte=0))
                & (Q(max_age_years__isnull=True) | Q(max_age_years__gte=0)),
            ),
        ]

    def __str__(self) -> str:
        return self.trial_id

    @property
    def is_recruiting(self) -> bool:
        return self.overall_status in TrialQuerySet.RECRUITING_STATUSES

    def current_version(self) -> CriteriaVersion | None:
        return self.criteria_versions.order_by("-number").first()


class Arm(models.Model):
    """An arm or cohort with its own status and, where the protocol has them, its own criteria.

    CTML protocols nest dose levels in arms and arms in steps; each is a row, linked by `parent`.
    """

    class Status(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"

    class Kind(models.TextChoices):
        STEP = "step"
        ARM = "arm"
        DOSE_LEVEL = "dose_level"

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="arms")
    code = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ARM)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    eligibility_text = models.TextField(blank=True)
    match_tree = models.JSONField(
        null=True, blank=True, help_text="structured criteria (a CTML match tree, as imported)"
    )

    class Meta:
        ordering = ["trial", "code"]
        constraints = [models.UniqueConstraint(fields=["trial", "code"], name="one_arm_per_trial_and_code")]

    def __str__(self) -> str:
        return f"{self.trial.trial_id} / {self.code}"


class CriteriaVersion(models.Model):
    """A trial's eligibility criteria as of one text; a new version whenever the text changes."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="criteria_versions")
    number = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    text_sha256 = models.CharField(max_length=64)
    structured = models.JSONField(
        null=True, blank=True, help_text="structured criteria of the record (CTML arms' match trees)"
    )
    parsed = models.JSONField(
        null=True, blank=True, help_text="the current parsed revision's criteria (a copy, for readers)"
    )
    parser_version = models.CharField(max_length=40, blank=True)
    current_revision = models.ForeignKey(
        "ParsedRevision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the parse that `parsed` holds and new matches are computed with",
    )
    review_flags = models.JSONField(
        default=list,
        blank=True,
        help_text='why the reading looks implausible as a whole: [{"rule", "reason"}]; until the version '
        "is approved its pairs are at best possible",
    )
    approved_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["trial", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["trial", "number"], name="one_criteria_version_per_trial_and_number"
            ),
            models.CheckConstraint(name="criteria_version_number_positive", condition=Q(number__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.trial.trial_id} v{self.number}"

    @property
    def needs_review(self) -> bool:
        """Flagged as implausible and not approved since: matching caps its pairs at possible."""
        return bool(self.review_flags) and self.approved_at is None


class ParsedRevision(models.Model):
    """One parse of a criteria version's text, append-only: the first parse, each re-parse and each
    reviewer correction add a revision; match results point at the revision they were computed with."""

    class Cause(models.TextChoices):
        PARSE = "parse"
        REPARSE = "reparse"
        CORRECTION = "correction"

    criteria_version = models.ForeignKey(CriteriaVersion, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    parsed = models.JSONField(help_text="the parser's output with the version's corrections applied")
    parser_version = models.CharField(max_length=40, blank=True)
    cause = models.CharField(max_length=10, choices=Cause.choices)
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["criteria_version", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["criteria_version", "number"], name="one_parsed_revision_per_version_and_number"
            ),
            models.CheckConstraint(name="parsed_revision_number_positive", condition=Q(number__gte=1)),
            models.CheckConstraint(
                name="parsed_revision_cause_is_known",
                condition=Q(cause__in=["parse", "reparse", "correction"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criteria_version} r{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("parsed revisions are append-only: add a new revision instead")
        super().save(*args, **kwargs)


class TrialLocation(models.Model):
    """A facility where the trial runs, as its registry lists it (one ClinicalTrials.gov record can list
    over a thousand). Not a `Site`: sites are the centre's own, which coordinators belong to; a location
    names one when the facility is one of them."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="locations")
    facility = models.CharField(max_length=300)
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="trial_locations"
    )

    class Meta:
        ordering = ["trial", "facility"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "facility"], name="one_location_per_trial_and_facility")
        ]

    def __str__(self) -> str:
        return f"{self.trial.trial_id} at {self.facility}"
