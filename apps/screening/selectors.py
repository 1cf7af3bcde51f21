"""Reads of the workflow for pages: a worklist annotated with each pair's workflow status."""

from __future__ import annotations

from django.db.models import CharField, Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from apps.matching.models import MatchQuerySet
from apps.patients.models import Patient
from apps.trials.models import Trial

from . import workflow
from .models import Screening, VerdictFlag


def _of_pair() -> QuerySet[Screening]:
    return Screening.objects.annotate(arm_or_0=Coalesce("arm_id", Value(0))).filter(
        patient=OuterRef("patient"), trial=OuterRef("trial"), arm_or_0=Coalesce(OuterRef("arm_id"), Value(0))
    )


def with_workflow(matches: MatchQuerySet) -> MatchQuerySet:
    """Each match with `workflow_status` (new when nobody has touched it) and `assignee` (a username)."""
    return matches.annotate(
        workflow_status=Coalesce(
            Subquery(_of_pair().values("status")[:1]), Value(workflow.NEW), output_field=CharField()
        ),
        assignee=Subquery(_of_pair().values("assigned_to__username")[:1]),
    )


def awaiting_decision_count(matches: MatchQuerySet, patients: QuerySet[Patient]) -> int:
    """How many of `matches` (eligible or possible) nobody has decided yet: all of them, less the decided
    workflows that are among them (far fewer rows to look at than the matches)."""
    decided = (
        Screening.objects.filter(patient__in=patients)
        .exclude(status__in=workflow.AWAITING_DECISION)
        .annotate(arm_or_0=Coalesce("arm_id", Value(0)))
        .filter(
            Exists(
                matches.annotate(arm_or_0=Coalesce("arm_id", Value(0))).filter(
                    patient=OuterRef("patient"), trial=OuterRef("trial"), arm_or_0=OuterRef("arm_or_0")
                )
            )
        )
    )
    return matches.count() - decided.count()


def flags_for(patients: QuerySet[Patient]) -> QuerySet[VerdictFlag]:
    return VerdictFlag.objects.filter(patient__in=patients)


def latest_status_by_patient(trial: Trial) -> dict[int, str]:
    """{patient pk: workflow status} for a trial's screened patients: one per patient, the status of its
    most recently moved workflow (a patient screened for several arms counts once)."""
    rows = Screening.objects.filter(trial=trial).order_by("patient_id", "changed_at", "pk")
    return dict(rows.values_list("patient_id", "status"))
