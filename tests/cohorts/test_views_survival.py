"""The cohort analysis pages show what the analysis computes: landmarks, RMST, pairwise log-rank,
"not reached", competing risks, and for a stratification by treatment the designs without immortal time."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Site
from apps.cohorts.models import Cohort, Stratification, SurvivalAnalysis

from .helpers import coordinator, immortal_time_cohort, lung_cohort

pytestmark = pytest.mark.django_db
NSCLC = "Inclusion Criteria:\n- Non-small cell lung cancer"


@pytest.fixture
def site() -> Site:
    return Site.objects.create(code="north", name="North")


@pytest.fixture
def carol(client: Client, site: Site) -> Client:
    client.force_login(coordinator("carol", site))
    return client


def stratify(client: Client, capture: Any, preset: dict[str, str]) -> Stratification:
    response = client.post(
        reverse("coordinator:cohort-list"),
        {"name": "lung", "source": "ad_hoc", "criteria_text": NSCLC, "statuses": ["eligible"]},
    )
    assert response.status_code == 302
    cohort = Cohort.objects.get(name="lung")
    with capture(execute=True):
        response = client.post(reverse("coordinator:cohort-detail", args=[cohort.pk]), preset)
    assert response.status_code == 302
    return Stratification.objects.get(cohort=cohort)


def analyse(client: Client, stratification: Stratification, form: dict[str, Any]) -> str:
    response = client.post(reverse("coordinator:stratification-detail", args=[stratification.pk]), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    analysis = SurvivalAnalysis.objects.filter(stratification=stratification).order_by("-pk").first()
    page = client.get(reverse("coordinator:analysis-detail", args=[analysis.pk]))
    assert page.status_code == 200
    return page.content.decode()


def test_landmarks_rmst_and_holm_adjusted_pairwise_tests_are_shown(
    carol: Client, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    lung_cohort(site, 30)
    stratification = stratify(carol, django_capture_on_commit_callbacks, {"preset": "ecog"})

    html = analyse(carol, stratification, {"index_date": "diagnosis", "event": "death", "landmarks": "12 24"})

    landmarks = html[html.index('id="landmarks"') :]
    assert re.search(r"<td>12</td><td>0\.\d{3} \(0\.\d{3}–[01]\.\d{3}\)</td>", landmarks)
    assert re.search(r"<td>24</td>", landmarks)
    rmst = html[html.index('id="rmst"') :]
    assert "Restricted mean survival time" in html and re.search(
        r"<td>\d+\.\d\d</td><td>\d+\.\d\d</td>", rmst
    )
    pairwise = html[html.index('id="pairwise"') :]
    assert pairwise.count(" vs ") == 3 and "Holm-adjusted p" in pairwise
    assert "NA" not in html[html.index('id="survival-table"') : html.index("</table>")]


def test_a_median_not_reached_reads_not_reached(
    carol: Client, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    lung_cohort(site, 30)
    stratification = stratify(carol, django_capture_on_commit_callbacks, {"preset": "egfr"})

    html = analyse(
        carol,
        stratification,
        {"index_date": "diagnosis", "event": "death", "excluded_groups": ["EGFR untested"]},
    )

    table = html[html.index('id="survival-table"') : html.index("</table>")]
    assert "not reached" in table
    assert "NA–NA" not in table and "(NA" not in table


def test_a_stratification_by_treatment_offers_the_designs_and_says_why(
    carol: Client, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    immortal_time_cohort(site)
    stratification = stratify(
        carol, django_capture_on_commit_callbacks, {"preset": "treatment", "drug_class": "EGFR inhibitor"}
    )

    form = carol.get(reverse("coordinator:stratification-detail", args=[stratification.pk])).content.decode()

    assert "immortal time" in form
    assert 'value="time_dependent" checked' in form
    assert 'value="landmark"' in form and 'name="landmark_time"' in form


def test_the_time_dependent_design_is_shown_with_its_cox_model(
    carol: Client, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    immortal_time_cohort(site)
    stratification = stratify(
        carol, django_capture_on_commit_callbacks, {"preset": "treatment", "drug_class": "EGFR inhibitor"}
    )

    html = analyse(
        carol,
        stratification,
        {"index_date": "diagnosis", "event": "death", "treatment_design": "time_dependent"},
    )
    naive = analyse(
        carol, stratification, {"index_date": "diagnosis", "event": "death", "treatment_design": "comparison"}
    )

    assert "Design:" in html and "time-dependent covariate" in html
    assert "on (start, stop] rows (treatment as a time-dependent covariate)" in html
    assert "Caution:" in naive and "immortal time" in naive


def test_the_landmark_design_needs_its_time_and_says_so(
    carol: Client, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    immortal_time_cohort(site)
    stratification = stratify(
        carol, django_capture_on_commit_callbacks, {"preset": "treatment", "drug_class": "EGFR inhibitor"}
    )

    response = carol.post(
        reverse("coordinator:stratification-detail", args=[stratification.pk]),
        {"index_date": "diagnosis", "event": "death", "treatment_design": "landmark"},
    )

    assert response.status_code == 400
    assert "landmark_time: a positive time is required" in response.content.decode()
    assert not SurvivalAnalysis.objects.exists()


def test_competing_death_shows_the_cumulative_incidence_and_grays_test(
    carol: Client, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    immortal_time_cohort(site)
    stratification = stratify(
        carol, django_capture_on_commit_callbacks, {"preset": "treatment", "drug_class": "EGFR inhibitor"}
    )

    html = analyse(
        carol,
        stratification,
        {
            "index_date": "diagnosis", "event": "progression", "competing_death": "on",
            "treatment_design": "landmark", "landmark_time": "15", "landmarks": "6",
        },
    )  # fmt: skip

    section = html[html.index('id="cumulative-incidence"') :]
    analysis = SurvivalAnalysis.objects.get(stratification=stratification)
    svg = carol.get(reverse("coordinator:analysis-plot", args=[analysis.pk, "cif", "svg"]))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert reverse("coordinator:analysis-plot", args=[analysis.pk, "cif", "svg"]) in html
    assert "Competing risks: cumulative incidence of progression" in html
    assert "Gray&#x27;s test" in html or "Gray's test" in html
    assert re.search(r"<td>0\.\d{3} \(", section)
    assert "Subdistribution HR" in section
