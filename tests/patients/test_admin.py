"""Admin: the FHIR upload page, read-only facts, identities for superusers only."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.patients.models import Patient

from .builders import bundle, condition, patient


@pytest.fixture
def superuser_client(db) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.org", "a-long-password-123"))
    return client


@pytest.fixture
def staff_client(db) -> Client:
    user = User.objects.create_user("staff", password="a-long-password-123", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="patients"))
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, doc: dict, name: str = "upload.json"):
    data = SimpleUploadedFile(name, json.dumps(doc).encode(), content_type="application/json")
    return client.post("/admin/patients/patient/import/", {"file": data})


def test_upload_page_imports_a_bundle(staff_client: Client) -> None:
    response = _upload(staff_client, bundle(patient(), condition()))

    assert response.status_code == 302
    assert Patient.objects.filter(key="pt-1").exists()


def test_upload_of_a_broken_bundle_is_refused_with_its_errors(staff_client: Client) -> None:
    response = _upload(staff_client, bundle(patient(), condition(subject="urn:uuid:x")))

    assert response.status_code == 400
    assert b"Condition.subject.reference" in response.content
    assert not Patient.objects.exists()


def test_identities_are_hidden_from_staff_who_are_not_superusers(staff_client: Client) -> None:
    assert staff_client.get("/admin/patients/patientidentity/").status_code == 403


def test_superuser_sees_identities_and_facts_are_read_only(superuser_client: Client) -> None:
    _upload(superuser_client, bundle(patient(), condition()))

    assert superuser_client.get("/admin/patients/patientidentity/").status_code == 200
    assert superuser_client.get("/admin/patients/diagnosis/add/").status_code == 403
