"""A match and its workflow status as a FHIR R4 ResearchSubject (for coordinators' systems only)."""

from __future__ import annotations

import re
from typing import Any

from apps.matching.models import Match

from . import workflow


def _fhir_id(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "-", value)[:64]


def research_subject(match: Match, workflow_status: str) -> dict[str, Any]:
    """`match` needs `patient`, `trial` and `arm` loaded; the patient is named by its pseudonymous key."""
    resource: dict[str, Any] = {
        "resourceType": "ResearchSubject",
        "id": f"match-{match.pk}",
        "status": workflow.FHIR_STATUS[workflow_status],
        "study": {"reference": f"ResearchStudy/{_fhir_id(match.trial.trial_id)}"},
        "individual": {"reference": f"Patient/{_fhir_id(match.patient.key)}"},
        "extension": [
            {
                "url": "urn:trialmatch:fhir:match-status",
                "valueCode": match.status,
            },
            {
                "url": "urn:trialmatch:fhir:workflow-status",
                "valueCode": workflow_status,
            },
        ],
    }
    if match.arm is not None:
        resource["assignedArm"] = match.arm.code[:200]
    return resource
