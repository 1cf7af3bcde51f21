"""The funnel of workflow statuses and the survival subgroups of a trial's cohorts for its sponsor, suppressed
like every other cell (PROMISES 3); the trial's matches as FHIR ResearchSubject for coordinators of the
patients' own sites only, never for sponsors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fhir.resources.R4B.researchsubject import ResearchSubject

from apps.accounts.models import Role, Site
from apps.cohorts import services as cohorts
from apps.matching import services as matching
from apps.screening import services as screening
from apps.screening import workflow
from apps.trials.services import new_version_if_changed
from tests.cohorts.helpers import coordinator, lung_cohort

from .helpers import NSCLC_TEXT, bearer, own_trial, sponsor_user, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    ada = sponsor_user("ada", "Own Oncology")
    trial = own_trial(ada, "NCT10000000", eligibility_text=NSCLC_TEXT)
    new_version_if_changed(trial, text=NSCLC_TEXT, structured=None, actor=None)
    main, tiny = Site.objects.create(code="main", name="Main"), Site.objects.create(code="tiny", name="Tiny")
    patients = lung_cohort(main, 60) + lung_cohort(tiny, 4)
    carol = coordinator("carol", main)
    with django_capture_on_commit_callbacks(execute=True):
        matching.request_run(trials=[trial.trial_id], as_of=dt.date(2024, 1, 1), user=ada)
    matched = sorted(matching_patients(trial), key=lambda p: p.key)
    for p in matched[:3]:  # three under review: a cell of 3
        screening.move(
            user=carol, patient=p, trial=trial, arm=None, change=workflow.Move(workflow.UNDER_REVIEW)
        )
    cohort = cohorts.create_trial_cohort(
        owner=carol, name="lung", trial=trial, statuses=["eligible", "possible"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        stratification = cohorts.request_stratification(
            cohort=cohort, kind="biomarker", parameters={"rule": "egfr"}, user=carol
        )
    stratification.refresh_from_db()
    cohorts.analyse_survival(stratification=stratification, min_size=11, sponsor_facing=True, user=carol)
    return {"ada": ada, "carol": carol, "trial": trial, "patients": patients, "matched": matched}


def matching_patients(trial: Any) -> list[Any]:
    from apps.matching import selectors
    from apps.patients.models import Patient

    return list(Patient.objects.filter(pk__in=selectors.matched_patients(trial)))


def _cells(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        if set(node) == {"count", "suppressed"}:
            return [node]
        return [cell for value in node.values() for cell in _cells(value)]
    if isinstance(node, list):
        return [cell for value in node for cell in _cells(value)]
    return []


def test_the_funnel_counts_patients_per_workflow_status_and_suppresses_small_cells(
    world: dict[str, Any],
) -> None:
    response = bearer(world["ada"]).get("/api/v1/trials/NCT10000000/funnel/")

    assert response.status_code == 200, response.content
    body = response.json()
    statuses = {row["status"]: row["patients"] for row in body["statuses"]}
    assert list(statuses) == list(workflow.STATUSES)
    assert statuses["under_review"] == {"count": None, "suppressed": True}  # 3 patients
    assert statuses["enrolled"] == {"count": 0, "suppressed": False}
    new = statuses["new"]["count"]
    # the 3 under review are suppressed, so "new" must go too (or the total of matches would give them away)
    assert new is None or new == len(world["matched"]) - 3
    for cell in _cells(body):
        assert cell["count"] is None or cell["count"] == 0 or cell["count"] >= 11
    assert "pt-main" not in response.content.decode()


def test_survival_subgroups_show_patients_deaths_and_medians_of_groups_large_enough(
    world: dict[str, Any],
) -> None:
    response = bearer(world["ada"]).get("/api/v1/trials/NCT10000000/survival/")

    assert response.status_code == 200, response.content
    (stratification,) = response.json()["stratifications"]
    assert stratification["kind"] == "biomarker" and stratification["event"] == "death"
    groups = {g["group"]: g for g in stratification["groups"]}
    assert set(groups) >= {"EGFR mutant", "EGFR wild-type"} or len(groups) >= 2
    for group in groups.values():
        if group["patients"]["suppressed"]:
            assert group["median"] is None
    shown = [g for g in groups.values() if g["median"] is not None]
    assert shown, groups
    for group in shown:
        assert group["patients"]["count"] >= 11 and group["median"]["unit"] == "months"
    for cell in _cells(stratification):
        assert cell["count"] is None or cell["count"] == 0 or cell["count"] >= 11


def test_research_subjects_are_valid_fhir_for_a_coordinator_of_the_patients_sites_only(
    world: dict[str, Any],
) -> None:
    response = bearer(world["carol"]).get("/api/v1/trials/NCT10000000/research-subjects/?page_size=200")

    assert response.status_code == 200, response.content
    body = response.json()
    subjects = [ResearchSubject.model_validate(r) for r in body["results"]]
    assert body["count"] == len(subjects) > 0
    individuals = {s.individual.reference for s in subjects}
    assert all(ref.startswith("Patient/pt-main-") for ref in individuals)  # never the Tiny clinic's patients
    assert {s.study.reference for s in subjects} == {"ResearchStudy/NCT10000000"}
    reviewed = {f"Patient/{p.key}" for p in world["matched"][:3] if p.key.startswith("pt-main-")}
    by_patient = {s.individual.reference: s.status for s in subjects}
    assert {by_patient[r] for r in reviewed} == {"potential-candidate"}


def test_research_subjects_are_never_for_sponsors_or_other_roles(world: dict[str, Any]) -> None:
    auditor = bearer(user_with_role("audrey", Role.AUDITOR))

    sponsor = bearer(world["ada"]).get("/api/v1/trials/NCT10000000/research-subjects/")
    audited = auditor.get("/api/v1/trials/NCT10000000/research-subjects/")

    assert sponsor.status_code == 403 and "pt-" not in sponsor.content.decode()
    assert audited.status_code == 403
