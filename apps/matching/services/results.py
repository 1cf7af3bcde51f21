"""A chunk's results: computed with the engine, stored by replacing earlier results, then ranked."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from apps.patients.models import Patient
from apps.trials.models import CriteriaVersion

from ..models import IneligibleBlock, Match, MatchChunk, MatchCount, MatchRun
from ..patient_records import build_records
from . import evaluation, ineligible
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


_MATCH_COLUMNS = (
    "run_id",
    "chunk_index",
    "trial_id",
    "arm_id",
    "patient_id",
    "criteria_version_id",
    "as_of",
    "status",
    "score",
    "molecular_fit",
    "phenotypic_fit",
    "verdicts",
    "missing",
    "met_count",
    "unknown_count",
    "not_met_count",
    "first_failing",
    "computed_at",
)
_JSON_COLUMNS = {"verdicts", "missing"}


def _insert_matches(rows: list[tuple[Any, ...]]) -> None:
    """One prepared multi-row INSERT per batch: the ORM's per-field value preparation is most of the cost of
    bulk_create here. Values are already database values (JSON as text, dates adapted)."""
    if not rows:
        return
    json_cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    one = "(" + ", ".join(json_cast if c in _JSON_COLUMNS else "%s" for c in _MATCH_COLUMNS) + ")"
    table = connection.ops.quote_name(Match._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _MATCH_COLUMNS)
    per_statement = max(1, 30_000 // len(_MATCH_COLUMNS))  # under every backend's parameter limit
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            values = ", ".join([one] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values}", [v for row in batch for v in row]
            )


def replace(
    run: MatchRun, chunk: int, plans: Sequence[Plan], patient_ids: Sequence[int], computed: Computed
) -> int:
    """Inside the caller's transaction: drop any stored result of these pairs (Match rows and ineligible
    block entries, of any run), write the new ones; returns the number of pairs. Locks the patients first
    (in key order) so overlapping runs write one at a time.

    Eligible and possible pairs become `Match` rows with their verdicts; ineligible pairs one packed
    `IneligibleBlock` per plan. Every pair thus has exactly one current result."""
    versions = sorted({p.version_pk for p in plans})
    for batch in _batches(patient_ids):
        list(Patient.objects.select_for_update().filter(pk__in=batch).order_by("pk").values_list("pk"))
    for batch in _batches(patient_ids):
        Match.objects.filter(patient_id__in=batch, criteria_version_id__in=versions).delete()
    ineligible.remove_pairs(patient_ids, versions)
    MatchCount.objects.filter(run=run, chunk_index=chunk).delete()
    ops = connection.ops
    as_of = ops.adapt_datefield_value(run.as_of)
    now = ops.adapt_datetimefield_value(timezone.now())
    rows: list[tuple[Any, ...]] = []
    blocks: list[IneligibleBlock] = []
    counts: list[MatchCount] = []
    pairs = 0
    for plan, outcomes in zip(plans, computed.outcomes, strict=True):
        tally: Counter[str] = Counter()
        failing: Counter[str] = Counter()
        out_pairs: list[tuple[int, evaluation.Outcome]] = []
        for patient_pk, out in outcomes:
            tally[out.status] += 1
            if out.status == Match.Status.INELIGIBLE:
                failing[out.first_failing] += 1
                out_pairs.append((patient_pk, out))
                continue
            verdicts_json, missing_json = out.as_json()
            rows.append(
                (
                    run.pk,
                    chunk,
                    plan.trial_pk,
                    plan.arm_pk,
                    patient_pk,
                    plan.version_pk,
                    as_of,
                    out.status,
                    out.score,
                    out.molecular_fit,
                    out.phenotypic_fit,
                    verdicts_json,
                    missing_json,
                    out.met,
                    out.unknown,
                    out.not_met,
                    "",
                    now,
                )
            )
        pairs += len(outcomes)
        packed = ineligible.block(run, chunk, plan, out_pairs)
        if packed is not None:
            blocks.append(packed)
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
    _insert_matches(rows)
    IneligibleBlock.objects.bulk_create(blocks, batch_size=200)
    MatchCount.objects.bulk_create(counts, batch_size=500)
    return pairs


def _in_list(column: str, ids: Sequence[int] | None) -> str:
    """`column IN (...)` with the ids inlined (integers from our own rows), or TRUE for None (all)."""
    if ids is None:
        return "1 = 1"
    return f"{column} IN ({', '.join(str(int(i)) for i in ids) or 'NULL'})"


def rank(run_id: int) -> None:
    """Rank the current `Match` rows (eligible and possible) of every trial arm and patient this run covered
    (1 = best); ineligible pairs are ranked after them at export.

    Within a trial arm and criteria version by score, then patient; for a patient across the current
    criteria versions of all trials by score, then trial and arm. Results for superseded versions keep
    their verdicts but lose their patient rank. Patients of the run whose results all became ineligible
    are covered too (their other trials move up).
    """
    run = MatchRun.objects.get(pk=run_id)
    named_patients = run.scope.get("patients") is not None
    patient_ids: list[int] | None = None
    if named_patients:
        patient_ids = sorted(
            {
                pk
                for ids in MatchChunk.objects.filter(run=run).values_list("patient_ids", flat=True)
                for pk in ids
            }
        )
    table = Match._meta.db_table
    version_table = CriteriaVersion._meta.db_table
    current = (
        f"SELECT v.id FROM {version_table} v WHERE v.number = "
        f"(SELECT MAX(w.number) FROM {version_table} w WHERE w.trial_id = v.trial_id)"
    )
    trials = f"SELECT trial_id FROM {version_table} WHERE {_in_list('id', run.criteria_versions)}"
    patients = _in_list("patient_id", patient_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET rank_in_trial = ranked.r FROM (
                SELECT id, ROW_NUMBER() OVER (
                    PARTITION BY trial_id, arm_id, criteria_version_id ORDER BY score DESC, patient_id
                ) AS r
                FROM {table}
                WHERE trial_id IN ({trials})
            ) AS ranked
            WHERE {table}.id = ranked.id
            """
        )
        cursor.execute(
            f"""
            UPDATE {table} SET rank_for_patient = NULL
            WHERE rank_for_patient IS NOT NULL AND {patients} AND criteria_version_id NOT IN ({current})
            """
        )
        cursor.execute(
            f"""
            UPDATE {table} SET rank_for_patient = ranked.r FROM (
                SELECT id, ROW_NUMBER() OVER (
                    PARTITION BY patient_id ORDER BY score DESC, trial_id, arm_id
                ) AS r
                FROM {table}
                WHERE {patients} AND criteria_version_id IN ({current})
            ) AS ranked
            WHERE {table}.id = ranked.id
            """
        )


@dataclass(frozen=True)
class StoredPair:
    patient_id: int
    trial_id: int
    arm_id: int | None
    criteria_version_id: int
    run_id: int
    status: str
    score: float
    first_failing: str


def stored_pairs() -> list[StoredPair]:
    """Every stored current result, from `Match` rows and ineligible blocks alike (for checks and tests:
    reads everything)."""
    out = [
        StoredPair(*row)
        for row in Match.objects.values_list(
            "patient_id",
            "trial_id",
            "arm_id",
            "criteria_version_id",
            "run_id",
            "status",
            "score",
            "first_failing",
        )
    ]
    out.extend(
        StoredPair(
            e.patient_id,
            e.trial_id,
            e.arm_id,
            e.criteria_version_id,
            e.run_id,
            Match.Status.INELIGIBLE,
            e.score,
            e.first_failing,
        )
        for e in ineligible.entries(IneligibleBlock.objects.all())
    )
    return out
