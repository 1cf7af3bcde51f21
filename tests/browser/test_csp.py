"""The pages and the admin work in a real browser under the Content-Security-Policy (PROMISES 23): no
violation is reported, the admin's scripts run, the stylesheet applies, the survival plot is drawn."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from apps.trials.models import Trial
from tests.site_map import OWN_TRIAL, PASSWORD, World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before each page's own scripts (CDP injects it, so the policy does not apply to it).
WATCH = (
    "window.__violations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
)
# Share of dark pixels in the drawn plot: its styles (fills, strokes) apply, or it is a black box.
DARK_SHARE = (
    "const img = document.querySelector('img'); const c = document.createElement('canvas');"
    "c.width = img.naturalWidth; c.height = img.naturalHeight; const g = c.getContext('2d');"
    "g.drawImage(img, 0, 0); const d = g.getImageData(0, 0, c.width, c.height).data; let dark = 0;"
    "for (let i = 0; i < d.length; i += 4) { if (d[i] + d[i+1] + d[i+2] < 60 && d[i+3] > 200) dark++; }"
    "return [c.width, dark / (c.width * c.height)];"
)


def _world() -> World:
    return build_world(lambda **_: nullcontext())


def _log_in(browser: Any, live_server: Any, username: str) -> None:
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 30).until(expected_conditions.url_changes(f"{live_server.url}/accounts/login/"))


def _visit(browser: Any, url: str) -> list[str]:
    browser.get(url)
    WebDriverWait(browser, 30).until(lambda b: b.execute_script("return document.readyState") == "complete")
    return list(browser.execute_script("return window.__violations"))


def test_the_watch_reports_a_violation(browser: Any, live_server: Any) -> None:
    _world()
    _log_in(browser, live_server, "coordinator")

    browser.execute_script("document.body.setAttribute('style', 'color: red')")

    assert browser.execute_script("return window.__violations") == ["style-src-attr inline"]


def test_coordinator_pages_run_under_the_policy(browser: Any, live_server: Any) -> None:
    world = _world()
    _log_in(browser, live_server, "coordinator")
    own = world.own
    paths = [
        "/",
        "/cohorts/",
        f"/cohorts/{own['cohort'].pk}/",
        f"/cohorts/strata/{own['stratification'].pk}/",
        f"/cohorts/analyses/{own['analysis'].pk}/",
    ]

    violations = {path: _visit(browser, live_server.url + path) for path in paths}
    header = browser.find_element(By.TAG_NAME, "header").value_of_css_property("background-color")
    width, dark = browser.execute_script(DARK_SHARE)

    assert violations == {path: [] for path in paths}
    assert header in ("rgba(11, 61, 92, 1)", "rgb(11, 61, 92)")  # trialmatch/base.css applies
    assert width > 100
    assert dark < 0.1


def test_the_admin_and_its_scripts_run_under_the_policy(browser: Any, live_server: Any) -> None:
    world = _world()
    _log_in(browser, live_server, "admin")
    coordinator = world.users["coordinator"]
    paths = [
        "/admin/",
        "/admin/patients/patient/?site__id__exact=1",
        f"/admin/patients/patient/{world.own['patient'].pk}/change/",
        f"/admin/trials/trial/{Trial.objects.get(trial_id=OWN_TRIAL).pk}/change/",
        f"/admin/auth/user/{coordinator.pk}/change/",
        f"/admin/accounts/profile/{coordinator.profile.pk}/change/",
    ]

    violations = {path: _visit(browser, live_server.url + path) for path in paths}
    # On the last page: SelectFilter2.js builds the two-list site chooser, autocomplete.js the select2 box.
    chooser = browser.find_elements(By.ID, "id_sites_from")
    autocomplete = browser.find_elements(By.CSS_SELECTOR, ".select2-container")

    assert violations == {path: [] for path in paths}
    assert chooser and autocomplete
