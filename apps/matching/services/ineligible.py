"""Ineligible results packed per (run, chunk, plan): building blocks, removing superseded pairs, reading."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ..models import IneligibleBlock, MatchRun
from . import evaluation
from .plans import Plan

_DIGITS = 6  # scores and fits are kept to 6 decimals: ranks and exports need no more


@dataclass(frozen=True)
class IneligibleEntry:
    """One ineligible pair as stored in a block."""

    run_id: int
    trial_id: int
    arm_id: int | None
    criteria_version_id: int
    patient_id: int
    as_of: dt.date
    first_failing: str
    score: float
    molecular_fit: float | None
    phenotypic_fit: float | None
    unknown_count: int


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, _DIGITS)


def block(
    run: MatchRun, chunk: int, plan: Plan, pairs: Sequence[tuple[int, evaluation.Outcome]]
) -> IneligibleBlock | None:
    """The block of one plan's ineligible pairs (patient pk, outcome), or None when there are none."""
    ordered = sorted(pairs, key=lambda pair: pair[0])
    if not ordered:
        return None
    failing_ids: dict[str, int] = {}
    failing = [failing_ids.setdefault(out.first_failing, len(failing_ids)) for _, out in ordered]
    return IneligibleBlock(
        run=run,
        chunk_index=chunk,
        trial_id=plan.trial_pk,
        arm_id=plan.arm_pk,
        criteria_version_id=plan.version_pk,
        as_of=run.as_of,
        size=len(ordered),
        patient_min=ordered[0][0],
        patient_max=ordered[-1][0],
        patient_ids=[pk for pk, _ in ordered],
        failing_ids=list(failing_ids),
        failing=failing,
        scores=[_round(out.score) for _, out in ordered],
        molecular_fits=[_round(out.molecular_fit) for _, out in ordered],
        phenotypic_fits=[_round(out.phenotypic_fit) for _, out in ordered],
        unknown_counts=[out.unknown for _, out in ordered],
    )


_LISTS = ("patient_ids", "failing", "scores", "molecular_fits", "phenotypic_fits", "unknown_counts")


def remove_pairs(patient_ids: Sequence[int], version_pks: Sequence[int]) -> int:
    """Inside the caller's transaction: drop these patients' entries, for these criteria versions, from every
    block (any run); blocks left empty are deleted. Locks the blocks it reads, in primary-key order, so two
    chunks pruning disjoint patients of one older block do not lose each other's update. Returns the number
    of entries removed."""
    if not patient_ids or not version_pks:
        return 0
    wanted = set(patient_ids)
    candidates = list(
        IneligibleBlock.objects.select_for_update()
        .filter(
            criteria_version_id__in=list(version_pks),
            patient_min__lte=max(wanted),
            patient_max__gte=min(wanted),
        )
        .order_by("pk")
        .values_list("pk", "patient_ids")
    )
    emptied: list[int] = []
    partly: dict[int, list[int]] = {}
    removed = 0
    for pk, ids in candidates:
        keep = [i for i, patient in enumerate(ids) if patient not in wanted]
        removed += len(ids) - len(keep)
        if not keep:
            emptied.append(pk)
        elif len(keep) < len(ids):
            partly[pk] = keep
    for start in range(0, len(emptied), 900):
        IneligibleBlock.objects.filter(pk__in=emptied[start : start + 900]).delete()
    for row in IneligibleBlock.objects.filter(pk__in=list(partly)):
        keep = partly[row.pk]
        for name in _LISTS:
            values = getattr(row, name)
            setattr(row, name, [values[i] for i in keep])
        row.size = len(keep)
        row.patient_min = min(row.patient_ids)
        row.patient_max = max(row.patient_ids)
        row.save(update_fields=[*_LISTS, "size", "patient_min", "patient_max"])
    return removed


def entries(blocks: Iterable[IneligibleBlock]) -> Iterator[IneligibleEntry]:
    """Unpack blocks into one entry per pair."""
    for b in blocks:
        for i, patient in enumerate(b.patient_ids):
            yield IneligibleEntry(
                run_id=b.run_id,
                trial_id=b.trial_id,
                arm_id=b.arm_id,
                criteria_version_id=b.criteria_version_id,
                patient_id=patient,
                as_of=b.as_of,
                first_failing=b.failing_ids[b.failing[i]],
                score=b.scores[i],
                molecular_fit=b.molecular_fits[i],
                phenotypic_fit=b.phenotypic_fits[i],
                unknown_count=b.unknown_counts[i],
            )
