"""The selectors read current eligible and possible results, scoped to the patients a caller may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from apps.accounts.models import Site
from apps.matching import selectors
from apps.patients.models import Patient
from apps.trials.models import CriteriaVersion, Trial
from tests.matching.test_services import criterion, make_patient, make_trial, run_now

pytestmark = pytest.mark.django_db


def _run_lung_trial(capture: Any) -> Trial:
    trial = make_trial("NCT00000001", [criterion("c1", "diagnosis", {"oncotree": ["NSCLC"]})])
    site = Site.objects.create(code="a", name="Site A")
    for key, code in (("p-lung", "LUAD"), ("p-lung2", "LUSC"), ("p-breast", "BRCA"), ("p-none", "")):
        patient = make_patient(key, born=dt.date(1960, 1, 1), oncotree=code)
        patient.site = site
        patient.save()
    run_now(capture)
    return trial


def test_worklist_lists_eligible_before_possible_and_leaves_out_ineligible(
    django_capture_on_commit_callbacks: Any,
) -> None:
    trial = _run_lung_trial(django_capture_on_commit_callbacks)

    rows = list(selectors.for_trial(trial, patients=Patient.objects.all()))

    assert [(m.patient.key, m.status) for m in rows][:2] == [("p-lung", "eligible"), ("p-lung2", "eligible")]
    assert {m.patient.key for m in rows} == {"p-lung", "p-lung2", "p-none"}
    assert rows[-1].status == "possible"
    assert selectors.missing_of(rows[-1])
    assert {v["verdict"] for v in selectors.verdicts_of(rows[0])} == {"met"}


def test_counts_are_scoped_to_the_patients_given(django_capture_on_commit_callbacks: Any) -> None:
    trial = _run_lung_trial(django_capture_on_commit_callbacks)

    everyone = selectors.counts_by_trial(Trial.objects.all(), patients=Patient.objects.all())
    two = selectors.counts_by_trial(Trial.objects.all(), patients=Patient.objects.filter(key="p-lung"))

    assert everyone[trial.pk] == {"eligible": 2, "possible": 1}
    assert two[trial.pk] == {"eligible": 1, "possible": 0}


def test_results_of_an_older_criteria_version_are_not_current(
    django_capture_on_commit_callbacks: Any,
) -> None:
    trial = _run_lung_trial(django_capture_on_commit_callbacks)

    CriteriaVersion.objects.create(trial=trial, number=2, text="y", text_sha256="1", parsed={"criteria": []})

    assert not selectors.for_trial(trial, patients=Patient.objects.all()).exists()
