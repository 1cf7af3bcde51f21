"""Incremental matching: an import that commits queues the re-matching of what it changed (one task per
import, run after the commit), and nothing when it is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.matching import selectors
from apps.matching.models import MatchRun
from apps.patients import services as patients
from apps.patients.models import Patient
from apps.trials import services as trials
from apps.trials.models import CriteriaVersion, Trial

pytestmark = pytest.mark.django_db


# Each test imports first with re-matching off: inside a test everything is one transaction, so a request
# made then would be the one pending for the imports that follow.


@pytest.fixture
def dev(shared_data: Path) -> Path:
    return shared_data / "eval" / "matching_dev"


def test_importing_trials_queues_one_run_of_their_new_versions_against_every_patient(
    dev: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MATCHING_REMATCH_AFTER_IMPORT = False
    assert patients.import_paths([dev / "patients"], workers=0).ok
    settings.MATCHING_REMATCH_AFTER_IMPORT = True

    with django_capture_on_commit_callbacks(execute=True):
        assert trials.import_path(dev / "trials.json").ok

    (run,) = MatchRun.objects.all()
    assert run.status == MatchRun.Status.COMPLETED, run.failure_reason
    assert run.pairs_done == run.pairs_total > 0
    assert set(run.scope["trials"]) == set(Trial.objects.recruiting().values_list("trial_id", flat=True))
    listed = selectors.counts_by_trial(Trial.objects.all(), patients=Patient.objects.all())
    assert sum(c["eligible"] + c["possible"] for c in listed.values()) >= 8


def test_importing_a_patient_queues_its_rematch_and_its_lists_show_the_result(
    dev: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MATCHING_REMATCH_AFTER_IMPORT = False
    assert trials.import_path(dev / "trials.json").ok
    settings.MATCHING_REMATCH_AFTER_IMPORT = True
    patient_file = dev / "patients" / "NCT01638676-elig.json"

    with django_capture_on_commit_callbacks(execute=True):
        assert patients.import_paths([patient_file], workers=0).ok

    (run,) = MatchRun.objects.all()
    assert run.status == MatchRun.Status.COMPLETED and run.scope["patients"] == 1
    (patient,) = Patient.objects.all()
    assert "NCT01638676" in {m.trial.trial_id for m in selectors.for_patient(patient)}


def test_reimporting_an_unchanged_patient_or_a_refused_file_queues_nothing(
    dev: Path, settings: Any, django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    patient_file = dev / "patients" / "NCT01638676-elig.json"
    settings.MATCHING_REMATCH_AFTER_IMPORT = False
    assert patients.import_paths([patient_file], workers=0).ok
    settings.MATCHING_REMATCH_AFTER_IMPORT = True
    broken = tmp_path / "broken.json"
    broken.write_text('{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Nonsense"}}]}')

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert patients.import_paths([patient_file], workers=0).ok
        assert not patients.import_paths([broken], workers=0).ok

    assert callbacks == []
    assert not MatchRun.objects.exists()


CTML = """
protocol_no: 10-003
status: open to accrual
treatment_list:
  step:
    - step_code: '1'
      arm:
        - {{arm_code: ARM 1, arm_suspended: N, match: [{{clinical: {{age_numerical: '>=18'}}}}]}}
        - {{arm_code: ARM 2, arm_suspended: {suspended}, match: [{{clinical: {{age_numerical: '>=18'}}}}]}}
"""


def test_reimporting_a_trial_with_an_arm_reopened_queues_its_rematch_against_every_patient(
    dev: Path, settings: Any, django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    settings.MATCHING_REMATCH_AFTER_IMPORT = False
    closed, reopened = tmp_path / "closed.yaml", tmp_path / "reopened.yaml"
    closed.write_text(CTML.format(suspended="Y"))
    reopened.write_text(CTML.format(suspended="N"))
    assert trials.import_path(closed).ok
    assert patients.import_paths([dev / "patients"], workers=0).ok
    settings.MATCHING_REMATCH_AFTER_IMPORT = True

    with django_capture_on_commit_callbacks(execute=True):
        assert trials.import_path(reopened).ok

    run, *again = MatchRun.objects.order_by("pk")
    # a second run only applies a review flag the first raised (more than half of a mixed cohort eligible)
    flagged = CriteriaVersion.objects.filter(trial__trial_id="10-003").exclude(review_flags=[]).exists()
    assert not again or (flagged and [r.scope for r in again] == [run.scope])
    assert run.status == MatchRun.Status.COMPLETED, run.failure_reason
    assert run.scope["trials"] == ["10-003"] and run.scope["patients"] is None
    assert run.pairs_done == run.pairs_total == Patient.objects.count() * 2  # both arms are open now
    assert Trial.objects.get(trial_id="10-003").arms.get(code="ARM 2").status == "open"


def test_reimporting_a_trial_with_its_arms_unchanged_queues_nothing(
    settings: Any, django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    settings.MATCHING_REMATCH_AFTER_IMPORT = False
    closed = tmp_path / "closed.yaml"
    closed.write_text(CTML.format(suspended="Y"))
    assert trials.import_path(closed).ok
    settings.MATCHING_REMATCH_AFTER_IMPORT = True

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert trials.import_path(closed).ok

    assert callbacks == [] and not MatchRun.objects.exists()
