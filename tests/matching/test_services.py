"""Match runs against the database: idempotency, failure with reason, replacement, pinning, ranks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.matching import services as matching
from apps.matching import tasks
from apps.matching.models import IneligibleBlock, Match, MatchChunk, MatchCount, MatchRun
from apps.matching.services import runs
from apps.patients.models import Diagnosis, Patient, PatientIdentity
from apps.trials.models import CriteriaVersion, Trial

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 1)


def criterion(cid: str, kind: str, rule: dict[str, Any], section: str = "inclusion") -> dict[str, Any]:
    return {
        "id": cid,
        "section": section,
        "text": cid,
        "span": [0, 1],
        "kind": kind,
        "computable": True,
        "negated": False,
        "rule": rule,
        "entities": [],
    }


def make_trial(trial_id: str, criteria: list[dict[str, Any]], **fields: Any) -> Trial:
    trial = Trial.objects.create(trial_id=trial_id, source="ctgov", overall_status="RECRUITING", **fields)
    CriteriaVersion.objects.create(
        trial=trial, number=1, text="x", text_sha256="0", parsed={"criteria": criteria}
    )
    return trial


def make_patient(key: str, *, born: dt.date, sex: str = "female", oncotree: str = "") -> Patient:
    patient = Patient.objects.create(key=key, sex=sex, birth_year=born.year)
    PatientIdentity.objects.create(patient=patient, birth_date=born)
    if oncotree:
        Diagnosis.objects.create(
            patient=patient,
            source_id=f"Condition/{key}",
            category="cancer",
            code_system="TEXT",
            oncotree_code=oncotree,
            is_primary=True,
            onset_date=dt.date(2026, 1, 1),
        )
    return patient


@pytest.fixture
def adults_trial_and_patients() -> Trial:
    trial = make_trial("NCT00000001", [], min_age_years=18)
    make_patient("adult-1", born=dt.date(1970, 5, 1), oncotree="LUAD")
    make_patient("adult-2", born=dt.date(1980, 5, 1))
    make_patient("child-1", born=dt.date(2015, 5, 1))
    return trial


def stored() -> list[tuple[str, str, int, str, int]]:
    """Every stored current result: (patient key, trial id, criteria version number, status, run pk)."""
    keys = dict(Patient.objects.values_list("pk", "key"))
    trials = dict(Trial.objects.values_list("pk", "trial_id"))
    numbers = dict(CriteriaVersion.objects.values_list("pk", "number"))
    return sorted(
        (keys[p.patient_id], trials[p.trial_id], numbers[p.criteria_version_id], p.status, p.run_id)
        for p in matching.stored_pairs()
    )


def run_now(django_capture_on_commit_callbacks: Any, **kwargs: Any) -> MatchRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = matching.request_run(as_of=AS_OF, **kwargs)
    run.refresh_from_db()
    return run


def test_same_idempotency_key_twice_creates_one_run(adults_trial_and_patients: Trial) -> None:
    first = matching.request_run(as_of=AS_OF, idempotency_key="nightly-2026-11-01")

    second = matching.request_run(as_of=AS_OF, idempotency_key="nightly-2026-11-01")

    assert first.pk == second.pk
    assert MatchRun.objects.count() == 1
    assert MatchChunk.objects.filter(run=first).count() == first.chunks_total == 1


def test_request_names_unknown_trial_and_patient_ids(adults_trial_and_patients: Trial) -> None:
    with pytest.raises(matching.MatchRequestError, match="NCT99999999"):
        matching.request_run(trials=["NCT00000001", "NCT99999999"], as_of=AS_OF)
    with pytest.raises(matching.MatchRequestError, match="nobody"):
        matching.request_run(patients=["adult-1", "nobody"], as_of=AS_OF)

    assert MatchRun.objects.count() == 0


def test_run_splits_patients_into_chunks_and_completes_with_one_result_per_pair(
    adults_trial_and_patients: Trial, django_capture_on_commit_callbacks: Any
) -> None:
    run = run_now(django_capture_on_commit_callbacks, patients_per_chunk=2)

    assert run.status == MatchRun.Status.COMPLETED
    assert (run.chunks_total, run.chunks_done, run.pairs_done) == (2, 2, 3)
    assert run.finished_at is not None and run.pairs_per_second is not None
    statuses = {key: status for key, _, _, status, _ in stored()}
    assert statuses["child-1"] == "ineligible"
    assert statuses["adult-1"] != "ineligible"
    assert not Match.objects.filter(patient__key="child-1").exists()
    (child,) = [p for p in matching.stored_pairs() if p.status == "ineligible"]
    assert child.first_failing == "AGE"
    assert AuditEvent.objects.filter(action="matching.run_completed", object_id=str(run.pk)).count() == 1


def test_ranks_put_eligible_before_possible_before_ineligible(
    adults_trial_and_patients: Trial, django_capture_on_commit_callbacks: Any
) -> None:
    run_now(django_capture_on_commit_callbacks)

    ranked = [(r["status"], r["rank"], r["rank_for_patient"]) for r in matching.current_rows()]

    order = {"eligible": 0, "possible": 1, "ineligible": 2}
    assert [r[1] for r in ranked] == [1, 2, 3]
    assert [order[r[0]] for r in ranked] == sorted(order[r[0]] for r in ranked)
    assert [r[2] for r in ranked if r[0] != "ineligible"] == [1, 1]


def test_rerun_replaces_results_instead_of_adding_rows(
    adults_trial_and_patients: Trial, django_capture_on_commit_callbacks: Any
) -> None:
    first = run_now(django_capture_on_commit_callbacks)
    before = [r[:4] for r in stored()]

    second = run_now(django_capture_on_commit_callbacks)

    assert len(stored()) == 3
    assert {r[4] for r in stored()} == {second.pk}
    assert [r[:4] for r in stored()] == before
    assert MatchCount.objects.filter(run=first).exists()
    assert not IneligibleBlock.objects.filter(run=first).exists()


def test_executing_a_done_chunk_again_changes_nothing(
    adults_trial_and_patients: Trial, django_capture_on_commit_callbacks: Any
) -> None:
    run = run_now(django_capture_on_commit_callbacks)
    before = (
        list(Match.objects.order_by("pk").values()),
        list(IneligibleBlock.objects.order_by("pk").values()),
    )

    matching.execute_chunk(run_id=run.pk, chunk=0)

    run.refresh_from_db()
    assert run.chunks_done == 1 and run.status == MatchRun.Status.COMPLETED
    after = list(Match.objects.order_by("pk").values()), list(IneligibleBlock.objects.order_by("pk").values())
    assert after == before


def test_new_criteria_version_gets_its_own_results_and_old_ones_stay_pinned(
    adults_trial_and_patients: Trial, django_capture_on_commit_callbacks: Any
) -> None:
    trial = adults_trial_and_patients
    run_now(django_capture_on_commit_callbacks)
    v2 = CriteriaVersion.objects.create(
        trial=trial,
        number=2,
        text="y",
        text_sha256="1",
        parsed={"criteria": [criterion("I1", "age", {"min": 50, "unit": "a"})]},
    )

    with django_capture_on_commit_callbacks(execute=True):
        matching.on_criteria_version(v2, as_of=AS_OF)

    assert len([r for r in stored() if r[2] == 1]) == 3
    assert len([r for r in stored() if r[2] == 2]) == 3
    assert ("adult-2", "NCT00000001", 2, "ineligible") in [r[:4] for r in stored()]
    assert {r["criteria_version"] for r in matching.current_rows()} == {v2.pk}
    assert {r["rank_for_patient"] for r in matching.current_rows() if r["status"] != "ineligible"} <= {1}


def test_changed_patient_is_matched_against_recruiting_trials_only(
    adults_trial_and_patients: Trial, django_capture_on_commit_callbacks: Any
) -> None:
    closed = Trial.objects.create(trial_id="NCT00000003", source="ctgov", overall_status="COMPLETED")
    CriteriaVersion.objects.create(trial=closed, number=1, text="", text_sha256="0", parsed={"criteria": []})
    patient = Patient.objects.get(key="adult-2")

    with django_capture_on_commit_callbacks(execute=True):
        run = matching.on_patient_changed(patient, as_of=AS_OF)

    assert {(r[0], r[1]) for r in stored() if r[4] == run.pk} == {("adult-2", "NCT00000001")}


def test_corrupt_stored_criteria_fail_the_run_with_the_reason_audited(
    django_capture_on_commit_callbacks: Any,
) -> None:
    trial = Trial.objects.create(trial_id="NCT00000009", source="ctgov", overall_status="RECRUITING")
    CriteriaVersion.objects.create(
        trial=trial,
        number=1,
        text="x",
        text_sha256="0",
        parsed={"criteria": [{"id": "I1", "text": "no kind"}]},
    )
    make_patient("p-1", born=dt.date(1970, 1, 1))

    run = run_now(django_capture_on_commit_callbacks)

    assert run.status == MatchRun.Status.FAILED
    assert "criteria version 1 of NCT00000009" in run.failure_reason
    assert "criteria[0].kind" in run.failure_reason
    event = AuditEvent.objects.get(action="matching.run_failed", object_id=str(run.pk))
    assert event.reason == run.failure_reason and event.new_value == "failed"
    assert MatchChunk.objects.get(run=run).status == MatchChunk.Status.FAILED
    assert stored() == []


def test_chunk_started_too_often_fails_the_run_instead_of_retrying_forever(
    adults_trial_and_patients: Trial,
) -> None:
    run = matching.request_run(as_of=AS_OF)
    MatchChunk.objects.filter(run=run).update(
        attempts=runs.MAX_CHUNK_ATTEMPTS, last_error="OperationalError: gone"
    )

    matching.execute_chunk(run_id=run.pk, chunk=0)

    run.refresh_from_db()
    assert run.status == MatchRun.Status.FAILED
    assert "OperationalError: gone" in run.failure_reason


def test_explain_gives_every_verdict_of_an_ineligible_pair(adults_trial_and_patients: Trial) -> None:
    child = Patient.objects.get(key="child-1")

    [explanation] = matching.explain(child, adults_trial_and_patients, AS_OF)

    assert explanation["status"] == "ineligible"
    assert explanation["first_failing"] == "AGE"
    assert {"id": "AGE", "verdict": "not_met"}.items() <= explanation["criteria"][0].items()


def test_run_without_patients_completes_at_once(django_capture_on_commit_callbacks: Any) -> None:
    make_trial("NCT00000001", [])

    run = run_now(django_capture_on_commit_callbacks)

    assert run.status == MatchRun.Status.COMPLETED and run.chunks_total == 0


def test_stored_verdicts_of_a_possible_match_agree_with_the_on_demand_explanation(
    django_capture_on_commit_callbacks: Any,
) -> None:
    trial = make_trial(
        "NCT00000042",
        [
            criterion("I1", "diagnosis", {"oncotree": ["NSCLC"]}),
            criterion("I2", "performance_status", {"scale": "ECOG", "min": 0, "max": 1}),
            criterion("E1", "condition", {"condition": "brain_metastases"}, section="exclusion"),
        ],
        min_age_years=18,
    )
    patient = make_patient("luad-1", born=dt.date(1970, 5, 1), oncotree="LUAD")

    run_now(django_capture_on_commit_callbacks, trials=[trial])

    stored = Match.objects.get(patient=patient, trial=trial)
    (explained,) = matching.explain(patient, trial, AS_OF)
    assert stored.status == explained["status"] == "possible"
    assert [(v["id"], v["verdict"]) for v in stored.verdicts] == [
        (v["id"], v["verdict"]) for v in explained["criteria"]
    ]
    assert stored.missing == explained["missing"]
    assert "ECOG" in " ".join(stored.missing)


def test_chunk_size_adapts_to_the_number_of_plans_and_patients() -> None:
    assert matching.chunk_size(430, 20_000) == 930  # many plans: about 400,000 pairs a chunk
    assert matching.chunk_size(1, 20_000) == 2_500  # one trial: big chunks, still 8 for the workers
    assert matching.chunk_size(430, 50) == 100  # a few patients: one chunk
    assert matching.chunk_size(1, 1_000_000) == 10_000
    assert matching.chunk_size(430, 20_000, override=7) == 7


def test_periodic_requeue_finishes_a_chunk_left_running_by_a_lost_worker(
    adults_trial_and_patients: Trial,
) -> None:

    run = matching.request_run(as_of=AS_OF)  # enqueued on commit, which never comes in this test
    long_ago = timezone.now() - dt.timedelta(hours=1)
    MatchRun.objects.filter(pk=run.pk).update(status=MatchRun.Status.RUNNING, started_at=long_ago)
    MatchChunk.objects.filter(run=run).update(
        status=MatchChunk.Status.RUNNING, attempts=1, enqueued_at=long_ago, started_at=long_ago
    )

    sent = tasks.requeue_stalled_chunks()

    run.refresh_from_db()
    assert sent == 1
    assert run.status == MatchRun.Status.COMPLETED, run.failure_reason
    assert MatchChunk.objects.get(run=run).attempts == 2
    assert len(stored()) == 3


def test_a_run_after_criteria_or_trial_fields_changed_in_place_uses_the_new_content(
    adults_trial_and_patients: Trial, django_capture_on_commit_callbacks: Any
) -> None:
    trial = adults_trial_and_patients
    run_now(django_capture_on_commit_callbacks)
    assert {k: s for k, _, _, s, _ in stored()}["child-1"] == "ineligible"
    Trial.objects.filter(pk=trial.pk).update(min_age_years=None)
    CriteriaVersion.objects.filter(trial=trial).update(
        parsed={"criteria": [criterion("I1", "diagnosis", {"oncotree": ["NSCLC"]})]}
    )

    run_now(django_capture_on_commit_callbacks)

    statuses = {k: s for k, _, _, s, _ in stored()}
    assert statuses == {"adult-1": "eligible", "adult-2": "possible", "child-1": "possible"}
