"""Feasibility, attrition and what-if through the API: de-identified counts of the centre's patients, small
cells suppressed (PROMISES 3), nothing identifying in any answer (PROMISES 1); the trial as FHIR."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B.researchstudy import ResearchStudy

from apps.accounts.models import Role, Site
from apps.patients.models import PatientIdentity
from apps.trials.services import new_version_if_changed
from tests.cohorts.helpers import lung_cohort

from .helpers import NSCLC_TEXT, bearer, own_trial, sponsor_user, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    ada = sponsor_user("ada", "Own Oncology")
    trial = own_trial(ada, "NCT10000000", eligibility_text=NSCLC_TEXT, phase="PHASE2", conditions=["NSCLC"])
    new_version_if_changed(trial, text=NSCLC_TEXT, structured=None, actor=None)
    lung_cohort(Site.objects.create(code="main", name="Main Hospital"), 60)
    lung_cohort(Site.objects.create(code="tiny", name="Tiny Clinic"), 4)
    PatientIdentity.objects.update(name="ZZCANARY-NAME", mrn="ZZCANARY-MRN-0001")
    return {"client": bearer(ada), "trial": trial}


def _cells(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        if set(node) == {"count", "suppressed"}:
            return [node]
        return [cell for value in node.values() for cell in _cells(value)]
    if isinstance(node, list):
        return [cell for value in node for cell in _cells(value)]
    return []


def test_feasibility_counts_eligible_and_possible_by_site_and_subgroup_and_suppresses_small_cells(
    world: dict[str, Any],
) -> None:
    response = world["client"].get("/api/v1/trials/NCT10000000/feasibility/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["patients"] == {"count": 64, "suppressed": False}
    sites = {row["value"]: row for row in body["by"]["site"]}
    assert sites["Tiny Clinic"]["eligible"] == {"count": None, "suppressed": True}
    assert set(body["by"]) >= {"site", "cancer_type", "stage", "age_band", "sex", "EGFR"}
    for cell in _cells(body):
        assert cell["suppressed"] == (cell["count"] is None)
        assert cell["count"] is None or cell["count"] == 0 or cell["count"] >= 11
    assert "ZZCANARY" not in response.content.decode() and "pt-main" not in response.content.decode()


def test_attrition_lists_the_criteria_in_order_with_remaining_and_removed_alone(
    world: dict[str, Any],
) -> None:
    response = world["client"].get("/api/v1/trials/NCT10000000/attrition/")

    assert response.status_code == 200
    body = response.json()
    steps = body["steps"]
    version = world["trial"].current_version()
    assert [s["criterion"] for s in steps] == [c["id"] for c in version.parsed["criteria"]]
    remaining = [s["remaining"]["count"] for s in steps if s["remaining"]["count"] is not None]
    assert remaining == sorted(remaining, reverse=True)
    for step in steps:
        if step["remaining"]["count"] is not None:
            assert step["pct_remaining"] == round(100 * step["remaining"]["count"] / 64, 1)
    assert set(body["by"]) == {"sex", "age_band", "race", "ethnicity"}
    for cell in _cells(body):
        assert cell["count"] is None or cell["count"] == 0 or cell["count"] >= 11


def test_what_if_names_unknown_criteria_and_bounds_and_answers_a_drop(world: dict[str, Any]) -> None:
    client: Client = world["client"]
    steps = client.get("/api/v1/trials/NCT10000000/attrition/").json()["steps"]
    first = steps[0]["criterion"]

    dropped = client.post(
        "/api/v1/trials/NCT10000000/what-if/", {"drop": [first]}, content_type="application/json"
    )
    unknown = client.post(
        "/api/v1/trials/NCT10000000/what-if/", {"drop": ["I99"]}, content_type="application/json"
    )
    bad_bound = client.post(
        "/api/v1/trials/NCT10000000/what-if/",
        {"change": [{"criterion": first, "days": 3}]},
        content_type="application/json",
    )

    assert dropped.status_code == 200, dropped.content
    body = dropped.json()
    assert body["gained"] == steps[0]["removed_alone"]
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "drop"
    assert bad_bound.status_code == 400 and bad_bound.json()["errors"][0]["field"].startswith("change[0]")


def test_aggregates_are_for_sponsors_only_and_other_roles_get_403(world: dict[str, Any]) -> None:
    coordinator = bearer(user_with_role("carol", Role.COORDINATOR))

    assert coordinator.get("/api/v1/trials/NCT10000000/feasibility/").status_code == 403
    assert coordinator.get("/api/v1/trials/NCT10000000/attrition/").status_code == 403


def test_the_trial_as_a_valid_fhir_research_study_for_sponsors_and_coordinators(
    world: dict[str, Any],
) -> None:
    coordinator = bearer(user_with_role("carol", Role.COORDINATOR))

    mine = world["client"].get("/api/v1/trials/NCT10000000/fhir/")
    theirs = coordinator.get("/api/v1/trials/NCT10000000/fhir/")

    assert mine.status_code == 200 and theirs.status_code == 200
    study = ResearchStudy.model_validate(mine.json())
    assert study.identifier[0].value == "NCT10000000"
    assert study.status == "active" and study.phase.coding[0].code == "phase-2"


def test_what_if_moving_a_bound_answers_with_protected_cells(world: dict[str, Any]) -> None:
    client: Client = world["client"]
    version = world["trial"].current_version()
    ecog = next(c for c in version.parsed["criteria"] if c["kind"] == "performance_status")

    response = client.post(
        "/api/v1/trials/NCT10000000/what-if/",
        {"change": [{"criterion": ecog["id"], "max": 2}]},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["change"] == [{"criterion": ecog["id"], "max": 2.0}]
    for cell in _cells(body):
        assert cell["count"] is None or cell["count"] == 0 or cell["count"] >= 11
    assert body["lost"] == {"count": 0, "suppressed": False}  # relaxing a bound loses nobody
