"""On-demand explanations, run summaries, and incremental re-matching after imports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from apps.patients.models import Patient
from apps.trials.models import CriteriaVersion, Trial

from ..models import MatchCount, MatchRun
from ..patient_records import build_record
from . import evaluation
from .plans import plans_for
from .runs import _current_versions, request_run


def explain(
    patient: Patient, trial: Trial, as_of: dt.date, *, include_closed: bool = True
) -> list[dict[str, Any]]:
    """The full explanation of one pair with the reference evaluator, one entry per plan (trial or arm):
    {trial, arm, status, score, molecular_fit, phenotypic_fit, first_failing, criteria, missing}."""
    record = build_record(patient)
    out = []
    for plan in plans_for(_current_versions([trial]), include_closed=include_closed):
        outcome = evaluation.explain_pair(plan.criteria, record, as_of)
        out.append(
            {
                "trial": plan.trial_id,
                "arm": plan.arm_code,
                "criteria_version": plan.version_pk,
                "status": outcome.status,
                "score": outcome.score,
                "molecular_fit": outcome.molecular_fit,
                "phenotypic_fit": outcome.phenotypic_fit,
                "first_failing": outcome.first_failing or None,
                "criteria": outcome.verdicts,
                "missing": outcome.missing,
            }
        )
    return out


@dataclass(frozen=True)
class RunSummary:
    run: MatchRun
    pairs: int
    eligible: int
    possible: int
    ineligible: int
    seconds: float | None
    pairs_per_second: float | None


def run_summary(run: MatchRun) -> RunSummary:
    totals = MatchCount.objects.filter(run=run).aggregate(
        e=Sum("eligible"), p=Sum("possible"), i=Sum("ineligible")
    )
    seconds = run.seconds
    rate = run.pairs_done / seconds if seconds else run.pairs_per_second
    return RunSummary(
        run=run,
        pairs=run.pairs_done,
        eligible=totals["e"] or 0,
        possible=totals["p"] or 0,
        ineligible=totals["i"] or 0,
        seconds=seconds,
        pairs_per_second=rate,
    )


def on_patient_changed(patient: Patient, *, as_of: dt.date | None = None) -> MatchRun:
    """Match one new or changed patient against all recruiting trials (nothing else is recomputed)."""
    return request_run(patients=[patient], as_of=as_of or timezone.localdate())


def on_criteria_version(version: CriteriaVersion, *, as_of: dt.date | None = None) -> MatchRun:
    """Re-match the trial of a new criteria version against all patients (its results pin that version)."""
    return request_run(trials=[version.trial], as_of=as_of or timezone.localdate())


def rematch_patients(patient_ids: Iterable[int], *, as_of: dt.date | None = None) -> MatchRun | None:
    """Match these patients (primary keys; ones deleted since are skipped) against the recruiting trials."""
    patients = list(Patient.objects.filter(pk__in=list(patient_ids)).order_by("pk"))
    if not patients:
        return None
    return request_run(patients=patients, as_of=as_of or timezone.localdate())


def rematch_criteria_versions(version_ids: Iterable[int], *, as_of: dt.date | None = None) -> MatchRun | None:
    """Match the recruiting trials of these criteria versions against every patient, in one run; versions
    superseded since are skipped (the newer version's own task covers its trial)."""
    versions = list(CriteriaVersion.objects.filter(pk__in=list(version_ids)).select_related("trial"))
    recruiting = set(
        Trial.objects.recruiting().filter(pk__in=[v.trial_id for v in versions]).values_list("pk", flat=True)
    )
    trials = [v.trial for v in versions if v.trial_id in recruiting and v.trial.current_version() == v]
    if not trials:
        return None
    return request_run(trials=trials, as_of=as_of or timezone.localdate())


def rematch_trials(trial_ids: Iterable[int], *, as_of: dt.date | None = None) -> MatchRun | None:
    """Match these trials (primary keys; those not recruiting or deleted since are skipped) against every
    patient, in one run: after an arm reopened."""
    trials = list(Trial.objects.recruiting().filter(pk__in=list(trial_ids)).order_by("pk"))
    if not trials:
        return None
    return request_run(trials=trials, as_of=as_of or timezone.localdate())


def rematch_after_import(
    *,
    patients: Iterable[Patient] = (),
    criteria_versions: Iterable[CriteriaVersion] = (),
    as_of: dt.date | None = None,
) -> list[MatchRun]:
    """For importers: call after an import commits with the patients it created or changed and the criteria
    versions it created. One run for the patients (against recruiting trials), one per new version."""
    runs: list[MatchRun] = []
    changed = list(patients)
    if changed:
        runs.append(request_run(patients=changed, as_of=as_of or timezone.localdate()))
    for version in criteria_versions:
        runs.append(on_criteria_version(version, as_of=as_of))
    return runs
