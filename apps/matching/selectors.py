"""Reads of the stored match results for pages, the API and exports: the one module that knows how results
are stored. Callers pass the patients they may see (`Patient.objects.visible_to(user)`) and get rows whose
fields are stable whatever the storage: status, score, fits, counts, and `verdicts_of` / `missing_of`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from apps.patients.models import Patient
from apps.trials.models import Arm, CriteriaVersion, Trial

from .models import IneligibleBlock, Match, MatchCount, MatchQuerySet

ACTIONABLE = (Match.Status.ELIGIBLE, Match.Status.POSSIBLE)
# Best first: eligible before possible, then by score; the patient key breaks ties so pages are stable.
_RANKED = ("status", "-score", "patient__key")


def current() -> MatchQuerySet:
    """Stored eligible and possible results computed with each trial's current criteria version."""
    latest = (
        CriteriaVersion.objects.filter(trial=OuterRef("trial"))
        .values("trial")
        .annotate(n=Max("number"))
        .values("n")
    )
    return Match.objects.filter(criteria_version__number=Subquery(latest), status__in=ACTIONABLE)


def for_trial(
    trial: Trial,
    *,
    patients: QuerySet[Patient],
    arm: Arm | None = None,
    statuses: Iterable[str] = ACTIONABLE,
) -> MatchQuerySet:
    """A trial's ranked worklist among `patients`: eligible first, then possible, each by score."""
    qs = current().filter(trial=trial, patient__in=patients, status__in=list(statuses))
    if arm is not None:
        qs = qs.filter(arm=arm)
    return qs.select_related("patient", "arm").order_by(*_RANKED)


def for_patient(patient: Patient, *, trials: QuerySet[Trial] | None = None) -> MatchQuerySet:
    """Every trial (and arm) a patient is eligible or possible for, best first."""
    qs = current().filter(patient=patient)
    if trials is not None:
        qs = qs.filter(trial__in=trials)
    return qs.select_related("trial", "arm").order_by("status", "-score", "trial__trial_id")


def counts_by_trial(trials: QuerySet[Trial], *, patients: QuerySet[Patient]) -> dict[int, dict[str, int]]:
    """{trial pk: {"eligible": n, "possible": n}}, counting each patient once per trial (best arm)."""
    rows = (
        current()
        .filter(trial__in=trials, patient__in=patients)
        .values("trial")
        .annotate(
            eligible=Count("patient", filter=Q(status=Match.Status.ELIGIBLE), distinct=True),
            any_=Count("patient", distinct=True),
        )
    )
    return {int(r["trial"]): {"eligible": r["eligible"], "possible": r["any_"] - r["eligible"]} for r in rows}


def verdicts_of(match: Match) -> list[dict[str, Any]]:
    """Per criterion of the pair's plan: {id, verdict, evidence}."""
    return [
        {"id": str(v.get("id")), "verdict": v.get("verdict"), "evidence": v.get("evidence")}
        for v in match.verdicts
    ]


def missing_of(match: Match) -> list[str]:
    """The data that would decide the pair's unknown criteria."""
    return list(match.missing)


def arms_with_results(arm_ids: Iterable[int]) -> set[int]:
    """Those of `arm_ids` that any stored result or run count points at (deleting them would delete those)."""
    ids = list(arm_ids)
    if not ids:
        return set()
    found = set(Match.objects.filter(arm_id__in=ids).values_list("arm_id", flat=True).distinct())
    found |= set(IneligibleBlock.objects.filter(arm_id__in=ids).values_list("arm_id", flat=True).distinct())
    found |= set(MatchCount.objects.filter(arm_id__in=ids).values_list("arm_id", flat=True).distinct())
    return {int(a) for a in found if a is not None}
