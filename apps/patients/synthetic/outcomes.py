"""Survival outcomes read back from a patient's FHIR resources: index date, follow-up, death, progression."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

PROGRESSION_CODE = "271299001"


@dataclass(frozen=True)
class Outcome:
    patient_id: str
    index_date: dt.date  # diagnosis: onset of the primary cancer Condition
    last_date: dt.date  # death, or last contact when alive
    died: bool
    progression_date: dt.date | None

    @property
    def days(self) -> int:
        return (self.last_date - self.index_date).days


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value[:10])


def outcome_from_resources(resources: list[dict[str, Any]]) -> Outcome:
    """The primary cancer is the first Condition with a C-code other than a secondary neoplasm (C77-C79)."""
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    index_date: dt.date | None = None
    last = dt.date.min
    progression: dt.date | None = None
    for r in resources:
        kind = r["resourceType"]
        if kind == "Condition" and index_date is None:
            icd = [x["code"] for x in r["code"].get("coding", []) if x["system"].endswith("icd-10-cm")]
            if icd and icd[0].startswith("C") and not icd[0].startswith(("C77", "C78", "C79")):
                index_date = _date(r["onsetDateTime"])
        elif kind == "Observation" and "effectiveDateTime" in r:
            when = _date(r["effectiveDateTime"])
            last = max(last, when)
            if r["code"].get("coding", [{}])[0].get("code") == "97509-4":
                value = r["valueCodeableConcept"]["coding"][0]["code"]
                if value == PROGRESSION_CODE and (progression is None or when < progression):
                    progression = when
    if index_date is None:
        raise ValueError(f"Patient/{patient['id']}: no primary cancer Condition")
    died = "deceasedDateTime" in patient
    last_date = _date(patient["deceasedDateTime"]) if died else last
    return Outcome(patient["id"], index_date, last_date, died, progression)
