"""The coordinators' workflow on matches: one Screening per (patient, trial, arm), its history, flagged
verdicts, followed trials, notifications. Keyed by the pair, not by a stored result row, so re-running
matching (which replaces results) keeps the workflow."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.patients.models import Patient
from apps.trials.models import Arm, Trial

from . import workflow


class Screening(models.Model):
    class Status(models.TextChoices):
        NEW = workflow.NEW, workflow.LABELS[workflow.NEW]
        UNDER_REVIEW = workflow.UNDER_REVIEW, workflow.LABELS[workflow.UNDER_REVIEW]
        CONTACTED = workflow.CONTACTED, workflow.LABELS[workflow.CONTACTED]
        SCREENING = workflow.SCREENING, workflow.LABELS[workflow.SCREENING]
        ENROLLED = workflow.ENROLLED, workflow.LABELS[workflow.ENROLLED]
        NOT_ELIGIBLE = workflow.NOT_ELIGIBLE, workflow.LABELS[workflow.NOT_ELIGIBLE]
        DECLINED = workflow.DECLINED, workflow.LABELS[workflow.DECLINED]
        DEFERRED = workflow.DEFERRED, workflow.LABELS[workflow.DEFERRED]

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="screenings")
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="screenings")
    arm = models.ForeignKey(Arm, null=True, blank=True, on_delete=models.CASCADE, related_name="screenings")
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.NEW)
    reason = models.TextField(blank=True, help_text="why it was declined or found not eligible")
    failing_criterion = models.CharField(
        max_length=40, blank=True, help_text="criterion id, when not eligible"
    )
    deferred_until = models.DateField(null=True, blank=True)
    consent_date = models.DateField(null=True, blank=True)
    on_study_date = models.DateField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "trial", "arm"],
                condition=Q(arm__isnull=False),
                name="one_screening_per_patient_trial_and_arm",
            ),
            models.UniqueConstraint(
                fields=["patient", "trial"],
                condition=Q(arm__isnull=True),
                name="one_screening_per_patient_and_trial",
            ),
            models.CheckConstraint(
                name="deferred_screening_has_a_date",
                condition=~Q(status="deferred") | Q(deferred_until__isnull=False),
            ),
            models.CheckConstraint(
                name="enrolled_screening_has_a_consent_date",
                condition=~Q(status="enrolled") | Q(consent_date__isnull=False),
            ),
            models.CheckConstraint(
                name="closed_screening_says_why",
                condition=~Q(status__in=["not_eligible", "declined"])
                | ~Q(reason="")
                | ~Q(failing_criterion=""),
            ),
        ]
        indexes = [
            models.Index(fields=["trial", "status"]),
            models.Index(fields=["status", "deferred_until"]),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} x {self.trial_id}: {self.status}"

    @property
    def fhir_status(self) -> str:
        return workflow.FHIR_STATUS[self.status]


class ScreeningEvent(models.Model):
    """One line of a screening's history: a status change, an assignment or a note."""

    class Kind(models.TextChoices):
        STATUS = "status"
        ASSIGNMENT = "assignment"
        NOTE = "note"

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_value = models.CharField(max_length=150, blank=True)
    new_value = models.CharField(max_length=150, blank=True)
    text = models.TextField(blank=True, help_text="the reason of a status change, or the note")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} on screening {self.screening_id}"


class VerdictFlag(models.Model):
    """A coordinator says a criterion's verdict for a patient is wrong: it joins the trial's review queue."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="verdict_flags")
    arm = models.ForeignKey(Arm, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="verdict_flags")
    criterion_id = models.CharField(max_length=40)
    verdict = models.CharField(max_length=12, help_text="the verdict flagged as wrong")
    comment = models.TextField(blank=True)
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    flagged_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-flagged_at"]
        indexes = [models.Index(fields=["trial", "criterion_id"])]

    def __str__(self) -> str:
        return f"flag on {self.criterion_id} of {self.trial_id}"


class TrialFollow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="followers")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "trial"], name="one_follow_per_user_and_trial")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.trial_id}"


class Notification(models.Model):
    """In-app; unread ones also go out in the e-mail digest (`services.send_digests`)."""

    class Kind(models.TextChoices):
        NEW_ELIGIBLE = "new_eligible"
        DEFERRAL_DUE = "deferral_due"
        REOPENED = "reopened"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    message = models.CharField(max_length=300, help_text="no identifiers: patient keys and trial ids only")
    link = models.CharField(max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200, help_text="one notification per user and event")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="one_notification_per_user_and_event")
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class HomeVisit(models.Model):
    """When a user last looked at the home page: 'new since your last visit' counts from here."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id} at {self.seen_at}"
