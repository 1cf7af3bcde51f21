"""One validated resource to a Reading: dispatch by resourceType."""

from __future__ import annotations

from typing import Any

from .common import effective_date, parse_date, reference
from .conditions import read_condition, read_patient
from .facts import OutcomeFact, Reading
from .observations import read_observation
from .treatments import read_medication, read_procedure

MEDICATION_TYPES = {"MedicationRequest", "MedicationStatement", "MedicationAdministration"}


def subject_reference(resource: dict[str, Any]) -> str:
    return reference(resource.get("subject")) or reference(resource.get("patient"))


def read_resource(
    resource: dict[str, Any],
    source_id: str,
    subject: str,
    *,
    patient_key: str = "",
    medications: dict[str, dict[str, Any]] | None = None,
) -> Reading:
    """Facts of one resource. `subject` is the resolved "Patient/id" of its patient ('' for a Patient)."""
    rtype = resource["resourceType"]
    if rtype == "Patient":
        return read_patient(resource, source_id, patient_key)
    if rtype == "Condition":
        return read_condition(resource, source_id, subject)
    if rtype == "Observation":
        return read_observation(resource, source_id, subject)
    if rtype in MEDICATION_TYPES:
        return read_medication(resource, source_id, subject, medications or {})
    if rtype == "Procedure":
        return read_procedure(resource, source_id, subject)
    if rtype == "Encounter" and subject:
        period = resource.get("period") or {}
        seen = parse_date(period.get("end"), "period.end") or parse_date(period.get("start"), "period.start")
        return Reading(facts=[OutcomeFact(source_id, subject, alive_on=seen)], stored=False)
    if subject and rtype in ("DiagnosticReport", "Immunization", "AllergyIntolerance"):
        when = effective_date(resource) or parse_date(resource.get("recordedDate"), "recordedDate")
        return Reading(facts=[OutcomeFact(source_id, subject, alive_on=when)], stored=False)
    return Reading(stored=False)
