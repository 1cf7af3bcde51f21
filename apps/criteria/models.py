"""Reviewers' corrections to parsed criteria, kept per criteria version and re-applied on re-parse."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.trials.models import CriteriaVersion


class CriteriaCorrection(models.Model):
    """One reviewer change to one criterion of one criteria version (add, edit or drop)."""

    class Action(models.TextChoices):
        ADD = "add"
        EDIT = "edit"
        DROP = "drop"

    criteria_version = models.ForeignKey(
        CriteriaVersion, on_delete=models.CASCADE, related_name="corrections"
    )
    criterion_id = models.CharField(max_length=40, help_text="I3, E2.1 ...; for add, the new criterion's id")
    action = models.CharField(max_length=4, choices=Action.choices)
    payload = models.JSONField(
        default=dict,
        blank=True,
        help_text="fields replacing the parsed ones: kind, rule, negated, section, span",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["criteria_version", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="correction_action_is_known", condition=models.Q(action__in=["add", "edit", "drop"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criteria_version} {self.action} {self.criterion_id}"


class CriteriaReview(CriteriaVersion):
    """A criteria version as the review page shows it (proxy: no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = "criteria review"
