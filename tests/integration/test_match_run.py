"""Match runs through real Celery worker processes on Redis and PostgreSQL (PROMISES 19-21)."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest

from apps.audit.models import AuditEvent
from apps.matching import services as matching
from apps.matching.models import FeatureBlock, IneligibleBlock, Match, MatchChunk, MatchRun, VerdictPattern
from apps.matching.services import features
from apps.patients import services as patients
from apps.patients.models import Patient
from apps.trials import services as trials
from apps.trials.models import CriteriaVersion

from .conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

AS_OF = dt.date(2026, 11, 1)


@pytest.fixture
def dev_set(shared_data: Any) -> None:
    """The matching development set: 8 real trials, 40 FHIR patients (320 pairs)."""
    dev = shared_data / "eval" / "matching_dev"
    assert trials.import_path(dev / "trials.json").ok
    assert patients.import_paths([dev / "patients"]).ok


def stored_results() -> set[tuple[Any, ...]]:
    """Every current pair as the export ranks it, with its verdicts and missing data."""
    return {
        (
            r["patient"],
            r["trial"],
            r["arm"],
            r["criteria_version"],
            r["status"],
            round(r["score"], 6),
            r["molecular_fit"],
            r["phenotypic_fit"],
            r["rank"],
            r["rank_for_patient"],
            json.dumps(r["criteria"], sort_keys=True),
            json.dumps(r["missing"]),
            r["unknown_count"],
            r["first_failing"],
        )
        for r in matching.current_rows()
    }


def stored_ineligible() -> set[tuple[Any, ...]]:
    """Ineligible pairs as the export rebuilds them from the packed blocks (with their rank)."""
    return {
        (
            r["patient"],
            r["trial"],
            r["arm"],
            r["criteria_version"],
            r["status"],
            r["score"],
            r["molecular_fit"],
            r["phenotypic_fit"],
            r["rank"],
            r["unknown_count"],
            r["first_failing"],
        )
        for r in matching.current_rows(statuses=["ineligible"])
    }


def stored_pair_count() -> int:
    return len(matching.stored_pairs())


def finished(run: MatchRun) -> bool:
    run.refresh_from_db()
    return run.status in (MatchRun.Status.COMPLETED, MatchRun.Status.FAILED)


def test_run_through_real_workers_completes_with_one_result_per_pair(
    dev_set: None, start_worker: Any
) -> None:
    start_worker(concurrency=2)

    run = matching.request_run(as_of=AS_OF, patients_per_chunk=8)
    run = matching.wait_for_run(run, timeout=180)

    assert run.status == MatchRun.Status.COMPLETED, run.failure_reason
    assert (run.chunks_done, run.chunks_total, run.pairs_done) == (5, 5, 320)
    assert stored_pair_count() == 320
    assert not Match.objects.filter(status="ineligible").exists()
    assert IneligibleBlock.objects.filter(run=run).exists()
    assert Match.objects.exists() and VerdictPattern.objects.count() < Match.objects.count()
    assert run.pairs_per_second and run.started_at and run.finished_at


def test_worker_killed_mid_run_still_ends_with_exactly_the_undisturbed_results(
    dev_set: None, start_worker: Any
) -> None:
    first = start_worker(concurrency=1)
    undisturbed = matching.wait_for_run(matching.request_run(as_of=AS_OF, patients_per_chunk=1), timeout=300)
    assert undisturbed.status == MatchRun.Status.COMPLETED, undisturbed.failure_reason
    expected = stored_results()

    run = matching.request_run(as_of=AS_OF, patients_per_chunk=1)
    wait_for(lambda: MatchRun.objects.get(pk=run.pk).chunks_done >= 2, timeout=120, what="two chunks done")
    first.kill()
    run.refresh_from_db()
    assert run.status == MatchRun.Status.RUNNING and run.chunks_done < run.chunks_total
    start_worker(concurrency=2)
    # The killed worker's unacknowledged chunk would come back after Redis' visibility timeout; the waiter
    # sends stalled chunks again after a few seconds instead.
    run = matching.wait_for_run(run, timeout=300, stale_after=3)

    assert run.status == MatchRun.Status.COMPLETED, run.failure_reason
    assert run.chunks_done == run.chunks_total == 40
    assert stored_pair_count() == 320
    assert {p.run_id for p in matching.stored_pairs()} == {run.pk}
    assert stored_results() == expected
    assert stored_ineligible() and len(stored_results()) == 320


def test_same_idempotency_key_twice_creates_one_run_and_one_set_of_tasks(
    dev_set: None, start_worker: Any
) -> None:
    start_worker()

    first = matching.request_run(as_of=AS_OF, idempotency_key="nightly-2026-11-01")
    second = matching.request_run(as_of=AS_OF, idempotency_key="nightly-2026-11-01")
    matching.wait_for_run(first, timeout=180)

    assert first.pk == second.pk
    assert MatchRun.objects.filter(idempotency_key="nightly-2026-11-01").count() == 1
    assert MatchChunk.objects.filter(run=first).count() == first.chunks_total
    assert stored_pair_count() == 320


def test_chunk_that_keeps_failing_ends_the_run_failed_with_the_reason_audited(
    dev_set: None, start_worker: Any
) -> None:
    version = CriteriaVersion.objects.get(trial__trial_id="NCT01638676")
    CriteriaVersion.objects.filter(pk=version.pk).update(parsed={"criteria": "not a list of criteria"})
    start_worker()

    run = matching.request_run(as_of=AS_OF, patients_per_chunk=8)
    wait_for(lambda: finished(run), timeout=180, what="the run to end")

    assert run.status == MatchRun.Status.FAILED
    assert "criteria version 1 of NCT01638676" in run.failure_reason
    assert "expected a list of criteria" in run.failure_reason
    assert AuditEvent.objects.filter(action="matching.run_failed", object_id=str(run.pk)).count() == 1
    time.sleep(1)
    run.refresh_from_db()
    assert run.status == MatchRun.Status.FAILED


def actionable() -> set[tuple[Any, ...]]:
    return {
        (r["patient"], r["trial"], r["arm"], r["status"], round(r["score"], 9))
        for r in matching.current_rows(statuses=["eligible", "possible"])
    }


def test_workers_elsewhere_give_exactly_the_results_of_an_in_process_run(
    dev_set: None, start_worker: Any, tmp_path: Path
) -> None:
    in_process = matching.request_run(as_of=AS_OF, patients_per_chunk=8)
    for chunk in range(in_process.chunks_total):
        matching.execute_chunk(run_id=in_process.pk, chunk=chunk)
    in_process.refresh_from_db()
    assert in_process.status == MatchRun.Status.COMPLETED, in_process.failure_reason
    expected = actionable()
    built = set(FeatureBlock.objects.values_list("block", "version", "built_version", "built_at"))
    elsewhere = tmp_path / "worker-home"
    elsewhere.mkdir()
    start_worker(concurrency=2, cwd=elsewhere)

    run = matching.wait_for_run(matching.request_run(as_of=AS_OF, patients_per_chunk=3), timeout=300)

    assert run.status == MatchRun.Status.COMPLETED, run.failure_reason
    assert {p.run_id for p in matching.stored_pairs()} == {run.pk}
    assert expected and actionable() == expected
    # The workers read the features the import stored in the database; they built none of their own.
    assert built and all(version == b for _, version, b, _ in built)
    assert set(FeatureBlock.objects.values_list("block", "version", "built_version", "built_at")) == built


def test_a_changed_fact_reaches_workers_elsewhere_through_the_feature_store(
    dev_set: None, shared_data: Any, start_worker: Any, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "worker-home"
    elsewhere.mkdir()
    start_worker(concurrency=1, cwd=elsewhere)
    before = matching.wait_for_run(matching.request_run(as_of=AS_OF), timeout=300)
    assert before.status == MatchRun.Status.COMPLETED, before.failure_reason
    doc = json.loads(
        (shared_data / "eval" / "matching_dev" / "patients" / "NCT01638676-elig.json").read_text()
    )
    (person,) = [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Patient"]
    patient = Patient.objects.get(key=person["id"])
    assert Match.objects.filter(patient=patient, trial__trial_id="NCT01638676").exists()  # not ineligible
    block = FeatureBlock.objects.get(block=features.blocks_of([patient.pk])[0])
    person["birthDate"] = "2020-01-01"  # a child now: too young for the trial
    (tmp_path / "younger.json").write_text(json.dumps(doc))

    assert patients.import_paths([tmp_path / "younger.json"]).ok
    after = matching.wait_for_run(matching.request_run(as_of=AS_OF, patients=[patient]), timeout=300)

    assert after.status == MatchRun.Status.COMPLETED, after.failure_reason
    changed = FeatureBlock.objects.get(block=block.block)
    assert changed.version == block.version + 1 == changed.built_version
    assert not Match.objects.filter(
        patient=patient, trial__trial_id="NCT01638676", status="eligible"
    ).exists()
