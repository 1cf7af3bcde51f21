"""After a run: flag the trials whose results are implausible as a whole (more than half of a mixed cohort
eligible), for a person to review; until approved their pairs are at best possible (see `plans`)."""

from __future__ import annotations

from django.db.models import Count

from apps.audit import services as audit
from apps.criteria import plausibility
from apps.patients.models import Diagnosis
from apps.trials.models import CriteriaVersion

from ..models import Match, MatchChunk, MatchRun


def flag_implausible_cohorts(run: MatchRun) -> list[int]:
    """Inside the completing transaction: add the cohort flag (audited) to each unapproved criteria version
    of the run that more than half of the run's patients matched as eligible, when those patients have more
    than one cancer type; returns the flagged versions' primary keys (for re-matching)."""
    versions = [
        v
        for v in CriteriaVersion.objects.filter(pk__in=run.criteria_versions, approved_at__isnull=True)
        .select_related("trial")
        .defer("parsed", "text")
        if not any(f.get("rule") == plausibility.COHORT for f in v.review_flags or [])
    ]
    if not versions:
        return []
    patients = {
        pk for ids in MatchChunk.objects.filter(run=run).values_list("patient_ids", flat=True) for pk in ids
    }
    if len(patients) < plausibility.MIN_COHORT:
        return []
    cancers = Diagnosis.objects.filter(category=Diagnosis.Category.CANCER).exclude(oncotree_code="")
    if (run.scope or {}).get("patients") is not None:
        cancers = cancers.filter(patient_id__in=patients)
    types = cancers.values("oncotree_code").distinct().count()
    eligible = dict(
        Match.objects.filter(run=run, criteria_version__in=versions, status=Match.Status.ELIGIBLE)
        .values("criteria_version")
        .annotate(n=Count("patient", distinct=True))
        .values_list("criteria_version", "n")
    )
    flagged: list[int] = []
    for version in versions:
        flag = plausibility.cohort_flag(
            eligible=eligible.get(version.pk, 0), patients=len(patients), cancer_types=types
        )
        if flag is None:
            continue
        old = list(version.review_flags or [])
        version.review_flags = [*old, flag]
        version.save(update_fields=["review_flags"])
        audit.record(
            actor=None,
            actor_label="matching",
            action="criteria.flagged_for_review",
            object_type="trials.CriteriaVersion",
            object_id=version.pk,
            field="review_flags",
            old=old,
            new=version.review_flags,
            reason=flag["reason"],
            details={"run": run.pk, "trial": version.trial.trial_id},
        )
        flagged.append(version.pk)
    return flagged
