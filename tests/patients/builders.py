"""Small FHIR R4 builders for intake tests: one Bundle with a patient and what the test adds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LOINC = "http://loinc.org"


def patient(pid: str = "pt-1", **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": pid,
        "gender": "female",
        "birthDate": "1960-04-02",
        "name": [{"family": "Testcase", "given": ["Zed"]}],
        "identifier": [
            {
                "type": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]
                },
                "value": "ZZCANARY-MRN-0001",
            }
        ],
        **extra,
    }


def lab(
    oid: str,
    loinc: str,
    value: float,
    unit: str,
    low: float | None = None,
    high: float | None = None,
    subject: str = "urn:uuid:pt-1",
) -> dict[str, Any]:
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "subject": {"reference": subject},
        "effectiveDateTime": "2026-10-23",
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
    }
    if low is not None and high is not None:
        obs["referenceRange"] = [
            {
                "low": {"value": low, "unit": unit, "code": unit},
                "high": {"value": high, "unit": unit, "code": unit},
            }
        ]
    return obs


def condition(cid: str = "cond-1", icd: str = "C34.12", subject: str = "urn:uuid:pt-1") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": cid,
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": icd}], "text": "cancer"},
        "subject": {"reference": subject},
        "onsetDateTime": "2026-01-05",
    }


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def write(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc))
    return path


def write_ndjson(folder: Path, resources: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    by_type: dict[str, list[str]] = {}
    for r in resources:
        by_type.setdefault(r["resourceType"], []).append(json.dumps(r))
    for rtype, lines in by_type.items():
        (folder / f"{rtype}.000.ndjson").write_text("\n".join(lines) + "\n")
    return folder
