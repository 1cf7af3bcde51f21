"""A real headless Chromium (Debian's chromium, installed by .ci/browser): Selenium with Debian's
chromedriver, and Playwright with `executable_path` (Playwright's own browser download is never used)."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, sync_playwright
from selenium import webdriver
from selenium.webdriver.chrome.service import Service


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    chromium = shutil.which("chromium")
    chromedriver = shutil.which("chromedriver")
    if not chromium or not chromedriver:
        pytest.fail("browser tests need Debian's chromium and chromium-driver: run `bash .ci/browser`")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="tm-chromium-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def requested_hosts(driver: webdriver.Chrome) -> set[str]:
    """Hosts of every network request the browser made since the last call (from its performance log)."""
    hosts: set[str] = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if url.startswith(("http://", "https://")):
                hosts.add(urlparse(url).netloc)
    return hosts


AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
# Recorded before any page script runs (an init script is not subject to the page's CSP).
CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@dataclass
class Tab:
    """A Playwright page that records every host it requests and every CSP violation it reports."""

    page: Page
    hosts: set[str] = field(default_factory=set)
    console_errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        found = self.page.evaluate("window.__csp || []")
        return [*found, *(m for m in self.console_errors if "Content Security Policy" in m)]

    def axe_serious(self) -> list[str]:
        """axe-core (npm, vendored in tests/browser/vendor), evaluated through the DevTools protocol."""
        self.page.evaluate(AXE.read_text())
        result = self.page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        return [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]


@pytest.fixture
def tab(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tab]:
    """Debian's Chromium driven by Playwright (never Playwright's own browser download)."""
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.fail("browser tests need Debian's chromium: run `bash .ci/browser`")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are synchronous.
    # Only for this test: a deployment check run later in the same process must not inherit it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.set_default_timeout(30_000)
        recorded = Tab(page)
        page.on(
            "request",
            lambda r: recorded.hosts.add(urlparse(r.url).netloc) if r.url.startswith("http") else None,
        )
        page.on("console", lambda m: recorded.console_errors.append(m.text) if m.type == "error" else None)
        yield recorded
        context.close()
        browser.close()
