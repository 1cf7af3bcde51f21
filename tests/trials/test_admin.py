"""The admin upload page: the same import as the command, answering 400 with the errors listed."""

import json

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.trials.models import CriteriaVersion, Trial

STUDY = {
    "protocolSection": {
        "identificationModule": {"nctId": "NCT01234567", "briefTitle": "A trial"},
        "eligibilityModule": {"eligibilityCriteria": "Inclusion Criteria:\n\n* Adults"},
    }
}


@pytest.fixture
def admin_client(db) -> Client:
    user = User.objects.create_superuser("trial-admin", "admin@example.org", "a-long-enough-password-123")
    client = Client()
    client.force_login(user)
    return client


def test_upload_page_imports_a_file_and_shows_counts(admin_client: Client) -> None:
    data = SimpleUploadedFile("study.json", json.dumps(STUDY).encode())

    response = admin_client.post(reverse("admin:trials_trial_upload"), {"file": data})

    assert response.status_code == 200
    assert b"created: 1" in response.content
    assert Trial.objects.get().trial_id == "NCT01234567"
    assert AuditEvent.objects.filter(action="trials.import", actor__username="trial-admin").count() == 1


def test_upload_of_a_malformed_file_answers_400_with_errors_and_saves_nothing(admin_client: Client) -> None:
    data = SimpleUploadedFile("broken.json", b'{"protocolSection": {"identificationModule": {}}}')

    response = admin_client.post(reverse("admin:trials_trial_upload"), {"file": data})

    assert response.status_code == 400
    assert b"protocolSection.identificationModule.nctId" in response.content
    assert (Trial.objects.count(), CriteriaVersion.objects.count()) == (0, 0)
    # Only the refusal itself is recorded (PROMISES 12), with the file's name and no content.
    assert list(AuditEvent.objects.values_list("action", "object_id")) == [
        ("trials.import_rejected", "broken.json")
    ]


def test_trial_change_page_shows_arms_versions_and_raw_read_only(admin_client: Client) -> None:
    admin_client.post(
        reverse("admin:trials_trial_upload"),
        {"file": SimpleUploadedFile("s.json", json.dumps(STUDY).encode())},
    )
    trial = Trial.objects.get()

    response = admin_client.get(reverse("admin:trials_trial_change", args=[trial.pk]))

    assert response.status_code == 200
    assert b"Raw record" in response.content
    assert b"Criteria versions" in response.content
    assert b'name="eligibility_text"' not in response.content


def test_upload_page_needs_a_logged_in_staff_user() -> None:
    response = Client().get(reverse("admin:trials_trial_upload"))

    assert response.status_code == 302
