"""Coordinator cohort pages through the client: roles, scoping (404), no-store, plots served as images."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Role, Site
from apps.accounts.services import ensure_roles
from apps.cohorts.models import Cohort, Stratification, SurvivalAnalysis

from .helpers import coordinator, lung_cohort

pytestmark = pytest.mark.django_db
NSCLC = "Inclusion Criteria:\n- Non-small cell lung cancer"


@pytest.fixture
def site() -> Site:
    return Site.objects.create(code="north", name="North")


@pytest.fixture
def carol(client: Client, site: Site) -> Client:
    client.force_login(coordinator("carol", site))
    return client


def create_and_analyse(client: Client, capture: Any) -> SurvivalAnalysis:
    response = client.post(
        reverse("coordinator:cohort-list"),
        {"name": "lung", "source": "ad_hoc", "criteria_text": NSCLC, "statuses": ["eligible"]},
    )
    assert response.status_code == 302
    cohort = Cohort.objects.get(name="lung")
    with capture(execute=True):
        response = client.post(reverse("coordinator:cohort-detail", args=[cohort.pk]), {"preset": "egfr"})
    assert response.status_code == 302
    stratification = Stratification.objects.get(cohort=cohort)
    response = client.post(
        reverse("coordinator:stratification-detail", args=[stratification.pk]),
        {"index_date": "diagnosis", "event": "death", "excluded_groups": ["EGFR untested"]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return SurvivalAnalysis.objects.get(stratification=stratification)


def test_coordinator_creates_stratifies_and_analyses_a_cohort(
    carol: Client, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    lung_cohort(site, 30)

    analysis = create_and_analyse(carol, django_capture_on_commit_callbacks)
    page = carol.get(reverse("coordinator:analysis-detail", args=[analysis.pk]))
    svg = carol.get(reverse("coordinator:analysis-plot", args=[analysis.pk, "km", "svg"]))
    pdf = carol.get(reverse("coordinator:analysis-plot", args=[analysis.pk, "forest", "pdf"]) + "?download=1")

    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert "EGFR mutant" in html and "<script" not in html
    assert reverse("coordinator:analysis-plot", args=[analysis.pk, "km", "svg"]) in html
    assert svg["Content-Type"] == "image/svg+xml" and svg["Cache-Control"] == "no-store"
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf["Content-Disposition"]
    assert "ZZCANARY" not in html


def test_another_coordinators_cohort_is_not_found(
    carol: Client, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    lung_cohort(site, 12)
    analysis = create_and_analyse(carol, django_capture_on_commit_callbacks)
    other = Client()
    other.force_login(coordinator("dave", site))

    urls = [
        reverse("coordinator:cohort-detail", args=[analysis.stratification.cohort_id]),
        reverse("coordinator:stratification-detail", args=[analysis.stratification_id]),
        reverse("coordinator:analysis-detail", args=[analysis.pk]),
        reverse("coordinator:analysis-plot", args=[analysis.pk, "km", "png"]),
    ]

    assert [other.get(url).status_code for url in urls] == [404, 404, 404, 404]
    assert urls[0] not in other.get(reverse("coordinator:cohort-list")).content.decode()


def test_pages_need_a_coordinator(client: Client) -> None:
    sponsor = User.objects.create_user("sam")
    sponsor.groups.add(ensure_roles()[Role.SPONSOR])

    anonymous = client.get(reverse("coordinator:cohort-list"))
    client.force_login(sponsor)
    forbidden = client.get(reverse("coordinator:cohort-list"))

    assert anonymous.status_code == 302
    assert forbidden.status_code == 403


def test_bad_input_is_shown_and_nothing_is_created(carol: Client) -> None:
    response = carol.post(
        reverse("coordinator:cohort-list"), {"name": "", "source": "ad_hoc", "criteria_text": NSCLC}
    )

    assert response.status_code == 400
    assert "name: required" in response.content.decode()
    assert not Cohort.objects.exists()


def test_unknown_plot_format_is_not_found(
    carol: Client, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    lung_cohort(site, 12)
    analysis = create_and_analyse(carol, django_capture_on_commit_callbacks)

    response = carol.get(reverse("coordinator:analysis-plot", args=[analysis.pk, "km", "gif"]))

    assert response.status_code == 404
