"""PROMISES 22: no log line and no task message carries patient identifiers or clinical free text.

A patient with canary identifiers and canary clinical text, and criteria with canary text, go through
what users run: the import commands (and the admin's upload pages), parse_criteria, match, export, the
coordinator's cohort pages and the admin's patient pages, with the root logger at DEBUG (as with
LOG_LEVEL=DEBUG), Python warnings routed to logging, SQL logging on (as with DEBUG=True) and a loguru
sink. Every record must be free of the canaries. Task messages are observed where Celery sends them:
`before_task_publish` with a real (in-memory) broker, and what eager tasks receive (`task_prerun`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery.signals import before_task_publish, task_prerun
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse
from loguru import logger as loguru_logger

from apps.accounts import services as accounts
from apps.accounts.models import Site
from apps.cohorts import services as cohorts
from apps.cohorts.models import Cohort, Stratification, SurvivalAnalysis
from apps.matching import services as matching
from apps.patients.models import Patient, PatientIdentity
from tests.cohorts.helpers import lung_cohort
from tests.patients.builders import bundle
from trialmatch.celery import app as celery_app

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "canary-test-password-7"
CANARIES = ["ZZCANARY", "1961-02-03", "Canaryville"]
CRITERIA = (
    "Inclusion Criteria:\n\n* Non-small cell lung cancer\n* ZZCANARY-TEXT consent in person\n\n"
    "Exclusion Criteria:\n\n* Pregnancy"
)
# What a task may carry: numbers, and short identifier-like strings.
ID = re.compile(r"^[\w.:-]{1,64}$")


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{self.format(record)} {vars(record)!r}")


@pytest.fixture
def captured_logs() -> Iterator[list[str]]:
    """Every log record (standard logging and loguru) while the test runs, at DEBUG."""
    handler = Records()
    root = logging.getLogger()
    quiet = [
        lg
        for lg in logging.Logger.manager.loggerDict.values()
        if isinstance(lg, logging.Logger) and not lg.propagate
    ]
    previous = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    for lg in quiet:
        lg.addHandler(handler)
    logging.captureWarnings(True)
    sink = loguru_logger.add(lambda message: handler.lines.append(str(message)), level=0)
    yield handler.lines
    loguru_logger.remove(sink)
    logging.captureWarnings(False)
    for lg in quiet:
        lg.removeHandler(handler)
    root.removeHandler(handler)
    root.setLevel(previous)


@pytest.fixture
def task_messages() -> Iterator[list[dict[str, Any]]]:
    """The body and headers of each task message sent, and the arguments each eager task ran with."""
    seen: list[dict[str, Any]] = []

    def published(body: Any = None, headers: Any = None, **_: Any) -> None:
        args, kwargs, _options = body
        seen.append({"args": list(args), "kwargs": dict(kwargs), "message": json.dumps([body, headers])})

    def ran(args: Any = None, kwargs: Any = None, **_: Any) -> None:
        seen.append({"args": list(args or []), "kwargs": dict(kwargs or {}), "message": ""})

    before_task_publish.connect(published, weak=False)
    task_prerun.connect(ran, weak=False)
    yield seen
    task_prerun.disconnect(ran)
    before_task_publish.disconnect(published)


def canary_bundle() -> dict[str, Any]:
    patient = {
        "resourceType": "Patient",
        "id": "canary-1",
        "gender": "female",
        "birthDate": "1961-02-03",
        "name": [{"family": "ZZCANARY-NAME", "given": ["ZZCANARY-GIVEN"]}],
        "identifier": [
            {
                "type": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]
                },
                "value": "ZZCANARY-MRN-0001",
            }
        ],
        "address": [{"line": ["ZZCANARY-ADDRESS 12 Canary Row"], "city": "Canaryville"}],
        "telecom": [
            {"system": "phone", "value": "ZZCANARY-PHONE-555"},
            {"system": "email", "value": "zzcanary@example.org"},
        ],
    }
    condition = {
        "resourceType": "Condition",
        "id": "canary-cond-1",
        "code": {
            "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C34.12"}],
            "text": "ZZCANARY-TEXT adenocarcinoma of the upper lobe",
        },
        "note": [{"text": "ZZCANARY-TEXT lives alone, worried about the biopsy"}],
        "subject": {"reference": "urn:uuid:canary-1"},
        "onsetDateTime": "2023-01-05",
    }
    uncoded = {
        "resourceType": "Condition",
        "id": "canary-cond-2",
        "code": {"text": "ZZCANARY-TEXT shortness of breath on stairs"},
        "subject": {"reference": "urn:uuid:canary-1"},
        "onsetDateTime": "2023-02-01",
    }
    return bundle(patient, condition, uncoded)


def study(criteria: str) -> dict[str, Any]:
    return {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT09999991", "briefTitle": "A lung trial"},
            "statusModule": {"overallStatus": "RECRUITING"},
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Canary Oncology"}},
            "eligibilityModule": {"eligibilityCriteria": criteria, "minimumAge": "18 Years", "sex": "ALL"},
        }
    }


def run(*args: str, errors: list[str] | None = None) -> str:
    """The command's output; what it reports on stderr, or raises, is appended to `errors`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        if errors is None:
            raise
        errors.append(str(exc))
    if errors is not None:
        errors.append(err.getvalue())
    return out.getvalue()


def leaks(lines: list[str]) -> list[str]:
    return [line[:300] for line in lines if any(c.lower() in line.lower() for c in CANARIES)]


def what_users_run(tmp_path: Path, browser: Client, admin: Client) -> list[str]:
    """Run the pipeline; returns the error reports the commands wrote (stderr, CommandError)."""
    errors: list[str] = []
    trials_file = tmp_path / "trials.json"
    trials_file.write_text(json.dumps({"studies": [study(CRITERIA)]}))
    patients_file = tmp_path / "patients.json"
    patients_file.write_text(json.dumps(canary_bundle()))
    broken = canary_bundle()
    broken["entry"][0]["resource"]["birthDate"] = "ZZCANARY-not-a-date"
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "patients.json").write_text(json.dumps(broken))
    criteria_file = tmp_path / "criteria.txt"
    criteria_file.write_text(CRITERIA)

    run("import_trials", str(trials_file), errors=errors)
    run("import_patients", str(patients_file), errors=errors)
    run("import_patients", str(tmp_path / "broken"), errors=errors)
    assert "rejected" in errors[-2]
    Patient.objects.filter(site__isnull=True).update(site=Site.objects.get(code=accounts.DEMO_SITE[0]))
    assert PatientIdentity.objects.get(patient__key="canary-1").mrn == "ZZCANARY-MRN-0001"
    assert "ZZCANARY-TEXT" in run("parse_criteria", str(criteria_file))
    run("match", "--as-of", "2024-01-01", errors=errors)
    run("export_matches", "--format", "json", errors=errors)
    run("export_matches", "--format", "csv", errors=errors)

    assert browser.get(reverse("coordinator:home")).status_code == 200
    browser.post(
        reverse("coordinator:cohort-list"),
        {
            "name": "canary",
            "source": "ad_hoc",
            "criteria_text": CRITERIA,
            "statuses": ["eligible", "possible"],
        },
    )
    cohort = Cohort.objects.get(name="canary")
    browser.post(reverse("coordinator:cohort-detail", args=[cohort.pk]), {"preset": "egfr"})
    stratification = Stratification.objects.get(cohort=cohort)
    response = browser.post(
        reverse("coordinator:stratification-detail", args=[stratification.pk]),
        {"index_date": "diagnosis", "event": "death"},
    )
    assert response.status_code == 302
    analysis = SurvivalAnalysis.objects.get(stratification=stratification)
    for url in (
        reverse("coordinator:analysis-detail", args=[analysis.pk]),
        reverse("coordinator:analysis-plot", args=[analysis.pk, "km", "svg"]),
    ):
        assert browser.get(url).status_code == 200
    patient = Patient.objects.get(key="canary-1")
    for url in (
        reverse("admin:patients_patient_change", args=[patient.pk]),
        reverse("admin:patients_patientidentity_change", args=[patient.identity.pk]),
        reverse("admin:patients_diagnosis_changelist") + "?q=canary",
    ):
        assert admin.get(url).status_code == 200
    with patients_file.open("rb") as upload:
        admin.post(reverse("admin:patients_patient_import"), {"file": upload})
    with (tmp_path / "broken" / "patients.json").open("rb") as upload:
        assert admin.post(reverse("admin:patients_patient_import"), {"file": upload}).status_code == 400
    with trials_file.open("rb") as upload:
        admin.post(reverse("admin:trials_trial_upload"), {"file": upload})
    return errors


def test_no_log_record_carries_a_canary(
    tmp_path: Path, captured_logs: list[str], task_messages: list[dict[str, Any]]
) -> None:
    accounts.create_demo_users(password=PASSWORD)
    lung_cohort(Site.objects.get(code=accounts.DEMO_SITE[0]), 14)
    browser, admin = Client(), Client()
    assert browser.login(username="coordinator", password=PASSWORD)
    assert admin.login(username="admin", password=PASSWORD)
    connection.force_debug_cursor = True  # what DEBUG=True does: every SQL statement logged, with values
    try:
        error_reports = what_users_run(tmp_path, browser, admin)
    finally:
        connection.force_debug_cursor = False

    assert any(line.startswith("INFO apps.patients.services") for line in captured_logs)  # it listens
    assert leaks(captured_logs) == []
    assert leaks(error_reports) == []
    assert task_messages, "the pipeline ran tasks"
    for task in task_messages:
        values = [*task["args"], *task["kwargs"].values()]
        ids = [x for v in values for x in (v if isinstance(v, list) else [v])]  # "version_ids": [3, 4]
        assert all(isinstance(v, int) or (isinstance(v, str) and ID.match(v)) for v in ids), task
        assert leaks([json.dumps(task)]) == []


def test_task_messages_on_the_broker_carry_ids_only(
    tmp_path: Path, task_messages: list[dict[str, Any]], django_user_model: Any
) -> None:
    accounts.create_demo_users(password=PASSWORD)
    site = Site.objects.get(code=accounts.DEMO_SITE[0])
    lung_cohort(site, 12)
    PatientIdentity.objects.update(name="ZZCANARY-NAME", mrn="ZZCANARY-MRN-0001")
    trials_file = tmp_path / "trials.json"
    trials_file.write_text(json.dumps({"studies": [study(CRITERIA)]}))
    run("import_trials", str(trials_file))
    coordinator = django_user_model.objects.get(username="coordinator")
    cohort = cohorts.create_ad_hoc_cohort(owner=coordinator, name="canary", criteria_text=CRITERIA)

    celery_app.conf.task_always_eager = False  # sent to the in-memory broker; nothing consumes them
    try:
        matching.request_run(as_of=dt.date(2024, 1, 1))
        cohorts.request_stratification(
            cohort=cohort, kind="biomarker", parameters={"rule": "egfr"}, user=coordinator
        )
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.control.purge()

    sent = [t for t in task_messages if t["message"]]
    assert len(sent) >= 2
    for task in sent:
        assert task["args"] == []
        assert all(isinstance(v, int) for v in task["kwargs"].values()), task
        assert leaks([task["message"]]) == []
