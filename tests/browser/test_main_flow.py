"""A coordinator's main flow in a real browser (Playwright driving Debian's Chromium): sign in, open a trial,
filter and sort its worklist, open a match's explanation, move it through the workflow with a reason, defer
another, watch a run's progress bar reach done, import a malformed file and read the error. Nothing is
requested from another origin, the browser reports no CSP violation, and axe-core finds no serious or
critical accessibility problem on the main pages."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from apps.matching.models import MatchRun
from apps.screening import services as screening
from tests.coordinator.world import build_clinic

from .conftest import Tab

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password-1"  # tests.cohorts.helpers.coordinator
# TRIALMATCH_SCREENSHOTS=docs saves a screenshot of each main page there (docs/ui-*.png in the README).
SCREENSHOTS = os.environ.get("TRIALMATCH_SCREENSHOTS", "")


def _shoot(tab: Tab, name: str) -> list[str]:
    """Screenshot the page when asked to, and return axe-core's serious and critical findings on it."""
    if SCREENSHOTS:
        tab.page.screenshot(path=str(Path(SCREENSHOTS) / f"ui-{name}.png"))
    return tab.axe_serious()


def _sign_in(tab: Tab, base: str) -> None:
    tab.page.goto(f"{base}/accounts/login/")
    tab.page.get_by_label("Username").fill("alice")
    tab.page.get_by_label("Password").fill(PASSWORD)
    tab.page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()
    expect(tab.page.get_by_role("heading", name="Your work")).to_be_visible()


def test_coordinator_main_flow(tab: Tab, live_server: Any, django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks, own=6)
    base = live_server.url
    page = tab.page
    problems: dict[str, list[str]] = {}

    _sign_in(tab, base)
    problems["home"] = _shoot(tab, "home")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Trials").click()
    problems["trials"] = _shoot(tab, "trials")
    page.get_by_role("link", name="NCT01000001").click()
    expect(page.get_by_role("heading", name=re.compile("NCT01000001"))).to_be_visible()
    problems["trial"] = _shoot(tab, "trial")

    page.get_by_label("Match", exact=True).select_option("possible")
    page.get_by_label("Sort by").select_option("patient")
    page.get_by_role("button", name="Apply", exact=True).click()
    worklist = page.locator("#worklist-table")
    expect(worklist).to_contain_text("pt-north-001")
    expect(worklist).not_to_contain_text("pt-north-000")
    keys = worklist.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert keys == sorted(keys) == ["pt-north-001", "pt-north-003", "pt-north-005"]

    page.get_by_role("link", name="pt-north-001").click()
    problems["match"] = _shoot(tab, "match")
    page.get_by_role("link", name=re.compile("Explain now")).click()
    expect(page.locator("#explanation")).to_contain_text("Would decide the unknowns")

    for status in ("Under review", "Contacted"):
        page.get_by_label("New status").select_option(label=status)
        page.get_by_role("button", name="Save status").click()
        expect(page.locator("#workflow-status")).to_have_text(status)
    page.get_by_label("New status").select_option(label="Declined")
    page.get_by_role("button", name="Save status").click()
    expect(page.get_by_role("alert")).to_contain_text("say why the patient declined")
    page.get_by_label("New status").select_option(label="Declined")
    page.get_by_label("Reason").fill("Prefers treatment closer to home")
    page.get_by_role("button", name="Save status").click()
    expect(page.locator("#workflow-status")).to_have_text("Declined")
    expect(page.locator("#history")).to_contain_text("Prefers treatment closer to home")

    page.goto(f"{base}/patients/{clinic.own[3].pk}/trials/{clinic.trial.pk}/")
    page.get_by_label("New status").select_option(label="Deferred")
    page.get_by_label("Deferred until").fill((dt.date.today() + dt.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Save status").click()
    expect(page.locator("#workflow-status")).to_have_text("Deferred")

    running = MatchRun.objects.create(
        idempotency_key="browser-run", as_of=dt.date.today(), status="running", chunks_total=4, chunks_done=1,
        pairs_total=400, pairs_done=100, pairs_per_second=50.0,
    )  # fmt: skip
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs").click()
    problems["runs"] = _shoot(tab, "runs")
    page.goto(f"{base}/runs/{running.pk}/")
    expect(page.locator("#run-bar")).to_have_attribute("value", "25")
    MatchRun.objects.filter(pk=running.pk).update(status="completed", chunks_done=4, pairs_done=400)
    expect(page.locator("#run-status")).to_have_text("completed", timeout=15_000)
    expect(page.locator("#run-bar")).to_have_attribute("value", "100")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    problems["import"] = _shoot(tab, "import")
    page.get_by_label("Kind").select_option("trials")
    page.get_by_label("Files").set_input_files(
        files=[{"name": "broken.json", "mimeType": "application/json", "buffer": b'{"studies": ['}]
    )
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#report-1")).to_contain_text("rejected, nothing saved")
    expect(page.locator("#report-1")).to_contain_text("broken.json")

    page.goto(f"{base}/patients/{clinic.own[0].pk}/")
    problems["patient"] = _shoot(tab, "patient")

    declined = screening.find(clinic.own[1], clinic.trial)
    assert declined is not None and declined.status == "declined"
    assert screening.find(clinic.own[3], clinic.trial).status == "deferred"  # type: ignore[union-attr]
    assert tab.hosts == {base.split("//", 1)[1]}
    assert tab.csp_violations() == []
    assert {name: found for name, found in problems.items() if found} == {}
