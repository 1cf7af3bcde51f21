"""A coordinator logs in with a real browser and sees trials and their site's patients."""

import pytest
from django.contrib.auth.models import User
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from apps.accounts import services as accounts
from apps.accounts.models import Site
from apps.patients.models import Patient
from apps.trials.models import Trial

from .conftest import requested_hosts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-test-password-1"


def _log_in(browser, live_server, username):
    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 30).until(expected_conditions.url_changes(f"{live_server.url}/accounts/login/"))
    WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.TAG_NAME, "h1")))


def test_coordinator_sees_trials_and_only_own_site_patients(browser, live_server):
    accounts.create_demo_users(password=PASSWORD)
    own_site = User.objects.get(username="coordinator").profile.sites.get()
    other_site = Site.objects.create(code="elsewhere", name="Elsewhere Hospital")
    Trial.objects.create(trial_id="NCT00000001", source=Trial.Source.CTGOV, title="A lung cancer trial")
    Patient.objects.create(key="pt-own-site", site=own_site)
    Patient.objects.create(key="pt-other-site", site=other_site)

    _log_in(browser, live_server, "coordinator")
    browser.find_element(By.LINK_TEXT, "Trials").click()
    WebDriverWait(browser, 30).until(expected_conditions.title_contains("Trials"))
    trials = browser.find_element(By.TAG_NAME, "body").text
    browser.find_element(By.LINK_TEXT, "Patients").click()
    WebDriverWait(browser, 30).until(expected_conditions.title_contains("Patients"))
    patients = browser.find_element(By.TAG_NAME, "body").text

    assert "NCT00000001" in trials
    assert "pt-own-site" in patients
    assert "pt-other-site" not in patients


def test_pages_load_nothing_from_third_parties(browser, live_server):
    accounts.create_demo_users(password=PASSWORD)

    _log_in(browser, live_server, "admin")
    browser.get(f"{live_server.url}/admin/")

    hosts = requested_hosts(browser)
    own = live_server.url.split("//", 1)[1]
    assert own in hosts
    assert hosts == {own}
