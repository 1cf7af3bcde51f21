"""A chunk's results: computed with the engine as columns, stored by replacing earlier results.

Eligible and possible pairs become fixed-width `Match` rows (COPY on PostgreSQL, one multi-row INSERT per
batch elsewhere) pointing at their plan's `VerdictPattern`; ineligible pairs one packed `IneligibleBlock`
per plan. Nothing is ranked here: lists are ordered when read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection

from apps.patients.models import Patient

from .. import scoring
from ..engine import FeatureStore
from ..models import IneligibleBlock, Match, MatchCount, MatchRun, VerdictPattern
from . import evaluation, ineligible
from . import features as feature_store
from .plans import Plan

_BATCH = 900  # ids per IN (...) list: under SQLite's bound-parameter limit
_STATUS_NAMES = np.array([scoring.INELIGIBLE, scoring.POSSIBLE, scoring.ELIGIBLE], dtype=object)


@dataclass(frozen=True)
class Computed:
    """The patients (primary keys, in the order of every column) and per plan (same order as the plans)
    the engine's columns."""

    patients: npt.NDArray[np.int64]
    columns: list[evaluation.PlanColumns]


def features(patient_ids: Sequence[int], as_of: dt.date) -> tuple[FeatureStore, npt.NDArray[np.int64]]:
    """The columnar features of these patients on `as_of` (from the feature store), and their primary keys
    in store order."""
    snap, pks = feature_store.snapshot(patient_ids)
    return FeatureStore.on(snap, as_of), pks


def compute(plans: Sequence[Plan], patient_ids: Sequence[int], as_of: dt.date) -> Computed:
    store, pks = features(patient_ids, as_of)
    return Computed(pks, evaluation.evaluate_plans([plan.criteria for plan in plans], store, as_of))


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
    "unknown_count",
    "pattern_id",
)


def _write_matches(rows: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL (its bulk-loading path); elsewhere one prepared multi-row INSERT per batch. Values
    are already database values."""
    if not rows:
        return
    table = connection.ops.quote_name(Match._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _MATCH_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        one = "(" + ", ".join(["%s"] * len(_MATCH_COLUMNS)) + ")"
        per_statement = max(1, 30_000 // len(_MATCH_COLUMNS))  # under every backend's parameter limit
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(batch))}",
                [v for row in batch for v in row],
            )


def _digest(plan: Plan, codes: bytes) -> str:
    head = f"{plan.version_pk}/{plan.revision_pk or ''}/{plan.arm_pk or ''}/"
    return hashlib.sha256(head.encode() + codes).hexdigest()


def _pattern_ids(plans: Sequence[Plan], columns: Sequence[evaluation.PlanColumns]) -> list[list[int]]:
    """Per plan, the `VerdictPattern` id of each of its patterns, storing the new ones. Concurrent chunks
    meeting the same new pattern store it once (the insert ignores the unique conflict, then reads)."""
    wanted: dict[tuple[int, str], tuple[Plan, evaluation.Pattern]] = {}
    digests: list[list[str]] = []
    for plan, col in zip(plans, columns, strict=True):
        names = [_digest(plan, p.codes) for p in col.patterns]
        digests.append(names)
        for name, pattern in zip(names, col.patterns, strict=True):
            wanted[(plan.version_pk, name)] = (plan, pattern)
    found: dict[tuple[int, str], int] = {}

    def read() -> None:
        # Few queries whatever the number of versions: the digests of many versions in one IN list.
        missing = sorted(k for k in wanted if k not in found)
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            rows = VerdictPattern.objects.filter(
                criteria_version_id__in={v for v, _ in batch}, digest__in=[d for _, d in batch]
            ).values_list("criteria_version_id", "digest", "pk")
            found.update(((v, d), pk) for v, d, pk in rows if (v, d) in wanted)

    read()
    new = [
        VerdictPattern(
            criteria_version_id=plan.version_pk,
            revision_id=plan.revision_pk,
            arm_id=plan.arm_pk,
            digest=digest,
            verdicts=pattern.verdicts,
            missing=pattern.missing,
            met_count=pattern.met,
            unknown_count=pattern.unknown,
            not_met_count=pattern.not_met,
        )
        # In one order for every chunk: two chunks inserting the same new patterns wait, never deadlock.
        for (version, digest), (plan, pattern) in sorted(wanted.items(), key=lambda item: item[0])
        if (version, digest) not in found
    ]
    if new:
        VerdictPattern.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        read()
    return [[found[(plan.version_pk, d)] for d in names] for plan, names in zip(plans, digests, strict=True)]


def _in(ids: Sequence[int]) -> str:
    return ", ".join(str(int(i)) for i in ids) or "NULL"


def replace(
    run: MatchRun, chunk: int, plans: Sequence[Plan], patient_ids: Sequence[int], computed: Computed
) -> int:
    """Inside the caller's transaction: drop any stored result of these pairs (Match rows and ineligible
    block entries, of any run), write the new ones; returns the number of pairs. Locks the patients first
    (in key order) so overlapping runs write one at a time. Every pair thus has exactly one current
    result."""
    versions = sorted({p.version_pk for p in plans})
    table = connection.ops.quote_name(Match._meta.db_table)
    with connection.cursor() as cursor:
        for batch in _batches(patient_ids):
            list(Patient.objects.select_for_update().filter(pk__in=batch).order_by("pk").values_list("pk"))
        for batch in _batches(patient_ids):
            cursor.execute(
                f"DELETE FROM {table} WHERE patient_id IN ({_in(batch)}) "
                f"AND criteria_version_id IN ({_in(versions)})"
            )
    ineligible.remove_pairs(patient_ids, versions)
    MatchCount.objects.filter(run=run, chunk_index=chunk).delete()
    pattern_ids = _pattern_ids(plans, computed.columns)
    as_of = connection.ops.adapt_datefield_value(run.as_of)
    patients = computed.patients
    rows: list[tuple[Any, ...]] = []
    blocks: list[IneligibleBlock] = []
    counts: list[MatchCount] = []
    pairs = 0
    for plan, col, ids in zip(plans, computed.columns, pattern_ids, strict=True):
        tally = np.bincount(col.status, minlength=3)
        out = col.status == 0
        failing = col.failing[out]
        by_criterion = np.bincount(failing, minlength=len(col.criterion_ids)).tolist() if len(failing) else []
        at = np.flatnonzero(~out)
        if len(at):
            mfits = [None if v != v else v for v in col.molecular_fit[at].tolist()]  # NaN: none
            pattern_of = np.asarray(ids, dtype=np.int64)[col.pattern[at]]
            n = len(at)
            rows.extend(
                zip(
                    [run.pk] * n,
                    [chunk] * n,
                    [plan.trial_pk] * n,
                    [plan.arm_pk] * n,
                    patients[at].tolist(),
                    [plan.version_pk] * n,
                    [as_of] * n,
                    _STATUS_NAMES[col.status[at]].tolist(),
                    col.score[at].tolist(),
                    mfits,
                    col.phenotypic_fit[at].tolist(),
                    col.unknown[at].tolist(),
                    pattern_of.tolist(),
                    strict=True,
                )
            )
        pairs += len(col.status)
        packed = ineligible.block(
            run,
            chunk,
            plan,
            patients[out],
            failing.astype(np.int64),
            col.criterion_ids,
            col.score[out],
            col.molecular_fit[out],
            col.phenotypic_fit[out],
            col.unknown[out],
        )
        if packed is not None:
            blocks.append(packed)
        counts.append(
            MatchCount(
                run=run,
                chunk_index=chunk,
                trial_id=plan.trial_pk,
                arm_id=plan.arm_pk,
                eligible=int(tally[2]),
                possible=int(tally[1]),
                ineligible=int(tally[0]),
                ineligible_by_criterion={
                    col.criterion_ids[i]: int(c) for i, c in enumerate(by_criterion) if c
                },
            )
        )
    _write_matches(rows)
    IneligibleBlock.objects.bulk_create(blocks, batch_size=200)
    MatchCount.objects.bulk_create(counts, batch_size=500)
    return pairs


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
        StoredPair(*row, first_failing="")
        for row in Match.objects.values_list(
            "patient_id",
            "trial_id",
            "arm_id",
            "criteria_version_id",
            "run_id",
            "status",
            "score",
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
