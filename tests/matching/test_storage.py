"""How results are stored: eligible and possible pairs as Match rows, ineligible ones packed per run chunk,
and every pair of a completed run with exactly one current result (PROMISES 19)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db import transaction

from apps.matching import services as matching
from apps.matching.models import IneligibleBlock, Match, MatchChunk, MatchRun, VerdictPattern
from apps.matching.services import ineligible as packing
from apps.matching.services import results
from apps.matching.services.plans import plans_for
from apps.patients.models import Patient
from apps.trials.models import Trial

from .test_services import criterion, make_patient, make_trial

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 1)


@pytest.fixture
def two_trials_and_patients() -> list[Trial]:
    adults = make_trial("NCT00000001", [], min_age_years=18)
    lung = make_trial(
        "NCT00000002",
        [
            criterion("I1", "diagnosis", {"oncotree": ["NSCLC"]}),
            criterion("I2", "performance_status", {"scale": "ECOG", "min": 0, "max": 1}),
        ],
        min_age_years=40,
    )
    make_patient("luad-old", born=dt.date(1960, 5, 1), oncotree="LUAD")
    make_patient("luad-young", born=dt.date(1995, 5, 1), oncotree="LUAD")
    make_patient("brca", born=dt.date(1970, 5, 1), oncotree="BRCA")
    make_patient("child-1", born=dt.date(2015, 5, 1))
    make_patient("child-2", born=dt.date(2016, 5, 1))
    make_patient("adult", born=dt.date(1980, 5, 1))
    return [adults, lung]


def run_now(capture: Any, **kwargs: Any) -> MatchRun:
    with capture(execute=True):
        run = matching.request_run(as_of=AS_OF, **kwargs)
    run.refresh_from_db()
    assert run.status == MatchRun.Status.COMPLETED, run.failure_reason
    return run


def pairs_per_key() -> Counter[tuple[int, int, int | None, int]]:
    return Counter(
        (p.patient_id, p.trial_id, p.arm_id, p.criteria_version_id) for p in matching.stored_pairs()
    )


def explained_statuses(trials: list[Trial]) -> dict[tuple[str, str], str]:
    return {
        (patient.key, trial.trial_id): matching.explain(patient, trial, AS_OF)[0]["status"]
        for patient in Patient.objects.all()
        for trial in trials
    }


def stored_statuses() -> dict[tuple[str, str], str]:
    keys = dict(Patient.objects.values_list("pk", "key"))
    trials = dict(Trial.objects.values_list("pk", "trial_id"))
    return {(keys[p.patient_id], trials[p.trial_id]): p.status for p in matching.stored_pairs()}


def test_ineligible_pairs_are_packed_per_run_chunk_and_plan_not_stored_as_match_rows(
    two_trials_and_patients: list[Trial], django_capture_on_commit_callbacks: Any
) -> None:
    run = run_now(django_capture_on_commit_callbacks, patients_per_chunk=4)

    statuses = stored_statuses()
    ineligible = [pair for pair, status in statuses.items() if status == "ineligible"]
    assert ineligible and len(statuses) == 12
    assert not Match.objects.filter(status="ineligible").exists()
    assert Match.objects.count() == 12 - len(ineligible)
    blocks = list(IneligibleBlock.objects.filter(run=run))
    assert {(b.chunk_index, b.trial_id) for b in blocks} <= {
        (c, t.pk) for c in (0, 1) for t in Trial.objects.all()
    }
    assert sum(b.size for b in blocks) == len(ineligible)
    for b in blocks:
        patients = packing.unpack(b.packed, b.size)["patient"].tolist()
        assert patients == sorted(patients)
        assert len(b.packed) == 20 * b.size


def test_every_pair_has_exactly_one_current_result_across_overlapping_runs_and_chunkings(
    two_trials_and_patients: list[Trial], django_capture_on_commit_callbacks: Any
) -> None:
    trials = two_trials_and_patients
    expected = explained_statuses(trials)

    first = run_now(django_capture_on_commit_callbacks, patients_per_chunk=4)
    partial = run_now(
        django_capture_on_commit_callbacks, patients=["child-2", "luad-young"], patients_per_chunk=1
    )
    counts_after_partial = pairs_per_key()
    runs_after_partial = {(p.patient_id, p.trial_id): p.run_id for p in matching.stored_pairs()}
    last = run_now(django_capture_on_commit_callbacks, patients_per_chunk=5)

    assert set(counts_after_partial.values()) == {1} and len(counts_after_partial) == 12
    named = set(Patient.objects.filter(key__in=["child-2", "luad-young"]).values_list("pk", flat=True))
    assert {run for (patient, _), run in runs_after_partial.items() if patient in named} == {partial.pk}
    assert {run for (patient, _), run in runs_after_partial.items() if patient not in named} == {first.pk}
    counts = pairs_per_key()
    assert set(counts.values()) == {1} and len(counts) == 12
    assert {p.run_id for p in matching.stored_pairs()} == {last.pk}
    assert not IneligibleBlock.objects.exclude(run=last).exists()
    assert stored_statuses() == expected


def test_replacing_a_chunk_twice_gives_the_same_stored_results(
    two_trials_and_patients: list[Trial], django_capture_on_commit_callbacks: Any
) -> None:
    run = run_now(django_capture_on_commit_callbacks, patients_per_chunk=3)
    chunk = MatchChunk.objects.get(run=run, index=1)
    plans = plans_for(run.criteria_versions)
    before = sorted(matching.stored_pairs(), key=repr)

    with transaction.atomic():
        results.replace(run, 1, plans, chunk.patient_ids, results.compute(plans, chunk.patient_ids, AS_OF))

    assert sorted(matching.stored_pairs(), key=repr) == before
    assert IneligibleBlock.objects.filter(run=run, chunk_index=1).count() <= len(plans)


def test_export_lists_ineligible_pairs_after_the_others_with_their_first_failing_criterion(
    two_trials_and_patients: list[Trial], django_capture_on_commit_callbacks: Any
) -> None:
    run_now(django_capture_on_commit_callbacks, patients_per_chunk=2)

    rows = list(matching.current_rows(trial="NCT00000001"))

    assert [r["rank"] for r in rows] == list(range(1, 7))
    statuses = [r["status"] for r in rows]
    assert statuses == sorted(statuses, key=["eligible", "possible", "ineligible"].index)
    children = [r for r in rows if r["patient"].startswith("child")]
    assert {r["status"] for r in children} == {"ineligible"}
    assert all(r["first_failing"] == "AGE" and r["criteria"][0]["id"] == "AGE" for r in children)
    only = list(matching.current_rows(statuses=["ineligible"]))
    assert {(r["trial"], r["patient"]) for r in only} == {
        (t, k) for (k, t), s in stored_statuses().items() if s == "ineligible"
    }


def test_pairs_with_the_same_verdicts_share_one_stored_pattern_across_chunks_and_runs(
    two_trials_and_patients: list[Trial], django_capture_on_commit_callbacks: Any
) -> None:
    run_now(django_capture_on_commit_callbacks, patients_per_chunk=1)
    patterns_after_first = VerdictPattern.objects.count()
    run_now(django_capture_on_commit_callbacks, patients_per_chunk=4)

    adults = Match.objects.filter(trial__trial_id="NCT00000001")
    assert adults.count() == 4
    assert adults.values("pattern").distinct().count() == 1
    assert VerdictPattern.objects.count() == patterns_after_first
    assert VerdictPattern.objects.count() < Match.objects.count()
    (luad,) = Match.objects.filter(trial__trial_id="NCT00000002", patient__key="luad-old")
    assert [(v["id"], v["verdict"]) for v in luad.verdicts] == [
        ("AGE", "met"),
        ("I1", "met"),
        ("I2", "unknown"),
    ]
    assert luad.missing and luad.pattern.unknown_count == luad.unknown_count == 1
