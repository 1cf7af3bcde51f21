"""A chunk's results: computed with the engine, stored by replacing earlier results, then ranked."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from apps.patients.models import Patient

from ..models import Match, MatchCount, MatchRun
from ..patient_records import build_records
from . import evaluation
from .plans import Plan

_BATCH = 900  # ids per IN (...) list: under SQLite's bound-parameter limit


@dataclass(frozen=True)
class Computed:
    """Per plan (same order as the plans), the outcome per patient primary key."""

    outcomes: list[list[tuple[int, evaluation.Outcome]]]


def compute(plans: Sequence[Plan], patient_ids: Sequence[int], as_of: dt.date) -> Computed:
    records = build_records(patient_ids)
    pk_by_key = dict(Patient.objects.filter(pk__in=list(patient_ids)).values_list("key", "pk"))
    pks = [pk_by_key[r.key] for r in records]
    per_plan = evaluation.evaluate_plans([plan.criteria for plan in plans], records, as_of)
    return Computed([list(zip(pks, outcomes, strict=True)) for outcomes in per_plan])


def _batches(ids: Sequence[int]) -> list[list[int]]:
    ordered = sorted(ids)
    return [ordered[i : i + _BATCH] for i in range(0, len(ordered), _BATCH)]


def replace(
    run: MatchRun, chunk: int, plans: Sequence[Plan], patient_ids: Sequence[int], computed: Computed
) -> int:
    """Inside the caller's transaction: drop any stored result of these pairs, write the new ones; returns
    the number of pairs. Locks the patients first (in key order) so overlapping runs write one at a time."""
    versions = sorted({p.version_pk for p in plans})
    for batch in _batches(patient_ids):
        list(Patient.objects.select_for_update().filter(pk__in=batch).order_by("pk").values_list("pk"))
    for batch in _batches(patient_ids):
        Match.objects.filter(patient_id__in=batch, criteria_version_id__in=versions).delete()
    MatchCount.objects.filter(run=run, chunk_index=chunk).delete()
    rows: list[Match] = []
    counts: list[MatchCount] = []
    for plan, outcomes in zip(plans, computed.outcomes, strict=True):
        tally: Counter[str] = Counter()
        failing: Counter[str] = Counter()
        for patient_pk, out in outcomes:
            tally[out.status] += 1
            keep_detail = out.status != Match.Status.INELIGIBLE
            if not keep_detail:
                failing[out.first_failing] += 1
            rows.append(
                Match(
                    run=run,
                    chunk_index=chunk,
                    trial_id=plan.trial_pk,
                    arm_id=plan.arm_pk,
                    patient_id=patient_pk,
                    criteria_version_id=plan.version_pk,
                    as_of=run.as_of,
                    status=out.status,
                    score=out.score,
                    molecular_fit=out.molecular_fit,
                    phenotypic_fit=out.phenotypic_fit,
                    verdicts=out.verdicts if keep_detail else [],
                    missing=out.missing if keep_detail else [],
                    met_count=out.met,
                    unknown_count=out.unknown,
                    not_met_count=out.not_met,
                    first_failing="" if keep_detail else out.first_failing,
                )
            )
        counts.append(
            MatchCount(
                run=run,
                chunk_index=chunk,
                trial_id=plan.trial_pk,
                arm_id=plan.arm_pk,
                eligible=tally[Match.Status.ELIGIBLE],
                possible=tally[Match.Status.POSSIBLE],
                ineligible=tally[Match.Status.INELIGIBLE],
                ineligible_by_criterion=dict(sorted(failing.items())),
            )
        )
    Match.objects.bulk_create(rows, batch_size=1000)
    MatchCount.objects.bulk_create(counts)
    return len(rows)


def rank(run_id: int) -> None:
    """Rank the current results of every trial arm and patient this run touched (1 = best).

    Within a trial arm and criteria version by score, then patient; for a patient across the current
    criteria versions of all trials by score, then trial and arm. Results for superseded versions keep
    their verdicts but lose their patient rank.
    """
    table = Match._meta.db_table
    version_table = Match._meta.get_field("criteria_version").related_model._meta.db_table
    current = (
        f"SELECT v.id FROM {version_table} v WHERE v.number = "
        f"(SELECT MAX(w.number) FROM {version_table} w WHERE w.trial_id = v.trial_id)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET rank_in_trial = ranked.r FROM (
                SELECT id, ROW_NUMBER() OVER (
                    PARTITION BY trial_id, arm_id, criteria_version_id ORDER BY score DESC, patient_id
                ) AS r
                FROM {table}
                WHERE trial_id IN (SELECT DISTINCT trial_id FROM {table} WHERE run_id = %s)
            ) AS ranked
            WHERE {table}.id = ranked.id
            """,
            [run_id],
        )
        cursor.execute(
            f"""
            UPDATE {table} SET rank_for_patient = NULL
            WHERE patient_id IN (SELECT DISTINCT patient_id FROM {table} WHERE run_id = %s)
              AND criteria_version_id NOT IN ({current})
            """,
            [run_id],
        )
        cursor.execute(
            f"""
            UPDATE {table} SET rank_for_patient = ranked.r FROM (
                SELECT id, ROW_NUMBER() OVER (
                    PARTITION BY patient_id ORDER BY score DESC, trial_id, arm_id
                ) AS r
                FROM {table}
                WHERE patient_id IN (SELECT DISTINCT patient_id FROM {table} WHERE run_id = %s)
                  AND criteria_version_id IN ({current})
            ) AS ranked
            WHERE {table}.id = ranked.id
            """,
            [run_id],
        )
