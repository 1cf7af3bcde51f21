"""A trial's de-identified counts from the centre's patients: every patient judged against the trial's
current criteria by the matching engine, then protected as one release (tables.TrialTables)."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Count, Max

from apps.cohorts.models import Stratification, SurvivalAnalysis
from apps.matching import scoring, selectors
from apps.matching.eligibility import prepare
from apps.matching.engine import FeatureStore, compile_trials, match_all
from apps.matching.models import MatchRun
from apps.matching.patient_records import build_records
from apps.matching.records import PatientRecord
from apps.matching.services import plans_for
from apps.patients.models import Patient
from apps.screening import selectors as screening_selectors
from apps.screening import workflow
from apps.screening.models import Screening
from apps.trials.models import Trial

from .disclosure import THRESHOLD
from .tables import Criterion, Median, Row, TrialTables
from .tables import Stratification as Stratum

DIMENSIONS = (
    "site",
    "cancer_type",
    "stage",
    "age_band",
    "sex",
    "race",
    "ethnicity",
    "EGFR",
    "KRAS",
    "ALK",
    "BRAF",
    "ERBB2",
)
GENES = ("EGFR", "KRAS", "ALK", "BRAF", "ERBB2")
_CACHE: OrderedDict[tuple[Any, ...], tuple[TrialTables, list[dict[str, Any]], list[PatientRecord]]] = (
    OrderedDict()
)
_CACHE_SIZE = 16
_CACHE_LOCK = threading.Lock()  # threaded servers share the cache
_COMPUTING: dict[tuple[Any, ...], threading.Lock] = {}


class WhatIfError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    for upper, label in ((40, "<40"), (50, "40-49"), (60, "50-59"), (65, "60-64"), (75, "65-74")):
        if age < upper:
            return label
    return "75+"


def _attributes(record: PatientRecord, patient: tuple[str, str, str], as_of: dt.date) -> dict[str, str]:
    site, race, ethnicity = patient
    born = record.birth_date
    age = (
        None if born is None else as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
    )
    primary = next((d for d in record.diagnoses if d.category == "cancer" and d.is_primary), None)
    primary = primary or next((d for d in record.diagnoses if d.category == "cancer"), None)
    stage = (primary.stage or "").upper() if primary else ""
    roman = next((s for s in ("IV", "III", "II", "I") if stage.startswith(s)), "unknown")
    out = {
        "site": site or "unknown",
        "sex": record.sex or "unknown",
        "race": race or "unknown",
        "ethnicity": ethnicity or "unknown",
        "age_band": age_band(age),
        "cancer_type": (primary.oncotree_code or "unknown") if primary else "unknown",
        "stage": roman,
    }
    for gene in GENES:
        results = [f for f in record.findings if f.gene == gene]
        out[gene] = (
            "untested" if not results else ("detected" if any(f.present for f in results) else "negative")
        )
    return out


def _plan_criteria(trial: Trial) -> list[dict[str, Any]]:
    version = trial.current_version()
    if version is None:
        return []
    plans = plans_for([version.pk], include_closed=True)
    trial_plans = [p for p in plans if p.arm_pk is None] or plans
    return list(trial_plans[0].criteria) if trial_plans else []


def _judge(
    criteria: list[dict[str, Any]], records: Sequence[PatientRecord], as_of: dt.date
) -> list[tuple[str, frozenset[str]]]:
    """(status, ids of the top-level criteria not met) per record."""
    prepared = prepare(criteria, strict=False)
    if not records:
        return []
    if not prepared.tops:
        return [(scoring.ELIGIBLE, frozenset()) for _ in records]
    program = compile_trials([prepared])
    results = match_all(program, FeatureStore.build(records, as_of), verdicts=True)
    assert results.verdicts is not None
    width = len(prepared.tops)
    codes = results.verdicts[program.top_matrix[0, :width]].T
    ids = [top.node.id for top in prepared.tops]
    statuses = results.status[0].tolist()
    out = []
    for j in range(len(records)):
        fails = frozenset(ids[i] for i in range(width) if codes[j, i] == 0)
        out.append((scoring.STATUS_NAMES[statuses[j]], fails))
    return out


def _population_stamp(trial: Trial) -> tuple[Any, ...]:
    """Changes whenever anything a release counts may have changed: patients, results, workflow, strata."""
    # Index reads only (patients are never deleted): the newest patient and the latest change to one.
    stats = Patient.objects.aggregate(last=Max("pk"), at=Max("updated_at"))
    screenings = Screening.objects.filter(trial=trial).aggregate(n=Count("pk"), at=Max("changed_at"))
    strata = Stratification.objects.filter(cohort__trial=trial).aggregate(
        n=Count("pk"), at=Max("finished_at")
    )
    last_run = MatchRun.objects.filter(status=MatchRun.Status.COMPLETED).aggregate(at=Max("finished_at"))
    return (*stats.values(), *screenings.values(), *strata.values(), last_run["at"])


def _workflow(trial: Trial) -> dict[int, str]:
    """Each matched or screened patient's workflow status for the trial (matched, not yet screened: new)."""
    statuses = dict.fromkeys(selectors.matched_patients(trial), workflow.NEW)
    statuses.update(screening_selectors.latest_status_by_patient(trial))
    return statuses


def _strata(trial: Trial) -> tuple[list[Stratum], dict[int, dict[str, str]]]:
    """The completed stratifications of the trial's cohorts, and each member's group in them."""
    found: list[Stratum] = []
    groups_of: dict[int, dict[str, str]] = {}
    completed = Stratification.objects.filter(
        cohort__trial=trial, status=Stratification.Status.COMPLETED
    ).order_by("pk")
    for stratification in completed:
        key = str(stratification.pk)
        result = stratification.result or {}
        for pk, group in (result.get("labels") or {}).items():
            groups_of.setdefault(int(pk), {})[f"stratum:{key}"] = str(group)
        analysis = (
            SurvivalAnalysis.objects.filter(stratification=stratification, sponsor_facing=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        medians: dict[str, Median] = {}
        if analysis is not None:
            unit = analysis.time_unit
            for group in analysis.result.get("groups") or []:
                if group.get("too_small") or int(group.get("n") or 0) < THRESHOLD:
                    continue
                lower, upper = (group.get("median_ci") or [None, None])[:2]
                medians[str(group["name"])] = Median(group.get("median"), lower, upper, unit)
        found.append(
            Stratum(
                key,
                stratification.kind,
                tuple(str(g) for g in stratification.groups),
                analysis.event if analysis is not None else "",
                medians,
            )
        )
    return found, groups_of


def tables_for(trial: Trial, *, as_of: dt.date | None = None) -> TrialTables:
    return _load(trial, as_of or dt.date.today())[0]


def _load(trial: Trial, as_of: dt.date) -> tuple[TrialTables, list[dict[str, Any]], list[PatientRecord]]:
    version = trial.current_version()
    key = (trial.pk, version.pk if version else None, as_of, _population_stamp(trial))
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        computing = _COMPUTING.setdefault(key, threading.Lock())
    # One thread computes a release; concurrent requests for it wait and share it.
    with computing:
        with _CACHE_LOCK:
            if key in _CACHE:
                return _CACHE[key]
        loaded = _compute(trial, as_of)
        with _CACHE_LOCK:
            _CACHE[key] = loaded
            _COMPUTING.pop(key, None)
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return loaded


def _compute(trial: Trial, as_of: dt.date) -> tuple[TrialTables, list[dict[str, Any]], list[PatientRecord]]:
    patients = {
        pk: (site or "", race, ethnicity)
        for pk, site, race, ethnicity in Patient.objects.values_list("pk", "site__name", "race", "ethnicity")
    }
    records = build_records(sorted(patients))
    by_key = dict(Patient.objects.values_list("key", "pk"))
    criteria = _plan_criteria(trial)
    judged = _judge(criteria, records, as_of)
    statuses = _workflow(trial)
    strata, groups_of = _strata(trial)
    rows = []
    for record, (status, fails) in zip(records, judged, strict=True):
        pk = by_key[record.key]
        attributes = _attributes(record, patients[pk], as_of)
        attributes["workflow"] = statuses.get(pk, "none")
        attributes["died"] = "yes" if record.death_date else "no"
        attributes.update(groups_of.get(pk, {}))
        rows.append(Row(status, fails, attributes))
    tops = [Criterion(str(c.get("id")), str(c.get("text", ""))[:200]) for c in criteria]
    tables = TrialTables(rows, tops, DIMENSIONS, funnel=workflow.STATUSES, strata=strata)
    return tables, criteria, records


_CHANGEABLE = {"min", "max", "days", "min_lines", "max_lines"}


def _find(criteria: list[dict[str, Any]], cid: str) -> dict[str, Any] | None:
    for c in criteria:
        if str(c.get("id")) == cid:
            return c
        found = _find(list(c.get("children") or []), cid)
        if found is not None:
            return found
    return None


def what_if(
    trial: Trial, *, drop: Sequence[str], change: Sequence[Mapping[str, Any]], as_of: dt.date | None = None
) -> dict[str, Any]:
    """Counts if `drop` were dropped and `change` applied ({"criterion", "min"/"max"/"days"/...}); raises
    WhatIfError naming an unknown criterion or bound."""
    as_of = as_of or dt.date.today()
    tables, criteria, records = _load(trial, as_of)
    ids = {c.id for c in tables.criteria}
    unknown = [c for c in drop if c not in ids]
    if unknown:
        raise WhatIfError("drop", f"no top-level criterion {', '.join(unknown)} in the current criteria")
    changed_rows = None
    if change:
        modified = copy.deepcopy(criteria)
        for i, item in enumerate(change):
            cid = str(item.get("criterion", ""))
            target = _find(modified, cid)
            if target is None:
                raise WhatIfError(f"change[{i}].criterion", f"no criterion {cid!r} in the current criteria")
            bounds = {k: v for k, v in item.items() if k != "criterion"}
            if not bounds:
                raise WhatIfError(
                    f"change[{i}]", "name a bound to change: min, max, days, min_lines or max_lines"
                )
            rule = target.get("rule")
            for name, value in bounds.items():
                if name not in _CHANGEABLE or not isinstance(rule, dict) or name not in rule:
                    raise WhatIfError(
                        f"change[{i}].{name}", f"criterion {cid} has no bound {name!r} to change"
                    )
                if value is not None and not isinstance(value, int | float):
                    raise WhatIfError(f"change[{i}].{name}", "a bound is a number or null")
                rule[name] = value
        judged = _judge(modified, records, as_of)
        changed_rows = [Row(s, f, row.attributes) for row, (s, f) in zip(tables.rows, judged, strict=True)]
    return {
        "drop": list(drop),
        "change": [dict(c) for c in change],
        **tables.what_if(set(drop), changed_rows),
    }
