"""A reviewer corrects a parsed criterion and approves the version on the trial page, in a real browser
(Debian's Chromium through Playwright): nothing is requested from another origin, no CSP violation, and
axe-core finds no serious or critical problem on the page with the review form."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from apps.criteria.models import CriteriaCorrection
from tests.coordinator.world import build_clinic

from .conftest import Tab
from .test_main_flow import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("TRIALMATCH_SCREENSHOTS", "")


def test_a_reviewer_corrects_a_criterion_and_approves_the_version(
    tab: Tab, live_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    clinic.alice.user_permissions.add(Permission.objects.get(codename="change_criteriareview"))
    version = clinic.trial.current_version()
    assert version is not None
    version.text = "Inclusion Criteria:\n- Non-small cell lung cancer\n- ECOG performance status 0-1\n"
    version.save(update_fields=["text"])
    base = live_server.url
    page = tab.page

    _sign_in(tab, base)
    page.goto(f"{base}/trials/{clinic.trial.pk}/")
    page.get_by_role("link", name="Correct I2").click()
    form = page.locator("#correct")
    expect(form.get_by_label("Criterion", exact=True)).to_have_value("I2")
    form.get_by_label("Rule (JSON object)").fill('{"scale": "ECOG", "min": 0, "max": 0')
    form.get_by_label("Reason").fill("the protocol says ECOG 0 only")
    form.get_by_role("button", name="Record the correction").click()
    expect(page.locator("#correct").get_by_role("alert")).to_contain_text("Enter a valid JSON")
    assert not CriteriaCorrection.objects.exists()

    page.locator("#correct").get_by_label("Rule (JSON object)").fill('{"scale": "ECOG", "min": 0, "max": 0}')
    page.locator("#correct").get_by_role("button", name="Record the correction").click()
    expect(page.get_by_role("status")).to_contain_text("Criterion I2: edit recorded; re-matching the trial")
    expect(page.locator("#criteria-table")).to_contain_text("'max': 0")
    if SCREENSHOTS:
        page.locator("#criteria").scroll_into_view_if_needed()
        page.screenshot(path=str(Path(SCREENSHOTS) / "ui-review.png"))
    serious = tab.axe_serious()
    page.get_by_role("button", name=re.compile("Approve version 1")).click()
    expect(page.get_by_role("heading", name=re.compile("approved"))).to_be_visible()

    assert CriteriaCorrection.objects.get().criterion_id == "I2"
    assert tab.hosts == {base.split("//", 1)[1]}
    assert tab.csp_violations() == []
    assert serious == []
