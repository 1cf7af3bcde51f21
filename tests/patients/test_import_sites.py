"""An imported patient's site: its managingOrganization matched to a Site, else the uploader's site."""

from __future__ import annotations

import json
from typing import Any

import pytest

from apps.accounts.models import Site
from apps.audit.models import AuditEvent
from apps.patients import placement
from apps.patients import services as patients
from apps.patients.models import Patient

from .builders import bundle, patient


def organization(oid: str, name: str, code: str = "") -> dict[str, Any]:
    org: dict[str, Any] = {"resourceType": "Organization", "id": oid, "name": name}
    if code:
        org["identifier"] = [{"system": "urn:trialmatch:site", "value": code}]
    return org


def managed_by(pid: str, reference: dict[str, Any]) -> dict[str, Any]:
    return patient(pid, managingOrganization=reference)


def upload(doc: dict[str, Any], site: Site | None = None) -> patients.ImportReport:
    return patients.import_bytes("sites.json", json.dumps(doc).encode(), default_site=site)


@pytest.mark.parametrize(
    ("organization", "expected"),
    [
        (placement.Organization(identifiers=("NORTH",)), "north"),
        (placement.Organization(names=(" north clinic ",)), "north"),
        (placement.Organization(identifiers=("unknown",), names=("South Hospital",)), "south"),
        (placement.Organization(identifiers=("south",), names=("North Clinic",)), "south"),
        (placement.Organization(identifiers=("elsewhere",), names=("Elsewhere",)), None),
        (None, None),
    ],
)
def test_an_organization_is_a_site_by_identifier_first_then_by_name(
    organization: placement.Organization | None, expected: str | None
) -> None:
    sites = [("north", "North Clinic"), ("south", "South Hospital")]

    assert placement.site_code_for(organization, sites) == expected


@pytest.mark.django_db
def test_patients_get_the_site_of_their_managing_organization_or_else_the_uploaders() -> None:
    north = Site.objects.create(code="north", name="North Clinic")
    south = Site.objects.create(code="south", name="South Hospital")
    doc = bundle(
        organization("org-1", "Some legal name", code="south"),
        managed_by("by-identifier", {"reference": "urn:uuid:org-1"}),
        managed_by("by-display", {"display": "North Clinic"}),
        managed_by("by-reference-identifier", {"identifier": {"value": "SOUTH"}}),
        managed_by("unknown-org", {"display": "A clinic we do not have"}),
        patient("no-org"),
    )

    report = upload(doc, site=north)

    assert report.ok, report.as_dict()
    sites = dict(Patient.objects.values_list("key", "site__code"))
    assert sites == {
        "by-identifier": "south",
        "by-display": "north",
        "by-reference-identifier": "south",
        "unknown-org": "north",
        "no-org": "north",
    }
    assert report.units[0].sites == {"north": 3, "south": 2}
    assert report.units[0].without_site == 0
    event = AuditEvent.objects.get(action="patients.import")
    assert event.details["sites"] == {"north": 3, "south": 2}
    assert Patient.objects.filter(site=south).count() == 2


@pytest.mark.django_db
def test_a_reimport_moves_a_patient_to_its_new_managing_organization_but_keeps_a_site_otherwise() -> None:
    north = Site.objects.create(code="north", name="North Clinic")
    Site.objects.create(code="south", name="South Hospital")
    upload(bundle(patient("moved"), patient("stays")), site=north)

    upload(bundle(managed_by("moved", {"display": "South Hospital"}), patient("stays")), site=None)

    assert dict(Patient.objects.values_list("key", "site__code")) == {"moved": "south", "stays": "north"}


@pytest.mark.django_db
def test_a_patient_no_site_claims_is_counted_as_without_a_site() -> None:
    Site.objects.create(code="north", name="North Clinic")

    report = upload(bundle(managed_by("lost", {"display": "Nowhere"})), site=None)

    assert report.ok
    assert Patient.objects.get(key="lost").site is None
    assert report.units[0].without_site == 1
    assert report.as_dict()["units"][0]["without_site"] == 1


@pytest.mark.django_db
def test_a_rejected_file_sets_no_site() -> None:
    north = Site.objects.create(code="north", name="North Clinic")
    broken = bundle(patient("p1"), {"resourceType": "Observation", "id": "o1", "status": "final"})

    report = upload(broken, site=north)

    assert not report.ok
    assert not Patient.objects.exists()
    assert report.units[0].sites == {}
