"""Reads of the workflow for pages: a worklist annotated with each pair's workflow status."""

from __future__ import annotations

from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from apps.matching.models import MatchQuerySet
from apps.patients.models import Patient

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


def awaiting_decision(matches: MatchQuerySet) -> MatchQuerySet:
    return with_workflow(matches).filter(**{"workflow_status__in": workflow.AWAITING_DECISION})


def flags_for(patients: QuerySet[Patient]) -> QuerySet[VerdictFlag]:
    return VerdictFlag.objects.filter(patient__in=patients)
