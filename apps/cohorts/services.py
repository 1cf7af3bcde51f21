"""Cohort workflows: define and materialise cohorts, stratify them (as a task), analyse survival, draw plots.

Patient data never reaches a log or a task message: tasks carry ids only, failure reasons carry no values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from django.contrib.auth.models import User
from django.db import OperationalError, transaction
from django.utils import timezone

from apps.audit import services as audit
from apps.audit.reasons import safe_reason
from apps.cohorts import plots, strata, survival
from apps.cohorts.models import Cohort, CohortMember, Stratification, SurvivalAnalysis
from apps.cohorts.strata import facts, treatment
from apps.cohorts.survival import DAYS_PER_MONTH
from apps.criteria.parser import PARSER_VERSION, parse
from apps.matching.eligibility import CriteriaError, evaluate, prepare
from apps.matching.models import Match, MatchRun
from apps.matching.patient_records import build_records
from apps.matching.records import PatientRecord
from apps.patients.models import FollowUp, Patient
from apps.trials.models import Trial

MATCH_STATUSES = ("eligible", "possible")
SPONSOR_MIN_CELL = 11  # PROMISES 3
COVARIATES = {
    "age": "age at diagnosis, per 10 years",
    "ecog": "ECOG at diagnosis (0-4, as a number)",
    "sex": "sex (indicator against female)",
    "stage": "main stage group (indicators against the first)",
    "cancer_type": "OncoTree code of the primary cancer (indicators against the first)",
}


class CohortInputError(ValueError):
    """Bad input to a cohort workflow, with a message naming the field."""


def _statuses(statuses: Iterable[str]) -> list[str]:
    chosen = sorted(set(statuses))
    if not chosen or any(s not in MATCH_STATUSES for s in chosen):
        raise CohortInputError(f"statuses: choose from {', '.join(MATCH_STATUSES)}, got {chosen}")
    return chosen


def _name(owner: User, name: str) -> str:
    name = name.strip()
    if not name:
        raise CohortInputError("name: required")
    if Cohort.objects.filter(owner=owner, name=name).exists():
        raise CohortInputError(f"name: you already have a cohort named {name!r}")
    return name


def _audit_cohort(cohort: Cohort, members: int) -> None:
    # The cohort's name is its owner's free text: not in the audit row (PROMISES 13).
    audit.record(
        actor=cohort.owner,
        action="cohorts.cohort_created",
        object_type="cohorts.Cohort",
        object_id=cohort.pk,
        details={
            "kind": cohort.kind,
            "trial": cohort.trial_id,
            "run": cohort.match_run_id,
            "members": members,
        },
    )


def create_trial_cohort(
    *, owner: User, name: str, trial: Trial, statuses: Iterable[str] = MATCH_STATUSES
) -> Cohort:
    version = trial.current_version()
    if version is None:
        raise CohortInputError(f"trial: {trial.trial_id} has no criteria version")
    with transaction.atomic():
        cohort = Cohort.objects.create(
            name=_name(owner, name),
            owner=owner,
            kind=Cohort.Kind.TRIAL_MATCHES,
            trial=trial,
            statuses=_statuses(statuses),
            criteria_version=version,
        )
        members = materialise(cohort)
        _audit_cohort(cohort, members)
    return cohort


def create_match_run_cohort(
    *,
    owner: User,
    name: str,
    run: MatchRun,
    statuses: Iterable[str] = MATCH_STATUSES,
    trial: Trial | None = None,
) -> Cohort:
    with transaction.atomic():
        cohort = Cohort.objects.create(
            name=_name(owner, name),
            owner=owner,
            kind=Cohort.Kind.MATCH_RUN,
            match_run=run,
            trial=trial,
            statuses=_statuses(statuses),
        )
        members = materialise(cohort)
        _audit_cohort(cohort, members)
    return cohort


def create_ad_hoc_cohort(
    *,
    owner: User,
    name: str,
    criteria_text: str = "",
    criteria: list[dict[str, Any]] | None = None,
    as_of: dt.date | None = None,
    statuses: Iterable[str] = ("eligible",),
) -> Cohort:
    """Patients meeting ad-hoc criteria: text in the criteria language, or parsed criteria (a list)."""
    if criteria is None:
        if not criteria_text.strip():
            raise CohortInputError("criteria_text: give criteria text or parsed criteria")
        criteria = parse(criteria_text)["criteria"]
        parser_version = PARSER_VERSION
    else:
        parser_version = ""
    if not isinstance(criteria, list) or not criteria:
        raise CohortInputError("criteria: expected a non-empty list of criteria")
    try:
        prepare(criteria)
    except CriteriaError as exc:
        raise CohortInputError(f"criteria: {exc}") from exc
    with transaction.atomic():
        cohort = Cohort.objects.create(
            name=_name(owner, name),
            owner=owner,
            kind=Cohort.Kind.AD_HOC,
            criteria_text=criteria_text,
            criteria=criteria,
            as_of=as_of or timezone.localdate(),
            statuses=_statuses(statuses),
            parser_version=parser_version,
        )
        members = materialise(cohort)
        _audit_cohort(cohort, members)
    return cohort


def _match_members(matches: Any, statuses: list[str]) -> list[CohortMember]:
    best: dict[int, tuple[str, dt.date]] = {}
    for patient_id, status, as_of in matches.filter(status__in=statuses).values_list(
        "patient_id", "status", "as_of"
    ):
        if patient_id not in best or (status == "eligible" and best[patient_id][0] != "eligible"):
            best[patient_id] = (status, as_of)
    return [CohortMember(patient_id=p, status=s, match_date=d) for p, (s, d) in sorted(best.items())]


def materialise(cohort: Cohort) -> int:
    """Recompute the members among the owner's visible patients; replaces the old list in one transaction."""
    visible = Patient.objects.visible_to(cohort.owner)
    members: list[CohortMember]
    if cohort.kind == Cohort.Kind.TRIAL_MATCHES:
        version = cohort.trial.current_version() if cohort.trial else None
        matches = Match.objects.filter(trial=cohort.trial, criteria_version=version, patient__in=visible)
        members = _match_members(matches, cohort.statuses)
        cohort.criteria_version = version
    elif cohort.kind == Cohort.Kind.MATCH_RUN:
        matches = Match.objects.filter(run=cohort.match_run, patient__in=visible)
        if cohort.trial_id:
            matches = matches.filter(trial_id=cohort.trial_id)
        members = _match_members(matches, cohort.statuses)
    else:
        prepared = prepare(cohort.criteria or [], strict=False)
        as_of = cohort.as_of or timezone.localdate()
        by_key = dict(visible.values_list("key", "pk"))
        members = []
        for record in build_records(by_key.values()):
            status = evaluate(prepared, record, as_of).status
            if status in cohort.statuses:
                members.append(CohortMember(patient_id=by_key[record.key], status=status, match_date=as_of))
    with transaction.atomic():
        CohortMember.objects.filter(cohort=cohort).delete()
        for member in members:
            member.cohort = cohort
        CohortMember.objects.bulk_create(members, batch_size=2000)
        cohort.computed_at = timezone.now()
        cohort.save(update_fields=["computed_at", "criteria_version"])
    return len(members)


def member_records(cohort: Cohort) -> tuple[list[PatientRecord], dict[str, int], dict[str, dt.date]]:
    """The members' plain records, their primary keys and match dates, both keyed by patient key."""
    rows = list(cohort.members.values_list("patient_id", "patient__key", "match_date"))
    keys = {key: pk for pk, key, _ in rows}
    dates = {key: when for _, key, when in rows if when is not None}
    return build_records(keys.values()), keys, dates


def outcomes_of(patient_ids: Iterable[int]) -> dict[str, strata.Outcome]:
    rows = FollowUp.objects.filter(patient_id__in=list(patient_ids)).values_list(
        "patient__key", "last_known_alive", "death_date", "progression_date"
    )
    return {key: strata.Outcome(alive, death, progression) for key, alive, death, progression in rows}


def request_stratification(
    *, cohort: Cohort, kind: str, parameters: dict[str, Any], user: User | None = None
) -> Stratification:
    """Check the parameters, create the stratification and enqueue its task after commit."""
    from apps.cohorts import tasks

    try:
        checked = strata.check_parameters(kind, parameters)
    except strata.StrataInputError as exc:
        raise CohortInputError(str(exc)) from exc
    with transaction.atomic():
        stratification = Stratification.objects.create(
            cohort=cohort, kind=kind, parameters=checked, requested_by=user
        )
        audit.record(
            actor=user,
            action="cohorts.stratification_requested",
            object_type="cohorts.Stratification",
            object_id=stratification.pk,
            details={"cohort": cohort.pk, "kind": kind},
        )
        transaction.on_commit(partial(tasks.run_stratification.delay, stratification_id=stratification.pk))
    return stratification


def _progress(stratification_id: int) -> Callable[[float, str], None]:
    def report(fraction: float, message: str) -> None:
        Stratification.objects.filter(pk=stratification_id, status=Stratification.Status.RUNNING).update(
            progress=min(max(fraction, 0.0), 0.99), progress_message=message[:200]
        )

    return report


def run_stratification(*, stratification_id: int) -> None:
    """Compute a stratification. Safe to run twice: a completed or failed one is left as it is."""
    claimed = Stratification.objects.filter(
        pk=stratification_id, status__in=[Stratification.Status.PENDING, Stratification.Status.RUNNING]
    ).update(status=Stratification.Status.RUNNING, started_at=timezone.now(), progress=0.0)
    if not claimed:
        return
    stratification = Stratification.objects.select_related("cohort").get(pk=stratification_id)
    records, pks, match_dates = member_records(stratification.cohort)
    try:
        assignment = strata.stratify(
            stratification.kind,
            stratification.parameters,
            records,
            outcomes=outcomes_of(pks.values()),
            match_dates=match_dates,
            progress=_progress(stratification_id),
        )
    except OperationalError:
        raise  # transient: the task retries
    except Exception as exc:  # it would fail again: record why and stop
        # Our own input errors explain themselves; anything else is named by class and constraint or
        # field only, since its text can quote row values (PROMISES 22).
        reason = str(exc) if isinstance(exc, strata.StrataInputError) else safe_reason(exc)
        with transaction.atomic():
            Stratification.objects.filter(pk=stratification_id, status=Stratification.Status.RUNNING).update(
                status=Stratification.Status.FAILED,
                failure_reason=reason[:1000] or type(exc).__name__,
                finished_at=timezone.now(),
            )
            _audit_stratification(stratification_id, "failed", reason=reason[:1000])
        return
    result = {
        "groups": list(assignment.groups),
        "counts": assignment.counts(),
        "labels": {str(pks[key]): label for key, label in assignment.labels.items()},
        "details": assignment.details,
    }
    with transaction.atomic():
        Stratification.objects.filter(pk=stratification_id, status=Stratification.Status.RUNNING).update(
            status=Stratification.Status.COMPLETED,
            result=result,
            progress=1.0,
            progress_message="done",
            finished_at=timezone.now(),
        )
        _audit_stratification(stratification_id, "completed", groups=len(assignment.groups))


def _audit_stratification(stratification_id: int, outcome: str, *, reason: str = "", groups: int = 0) -> None:
    audit.record(
        actor=None,
        actor_label="cohorts",
        action=f"cohorts.stratification_{outcome}",
        object_type="cohorts.Stratification",
        object_id=stratification_id,
        reason=reason,
        details={"groups": groups} if groups else None,
    )


def _covariate_values(name: str, record: PatientRecord) -> Any:
    if name == "age":
        years = facts.age(record)
        return None if years is None else (years - 60.0) / 10.0
    if name == "ecog":
        return facts.ecog(record)
    if name == "sex":
        return record.sex if record.sex in ("female", "male") else None
    if name == "stage":
        return facts.stage(record)
    return facts.cancer_type(record)


DESIGN_NOTES = {
    SurvivalAnalysis.TreatmentDesign.COMPARISON: "",
    SurvivalAnalysis.TreatmentDesign.TIME_DEPENDENT: (
        "treatment as a time-dependent covariate: each patient's follow-up is split at the first "
        "treatment into untreated (start, stop] and treated rows (R tmerge tdc), Cox on (start, stop] "
        "rows; curves by current treatment status (Simon-Makuch); no immortal time"
    ),
    SurvivalAnalysis.TreatmentDesign.LANDMARK: (
        "landmark analysis: patients still at risk at the landmark, grouped by treatment received by "
        "then, time counted from the landmark; no immortal time"
    ),
}
IMMORTAL_TIME_WARNING = (
    "subgroups by treatment received compared from the index date: the treated had to survive until "
    "treatment (immortal time), which biases the comparison in their favour; prefer the time-dependent "
    "or landmark design"
)


def treatment_rule(stratification: Stratification) -> dict[str, str] | None:
    """The drug or drug class of a stratification by treatment received, else None."""
    params = stratification.parameters or {}
    if stratification.kind != Stratification.Kind.ATTRIBUTE or params.get("attribute") != "treatment":
        return None
    return {k: str(params[k]) for k in ("drug", "drug_class") if params.get(k)}


def _options(analysis: SurvivalAnalysis, description: str) -> survival.AnalysisOptions:
    return survival.AnalysisOptions(
        landmarks=tuple(float(t) for t in analysis.landmarks),
        min_size=analysis.min_size,
        min_events=analysis.min_events,
        suppress_below=SPONSOR_MIN_CELL if analysis.sponsor_facing else None,
        group_in_cox=True if analysis.covariates else None,
        index_date=description,
    )


def analyse_survival(
    *,
    stratification: Stratification,
    index_date: str = SurvivalAnalysis.IndexDate.DIAGNOSIS,
    event: str = SurvivalAnalysis.Event.DEATH,
    therapy_line: int = 1,
    covariates: Sequence[str] = (),
    excluded_groups: Sequence[str] = (),
    landmarks: Sequence[float] = (),
    time_unit: str = SurvivalAnalysis.TimeUnit.MONTHS,
    min_size: int = 10,
    min_events: int = 5,
    sponsor_facing: bool = False,
    competing_death: bool = False,
    treatment_design: str = SurvivalAnalysis.TreatmentDesign.COMPARISON,
    landmark_time: float | None = None,
    user: User | None = None,
) -> SurvivalAnalysis:
    """Survival by subgroup from an explicit index date; stores the result and the analysed table.

    `competing_death` (event = progression only): cumulative incidence of progression with death before
    progression as a competing event (cmprsk). `treatment_design` (stratifications by treatment
    received only): `time_dependent` or `landmark` (with `landmark_time`, in `time_unit`).
    """
    if stratification.status != Stratification.Status.COMPLETED or not stratification.result:
        raise CohortInputError("stratification: not completed yet")
    if index_date not in SurvivalAnalysis.IndexDate.values:
        raise CohortInputError(f"index_date: choose from {', '.join(SurvivalAnalysis.IndexDate.values)}")
    if event not in SurvivalAnalysis.Event.values:
        raise CohortInputError(f"event: choose from {', '.join(SurvivalAnalysis.Event.values)}")
    unknown = sorted(set(covariates) - set(COVARIATES))
    if unknown:
        raise CohortInputError(
            f"covariates: unknown {', '.join(unknown)} (choose from {', '.join(COVARIATES)})"
        )
    if therapy_line < 1 or min_size < 1 or min_events < 0:
        raise CohortInputError("therapy_line and min_size must be at least 1, min_events at least 0")
    if competing_death and event != SurvivalAnalysis.Event.PROGRESSION:
        raise CohortInputError(
            "competing_death: only with event = progression (death is then the competing event)"
        )
    if treatment_design not in SurvivalAnalysis.TreatmentDesign.values:
        raise CohortInputError(
            f"treatment_design: choose from {', '.join(SurvivalAnalysis.TreatmentDesign.values)}"
        )
    drug = treatment_rule(stratification)
    if treatment_design != SurvivalAnalysis.TreatmentDesign.COMPARISON and drug is None:
        raise CohortInputError("treatment_design: only for a stratification by treatment received")
    if treatment_design != SurvivalAnalysis.TreatmentDesign.COMPARISON and excluded_groups:
        raise CohortInputError("excluded_groups: the treatment designs compare both groups; leave none out")
    if treatment_design == SurvivalAnalysis.TreatmentDesign.LANDMARK:
        if landmark_time is None or landmark_time <= 0:
            raise CohortInputError("landmark_time: a positive time is required for the landmark design")
    else:
        landmark_time = None
    if sponsor_facing:
        min_size = max(min_size, SPONSOR_MIN_CELL)
    analysis = SurvivalAnalysis(
        stratification=stratification,
        requested_by=user,
        index_date=index_date,
        therapy_line=therapy_line,
        event=event,
        time_unit=time_unit,
        covariates=list(covariates),
        excluded_groups=list(excluded_groups),
        landmarks=[float(t) for t in landmarks],
        min_size=min_size,
        min_events=min_events,
        sponsor_facing=sponsor_facing,
        competing_death=competing_death,
        treatment_design=treatment_design,
        landmark_time=landmark_time,
    )

    labels: dict[str, str] = stratification.result["labels"]
    order = [g for g in stratification.result["groups"] if g not in set(excluded_groups)]
    records, pks, match_dates = member_records(stratification.cohort)
    grouped = [r for r in records if labels.get(str(pks[r.key])) in order]
    not_assigned = sum(1 for r in records if str(pks[r.key]) not in labels)
    in_excluded = len(records) - len(grouped) - not_assigned
    try:
        times = strata.durations(
            grouped,
            outcomes_of(pks[r.key] for r in grouped),
            index=index_date,
            event=event,
            line=therapy_line,
            match_dates=match_dates,
            time_unit=time_unit,
        )
    except ValueError as exc:
        raise CohortInputError(str(exc)) from exc
    if not times.keys:
        raise CohortInputError("no patient of these subgroups has follow-up from the index date")
    by_key = {r.key: r for r in records}
    outcomes = outcomes_of(pks[r.key] for r in grouped)
    frame = pd.DataFrame(
        {"time": times.time, "event": times.event, "group": [labels[str(pks[k])] for k in times.keys]}
    )
    for name in covariates:
        frame[name] = [_covariate_values(name, by_key[k]) for k in times.keys]
    if competing_death:
        frame["event_type"] = [
            0 if not e else (1 if _progressed_first(outcomes[k]) else 2)
            for k, e in zip(times.keys, times.event.tolist(), strict=True)
        ]
    design_excluded: dict[str, int] = {}
    if treatment_design != SurvivalAnalysis.TreatmentDesign.COMPARISON and drug is not None:
        frame, design_excluded, order = _treatment_frame(
            frame, times, by_key, drug, stratification, treatment_design, landmark_time, index_date,
            therapy_line, match_dates, time_unit,
        )  # fmt: skip
    try:
        table = survival.prepare_table(
            frame,
            time="time",
            event="event",
            group="group",
            covariates=list(covariates),
            time_unit=time_unit,
            source="cohort",
            event_type="event_type" if competing_death else None,
            start="start" if "start" in frame.columns else None,
        )
    except survival.SurvivalInputError as exc:
        raise CohortInputError(str(exc)) from exc
    table = dataclasses.replace(
        table,
        group_order=tuple(g for g in order if g in table.group_order),
        group_column=_group_column(stratification),
    )
    result = survival.analyse(table, _options(analysis, times.description))
    summary = survival.to_dict(result)
    summary["outcome"] = times.description
    summary["design"] = {
        "treatment_design": treatment_design,
        "landmark_time": landmark_time,
        "note": DESIGN_NOTES[SurvivalAnalysis.TreatmentDesign(treatment_design)]
        or (IMMORTAL_TIME_WARNING if drug is not None else ""),
        "competing_death": competing_death,
    }
    summary["excluded"] = {
        **times.excluded,
        **design_excluded,
        **({"not assigned to a subgroup": not_assigned} if not_assigned else {}),
        **({"in subgroups left out": in_excluded} if in_excluded else {}),
    }
    summary["cohort_size"] = len(records)
    analysis.result = summary
    analysis.inputs = _inputs(table)
    with transaction.atomic():
        analysis.save()
        audit.record(
            actor=user,
            action="cohorts.analysis_created",
            object_type="cohorts.SurvivalAnalysis",
            object_id=analysis.pk,
            details={
                "stratification": stratification.pk,
                "index_date": index_date,
                "event": event,
                "sponsor_facing": sponsor_facing,
            },
        )
    return analysis


def _progressed_first(outcome: strata.Outcome) -> bool:
    """Progression on or before death (the same day counts as progression)."""
    return outcome.progression is not None and (outcome.death is None or outcome.progression <= outcome.death)


def _treatment_frame(
    frame: pd.DataFrame,
    times: strata.Durations,
    by_key: dict[str, PatientRecord],
    drug: dict[str, str],
    stratification: Stratification,
    design: str,
    landmark_time: float | None,
    index_date: str,
    therapy_line: int,
    match_dates: dict[str, dt.date],
    time_unit: str,
) -> tuple[pd.DataFrame, dict[str, int], list[str]]:
    """The analysed rows of a treatment design, with the treatment status as each row's group."""
    groups = list((stratification.result or {})["groups"])
    no, yes = groups[0], groups[1]
    scale = DAYS_PER_MONTH if time_unit == "months" else 1.0
    treated_after: list[float | None] = []
    for key in times.keys:
        record = by_key[key]
        start = strata.index_date(record, index_date, line=therapy_line, match_date=match_dates.get(key))
        first = facts.first_received(record, drug=drug.get("drug"), drug_class=drug.get("drug_class"))
        treated_after.append(None if first is None or start is None else (first - start).days / scale)
    if design == SurvivalAnalysis.TreatmentDesign.LANDMARK:
        rows = treatment.landmark(times.time, times.event, treated_after, float(landmark_time or 0))
        out = frame.loc[rows.keep].reset_index(drop=True)
        out["time"] = rows.time
        out["group"] = [yes if t else no for t in rows.treated]
        lost = int((~rows.keep).sum())
        return out, ({"event or end of follow-up before the landmark": lost} if lost else {}), [no, yes]
    split = treatment.split_at_treatment(times.time, times.event, treated_after)
    out = frame.iloc[split.owner].reset_index(drop=True)
    out["start"] = split.start
    out["time"] = split.stop
    out["event"] = split.event
    out["group"] = [yes if t else no for t in split.treated]
    if "event_type" in out.columns:
        out["event_type"] = np.where(split.event == 1, out["event_type"], 0)
    return out, {}, [no, yes]


def _group_column(stratification: Stratification) -> str:
    return "subgroup"


def _inputs(table: survival.SurvivalTable) -> dict[str, Any]:
    return {
        "time": table.time.tolist(),
        "event": table.event.tolist(),
        "group": [str(g) for g in table.group.tolist()],
        "group_order": list(table.group_order),
        "covariates": [
            {"term": c.term, "column": c.column, "values": c.values.tolist()} for c in table.covariates
        ],
        "dropped": table.dropped,
        "time_unit": table.time_unit,
        "group_column": table.group_column,
        "covariate_columns": list(table.covariate_columns),
        "start": None if table.start is None else table.start.tolist(),
        "event_type": None if table.event_type is None else table.event_type.tolist(),
    }


def stored_result(analysis: SurvivalAnalysis) -> survival.SurvivalResult:
    """The analysis recomputed from its stored table (identical numbers), for plots."""
    data = analysis.inputs
    table = survival.SurvivalTable(
        time=np.asarray(data["time"], dtype=float),
        event=np.asarray(data["event"], dtype=int),
        group=np.asarray(data["group"], dtype=object),
        group_order=tuple(data["group_order"]),
        covariates=tuple(
            survival.Covariate(c["term"], c["column"], np.asarray(c["values"], dtype=float))
            for c in data["covariates"]
        ),
        dropped=data["dropped"],
        time_unit=data["time_unit"],
        group_column=data["group_column"],
        covariate_columns=tuple(data["covariate_columns"]),
        start=None if data.get("start") is None else np.asarray(data["start"], dtype=float),
        event_type=None if data.get("event_type") is None else np.asarray(data["event_type"], dtype=int),
        event_type_column="event_type" if data.get("event_type") is not None else None,
        start_column="start" if data.get("start") is not None else None,
    )
    return survival.analyse(table, _options(analysis, analysis.result.get("outcome", "")))


def render_plot(analysis: SurvivalAnalysis, plot: str, fmt: str) -> bytes:
    if fmt not in plots.FORMATS:
        raise CohortInputError(f"format: choose from {', '.join(plots.FORMATS)}")
    result = stored_result(analysis)
    title = f"{analysis.stratification.cohort.name}: {analysis.get_event_display()}"
    if plot == "km":
        return plots.km_plot(result, fmt, title=title)
    if plot == "forest":
        return plots.forest_plot(result, fmt, title=title)
    if plot == "cif":
        if result.competing is None:
            raise CohortInputError("plot: this analysis has no competing risks")
        return plots.cif_plot(result, fmt, title=title)
    raise CohortInputError("plot: choose km, forest or cif")
