"""Reads of the stored match results for pages, the API and exports: the one module that knows how results
are stored. Callers pass the patients they may see (`Patient.objects.visible_to(user)`) and get rows whose
fields are stable whatever the storage: status, score, fits, counts, and `verdicts_of` / `missing_of`;
`computed_with_older_parse` says whether a pair's parse has been revised since it was computed.

Storage: fixed-width `Match` rows (eligible and possible pairs) pointing at a shared `VerdictPattern`;
lists are ranked here, when read, served by the indexes (trial, arm, status, score) and (patient, score).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery

from apps.patients.models import Patient
from apps.trials.models import Arm, CriteriaVersion, Trial

from .models import IneligibleBlock, Match, MatchCount, MatchQuerySet

ACTIONABLE = (Match.Status.ELIGIBLE, Match.Status.POSSIBLE)
# Best first: eligible before possible, then by score; the patient key breaks ties so pages are stable.
_RANKED = ("status", "-score", "patient__key")


def current() -> MatchQuerySet:
    """Stored eligible and possible results computed with each trial's current criteria version (selected by
    the set of latest versions, not a subquery per result row)."""
    return Match.objects.filter(criteria_version__in=_current_versions(), status__in=ACTIONABLE)


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
    return _with_revision(qs.select_related("patient", "arm", "pattern")).order_by(*_RANKED)


def for_patient(patient: Patient, *, trials: QuerySet[Trial] | None = None) -> MatchQuerySet:
    """Every trial (and arm) a patient is eligible or possible for, best first."""
    qs = current().filter(patient=patient)
    if trials is not None:
        qs = qs.filter(trial__in=trials)
    return _with_revision(qs.select_related("trial", "arm", "pattern")).order_by(
        "status", "-score", "trial__trial_id"
    )


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


def stored_since(results: MatchQuerySet, when: dt.datetime) -> MatchQuerySet:
    """Those of `results` stored by a run that finished after `when`, or is still storing its chunks."""
    return results.filter(Q(run__finished_at__isnull=True) | Q(run__finished_at__gt=when))


_NOT_READ = object()


def _with_revision(qs: MatchQuerySet) -> MatchQuerySet:
    return qs.annotate(version_revision=F("criteria_version__current_revision"))


def computed_with_older_parse(match: Match) -> bool:
    """Whether the pair was computed with an earlier parsed revision of its criteria version than the current
    one (a re-parse or a correction since): its verdicts are shown as such until it is matched again."""
    computed = match.pattern.revision_id
    if computed is None:
        return False
    # Annotated by the list selectors (no query per row); else read from the pair's version.
    current = getattr(match, "version_revision", _NOT_READ)
    if current is _NOT_READ:
        current = match.criteria_version.current_revision_id
    return current is not None and computed != current


def verdicts_of(match: Match) -> list[dict[str, Any]]:
    """Per criterion of the pair's plan: {id, verdict, evidence}."""
    return [
        {"id": str(v.get("id")), "verdict": v.get("verdict"), "evidence": v.get("evidence")}
        for v in match.pattern.verdicts
    ]


def missing_of(match: Match) -> list[str]:
    """The data that would decide the pair's unknown criteria."""
    return list(match.pattern.missing)


def _current_versions() -> list[int]:
    """Each trial's latest criteria version, as ids (one query over versions, not over results): as
    constants, they let the planner estimate the result rows and hash-join them (8x faster at 100k
    patients than the same ids as a subquery, which it estimated at a handful of rows)."""
    latest = (
        CriteriaVersion.objects.filter(trial=OuterRef("trial"))
        .values("trial")
        .annotate(n=Max("number"))
        .values("n")
    )
    return list(CriteriaVersion.objects.filter(number=Subquery(latest)).values_list("pk", flat=True))


def among(patients: QuerySet[Patient], *, trials: QuerySet[Trial] | None = None) -> MatchQuerySet:
    """Every current eligible and possible result among `patients` (and `trials`), unordered: the same rows
    as `current()`, selected by the set of latest versions so that it stays fast over a whole site."""
    qs = Match.objects.filter(
        criteria_version__in=_current_versions(), status__in=ACTIONABLE, patient__in=patients
    )
    return qs if trials is None else qs.filter(trial__in=trials)


def pair(patient: Patient, trial: Trial, *, arm: Arm | None = None) -> Match | None:
    """The current result of one (patient, trial, arm), or None when the pair is ineligible or unmatched."""
    qs = current().filter(patient=patient, trial=trial)
    qs = qs.filter(arm=arm) if arm is not None else qs.filter(arm__isnull=True)
    return qs.select_related("patient", "trial", "arm", "criteria_version", "pattern").first()


def missing_counts(patients: QuerySet[Patient]) -> list[dict[str, Any]]:
    """What would decide the most possible matches among `patients`:
    [{"item", "patients", "matches"}] ranked by matches settled, then patients."""
    by_item: dict[str, tuple[set[int], int]] = {}
    rows = among(patients).filter(status=Match.Status.POSSIBLE).values_list("patient_id", "pattern__missing")
    for patient_id, missing in rows.iterator(chunk_size=5000):
        for item in set(missing or []):
            seen, n = by_item.get(str(item), (set(), 0))
            seen.add(patient_id)
            by_item[str(item)] = (seen, n + 1)
    out = [{"item": k, "patients": len(v[0]), "matches": v[1]} for k, v in by_item.items()]
    return sorted(out, key=lambda r: (-r["matches"], -r["patients"], r["item"]))


def arms_with_results(arm_ids: Iterable[int]) -> set[int]:
    """Those of `arm_ids` that any stored result or run count points at (deleting them would delete those)."""
    ids = list(arm_ids)
    if not ids:
        return set()
    found = set(Match.objects.filter(arm_id__in=ids).values_list("arm_id", flat=True).distinct())
    found |= set(IneligibleBlock.objects.filter(arm_id__in=ids).values_list("arm_id", flat=True).distinct())
    found |= set(MatchCount.objects.filter(arm_id__in=ids).values_list("arm_id", flat=True).distinct())
    return {int(a) for a in found if a is not None}


def matched_patients(trial: Trial) -> set[int]:
    """Primary keys of the patients with a current eligible or possible result for `trial` (any arm)."""
    return set(current().filter(trial=trial).values_list("patient_id", flat=True))
