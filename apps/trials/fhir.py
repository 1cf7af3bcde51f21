"""A trial as a FHIR R4 ResearchStudy, validated by fhir.resources before it leaves (no patient data)."""

from __future__ import annotations

import re
from typing import Any

from fhir.resources.R4B.researchstudy import ResearchStudy

from .models import Arm, Trial

CTGOV_SYSTEM = "https://clinicaltrials.gov"
PHASE_SYSTEM = "http://terminology.hl7.org/CodeSystem/research-study-phase"
# ClinicalTrials.gov overallStatus -> ResearchStudy.status (http://hl7.org/fhir/research-study-status)
STATUS = {
    "NOT_YET_RECRUITING": "approved",
    "RECRUITING": "active",
    "ENROLLING_BY_INVITATION": "active",
    "ACTIVE_NOT_RECRUITING": "closed-to-accrual",
    "SUSPENDED": "temporarily-closed-to-accrual",
    "TEMPORARILY_NOT_AVAILABLE": "temporarily-closed-to-accrual",
    "TERMINATED": "administratively-completed",
    "COMPLETED": "completed",
    "WITHDRAWN": "withdrawn",
}
PHASES = {
    "EARLY_PHASE1": "early-phase-1",
    "PHASE1": "phase-1",
    "PHASE1/PHASE2": "phase-1-phase-2",
    "PHASE2": "phase-2",
    "PHASE2/PHASE3": "phase-2-phase-3",
    "PHASE3": "phase-3",
    "PHASE4": "phase-4",
}


def _phase(phase: str) -> str:
    compact = re.sub(r"[\s,]+", "/", phase.upper().replace("PHASE ", "PHASE")).strip("/")
    return PHASES.get(compact, "n-a")


def research_study(trial: Trial) -> dict[str, Any]:
    """The ResearchStudy resource as JSON; raises pydantic's ValidationError if it were not valid FHIR."""
    resource: dict[str, Any] = {
        "resourceType": "ResearchStudy",
        "id": re.sub(r"[^A-Za-z0-9.-]", "-", trial.trial_id)[:64],
        "identifier": [
            {
                "system": CTGOV_SYSTEM if trial.trial_id.startswith("NCT") else "urn:trialmatch:protocol",
                "value": trial.trial_id,
            }
        ],
        "status": STATUS.get(trial.overall_status.upper(), "in-review"),
        "phase": {
            "coding": [{"system": PHASE_SYSTEM, "code": _phase(trial.phase)}],
            "text": trial.phase or "n-a",
        },
    }
    if trial.title:
        resource["title"] = trial.title
    if trial.conditions:
        resource["condition"] = [{"text": str(c)} for c in trial.conditions if str(c).strip()]
    if trial.sponsor is not None:
        resource["sponsor"] = {"display": trial.sponsor.name}
    if trial.eligibility_text.strip():
        resource["description"] = trial.eligibility_text
    arms: list[Arm] = list(trial.arms.all())
    if arms:
        resource["arm"] = [
            {"name": arm.code, **({"description": arm.description} if arm.description.strip() else {})}
            for arm in arms
        ]
    return ResearchStudy.model_validate(resource).model_dump(mode="json", exclude_none=True)
