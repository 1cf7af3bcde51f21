"""Cohorts (saved definitions with materialised membership), their stratifications and survival analyses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.matching.models import MatchRun
from apps.patients.models import Patient
from apps.trials.models import CriteriaVersion, Trial

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class CohortQuerySet(models.QuerySet["Cohort"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> CohortQuerySet:
        """Coordinators see the cohorts they own; admins all; anyone else none."""
        from apps.accounts.models import Role
        from apps.accounts.roles import has_role

        if not user.is_authenticated:
            return self.none()
        if has_role(user, Role.ADMIN):
            return self.all()
        if has_role(user, Role.COORDINATOR):
            return self.filter(owner=user)
        return self.none()


class Cohort(models.Model):
    class Kind(models.TextChoices):
        TRIAL_MATCHES = "trial_matches", "a trial's matches"
        AD_HOC = "ad_hoc", "ad-hoc criteria"
        MATCH_RUN = "match_run", "a match run's result"

    name = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cohorts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    trial = models.ForeignKey(Trial, null=True, blank=True, on_delete=models.PROTECT, related_name="cohorts")
    match_run = models.ForeignKey(
        MatchRun, null=True, blank=True, on_delete=models.PROTECT, related_name="cohorts"
    )
    statuses = models.JSONField(
        default=list, blank=True, help_text='match statuses kept: ["eligible", "possible"]'
    )
    criteria_text = models.TextField(blank=True, help_text="ad hoc: the criteria as written")
    criteria = models.JSONField(
        null=True, blank=True, help_text="ad hoc: parsed criteria (criteria.schema.json)"
    )
    as_of = models.DateField(null=True, blank=True, help_text="ad hoc: the date eligibility is judged on")
    criteria_version = models.ForeignKey(
        CriteriaVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="trial matches: the criteria version membership was computed with",
    )
    parser_version = models.CharField(max_length=40, blank=True, help_text="ad hoc: criteria parser version")
    computed_at = models.DateTimeField(
        null=True, blank=True, help_text="when membership was last materialised"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="cohort_name_unique_per_owner"),
            models.CheckConstraint(
                name="cohort_definition_matches_its_kind",
                condition=Q(
                    kind="trial_matches", trial__isnull=False, match_run__isnull=True, criteria__isnull=True
                )
                | Q(kind="ad_hoc", trial__isnull=True, match_run__isnull=True, criteria__isnull=False)
                | Q(kind="match_run", match_run__isnull=False, criteria__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def version_label(self) -> str:
        if self.kind == self.Kind.AD_HOC:
            return f"criteria parser {self.parser_version}" if self.parser_version else "structured criteria"
        if self.criteria_version_id:
            return f"criteria version {self.criteria_version.number}" if self.criteria_version else ""
        return f"match run {self.match_run_id}" if self.match_run_id else ""


class CohortMember(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="members")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, blank=True, help_text="match status that put the patient in")
    match_date = models.DateField(null=True, blank=True, help_text="the date the match was judged on")

    class Meta:
        ordering = ["cohort", "patient"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "patient"], name="one_membership_per_patient")
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} in {self.cohort_id}"


class Stratification(models.Model):
    class Kind(models.TextChoices):
        BIOMARKER = "biomarker", "biomarker rule"
        ATTRIBUTE = "attribute", "patient attribute"
        LEARNED_CLUSTERS = "learned_clusters", "learned: clusters"
        LEARNED_SURVIVAL = "learned_survival", "learned: survival risk groups"

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="stratifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parameters = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.FloatField(default=0.0, help_text="0 to 1")
    progress_message = models.CharField(max_length=200, blank=True)
    result = models.JSONField(
        null=True,
        blank=True,
        help_text="{groups: [...], counts: {...}, labels: {patient pk: group}, details}",
    )
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="stratification_progress_is_a_fraction", condition=Q(progress__gte=0, progress__lte=1)
            ),
            models.CheckConstraint(
                name="failed_stratification_says_why", condition=~Q(status="failed") | ~Q(failure_reason="")
            ),
            models.CheckConstraint(
                name="completed_stratification_has_a_result",
                condition=~Q(status="completed") | Q(result__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.cohort_id} ({self.status})"

    @property
    def groups(self) -> list[str]:
        return list((self.result or {}).get("groups", []))


class SurvivalAnalysis(models.Model):
    class IndexDate(models.TextChoices):
        DIAGNOSIS = "diagnosis"
        THERAPY_LINE_START = "therapy_line_start", "start of a therapy line"
        SEQUENCING_REPORT = "sequencing_report", "sequencing report"
        MATCH_DATE = "match_date", "match date"

    class Event(models.TextChoices):
        DEATH = "death", "death (overall survival)"
        PROGRESSION = "progression", "progression or death (progression-free survival)"

    class TimeUnit(models.TextChoices):
        DAYS = "days"
        MONTHS = "months"

    class TreatmentDesign(models.TextChoices):
        COMPARISON = "comparison", "plain comparison of the subgroups"
        TIME_DEPENDENT = "time_dependent", "treatment as a time-dependent covariate, (start, stop] Cox"
        LANDMARK = "landmark", "landmark analysis: treated by the landmark time or not"

    stratification = models.ForeignKey(Stratification, on_delete=models.CASCADE, related_name="analyses")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    index_date = models.CharField(max_length=20, choices=IndexDate.choices)
    therapy_line = models.PositiveSmallIntegerField(default=1, help_text="for the therapy-line index date")
    event = models.CharField(max_length=12, choices=Event.choices)
    time_unit = models.CharField(max_length=6, choices=TimeUnit.choices, default=TimeUnit.MONTHS)
    covariates = models.JSONField(default=list, blank=True, help_text="adjusting covariates of the Cox model")
    excluded_groups = models.JSONField(
        default=list, blank=True, help_text="subgroups left out (e.g. untested)"
    )
    landmarks = models.JSONField(default=list, blank=True, help_text="landmark times, in time_unit")
    min_size = models.PositiveIntegerField(default=10)
    min_events = models.PositiveIntegerField(default=5)
    sponsor_facing = models.BooleanField(default=False, help_text="suppress strata under 11 (PROMISES 3)")
    competing_death = models.BooleanField(
        default=False,
        help_text="progression as the event of interest, death before progression as a competing event",
    )
    treatment_design = models.CharField(
        max_length=16, choices=TreatmentDesign.choices, default=TreatmentDesign.COMPARISON
    )
    landmark_time = models.FloatField(
        null=True, blank=True, help_text="for the landmark design, in time_unit"
    )
    result = models.JSONField(help_text="apps.cohorts.survival.to_dict output, with exclusions")
    inputs = models.JSONField(help_text="the analysed table (times, events, groups, covariates; no ids)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "survival analyses"
        ordering = ["-created_at", "pk"]
        constraints = [
            models.CheckConstraint(name="analysis_therapy_line_at_least_1", condition=Q(therapy_line__gte=1)),
            models.CheckConstraint(name="analysis_min_size_at_least_1", condition=Q(min_size__gte=1)),
            models.CheckConstraint(
                name="sponsor_facing_analysis_suppresses_small_strata",
                condition=Q(sponsor_facing=False) | Q(min_size__gte=11),
            ),
            models.CheckConstraint(
                name="landmark_design_has_a_landmark_time",
                condition=~Q(treatment_design="landmark") | Q(landmark_time__gt=0),
            ),
            models.CheckConstraint(
                name="competing_death_only_for_progression",
                condition=Q(competing_death=False) | Q(event="progression"),
            ),
        ]

    def __str__(self) -> str:
        return f"survival analysis {self.pk} of stratification {self.stratification_id}"


__all__ = ["Cohort", "CohortMember", "Stratification", "SurvivalAnalysis"]
