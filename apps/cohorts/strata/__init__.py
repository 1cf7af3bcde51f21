"""Stratifying a cohort into subgroups (pure: plain patient records in, an Assignment out).

    stratify(kind, parameters, records, outcomes=..., progress=...) -> Assignment

kinds: "biomarker" and "attribute" (rules.py), "learned_clusters" (k-means, k by silhouette) and
"learned_survival" (cross-validated Cox risk groups); see check_parameters for each kind's fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from apps.matching.records import PatientRecord

from . import learned
from .features import FeatureMatrix, build_features
from .outcomes import EVENTS, INDEX_DATES, Durations, Outcome, durations, index_date
from .rules import ATTRIBUTES, BIOMARKER_RULES, UNKNOWN, Assignment, Rule, StrataInputError, parse_rule

KINDS = ("biomarker", "attribute", "learned_clusters", "learned_survival")
LEARNED_DEFAULTS: dict[str, dict[str, Any]] = {
    "learned_clusters": {"k_min": 2, "k_max": 8, "seed": 0},
    "learned_survival": {
        "groups": 3,
        "folds": 5,
        "penalizer": 0.1,
        "seed": 0,
        "index": "diagnosis",
        "event": "death",
        "line": 1,
    },
}

__all__ = [
    "ATTRIBUTES",
    "BIOMARKER_RULES",
    "EVENTS",
    "INDEX_DATES",
    "KINDS",
    "UNKNOWN",
    "Assignment",
    "Durations",
    "FeatureMatrix",
    "Outcome",
    "Rule",
    "StrataInputError",
    "build_features",
    "check_parameters",
    "durations",
    "index_date",
    "parse_rule",
    "stratify",
]


def _int(params: Mapping[str, Any], name: str) -> int:
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise StrataInputError(f"parameters: field '{name}': {value!r} is not a whole number")
    return value


def check_parameters(kind: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters with defaults filled in; StrataInputError names the bad field."""
    if kind not in KINDS:
        raise StrataInputError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    if not isinstance(parameters, Mapping):
        raise StrataInputError("parameters: expected an object")
    if kind in ("biomarker", "attribute"):
        parse_rule(kind, parameters)
        return dict(parameters)
    merged = {**LEARNED_DEFAULTS[kind], **parameters}
    unknown = sorted(set(merged) - set(LEARNED_DEFAULTS[kind]))
    if unknown:
        raise StrataInputError(f"parameters: unknown field(s) {', '.join(unknown)} for {kind}")
    for name, default in LEARNED_DEFAULTS[kind].items():
        if isinstance(default, int):
            _int(merged, name)
        elif isinstance(default, float) and (
            isinstance(merged[name], bool) or not isinstance(merged[name], int | float)
        ):
            raise StrataInputError(f"parameters: field '{name}': {merged[name]!r} is not a number")
    if kind == "learned_survival":
        if merged["index"] not in INDEX_DATES:
            raise StrataInputError(f"parameters: field 'index': not one of {', '.join(INDEX_DATES)}")
        if merged["event"] not in EVENTS:
            raise StrataInputError(f"parameters: field 'event': not one of {', '.join(EVENTS)}")
    return merged


def stratify(
    kind: str,
    parameters: Mapping[str, Any],
    records: Sequence[PatientRecord],
    *,
    outcomes: Mapping[str, Outcome] | None = None,
    match_dates: Mapping[str, dt.date] | None = None,
    progress: learned.Progress = learned._quiet,
) -> Assignment:
    params = check_parameters(kind, parameters)
    if kind in ("biomarker", "attribute"):
        result = parse_rule(kind, params).assign(records)
        progress(1.0, "rule applied")
        return result
    if not records:
        raise StrataInputError("the cohort has no patients")
    if kind == "learned_clusters":
        return learned.clusters(
            build_features(records),
            k_min=params["k_min"],
            k_max=params["k_max"],
            seed=params["seed"],
            progress=progress,
        )
    times = durations(
        records,
        outcomes or {},
        index=params["index"],
        event=params["event"],
        line=params["line"],
        match_dates=match_dates,
    )
    by_key = {r.key: r for r in records}
    matrix = build_features([by_key[k] for k in times.keys]) if times.keys else None
    if matrix is None:
        raise StrataInputError("no patient has follow-up from the index date")
    assignment = learned.survival_split(
        matrix,
        times.time,
        times.event,
        groups=params["groups"],
        folds=params["folds"],
        penalizer=float(params["penalizer"]),
        seed=params["seed"],
        progress=progress,
    )
    details = {**assignment.details, "outcome": times.description, "excluded": times.excluded}
    return Assignment(assignment.groups, assignment.labels, details)
