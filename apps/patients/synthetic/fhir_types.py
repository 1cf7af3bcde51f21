"""Small FHIR building blocks shared by the synthetic cohort's resource builders."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from . import codes as c
from .model import SyntheticPatient

Resource = dict[str, Any]
BASE_NAMESPACE = uuid.UUID("6f1c2a8e-3b4d-5e6f-8a9b-0c1d2e3f4a5b")
HTEST = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
    "code": "HTEST",
    "display": "test health data",
}


def seed_namespace(seed: int) -> uuid.UUID:
    return uuid.uuid5(BASE_NAMESPACE, f"trialmatch-synthetic-cohort/{seed}")


def cc(system: str, code: str, display: str | None = None, text: str | None = None) -> dict[str, Any]:
    coding: dict[str, str] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    out: dict[str, Any] = {"coding": [coding]}
    if text:
        out["text"] = text
    return out


def qty(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": c.UCUM, "code": unit}


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [cc(c.OBSCAT, code, display)]


LAB_CATEGORY = _category("laboratory", "Laboratory")
SURVEY_CATEGORY = _category("survey", "Survey")
VITALS_CATEGORY = _category("vital-signs", "Vital Signs")


def uuid5_text(namespace: bytes, name: str) -> str:
    """str(uuid.uuid5(UUID(bytes=namespace), name)) without building UUID objects (the hot path)."""
    digest = bytearray(hashlib.sha1(namespace + name.encode(), usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Builder:
    def __init__(self, patient: SyntheticPatient, namespace: uuid.UUID, urn: bool) -> None:
        self.p = patient
        self.ns = namespace.bytes
        self.urn = urn
        self.pid = uuid5_text(self.ns, f"patient/{patient.index}")
        self.resources: list[Resource] = []
        self.subject = {"reference": self.ref("Patient", self.pid)}
        self.primary_ref: dict[str, str] = {}

    def ref(self, kind: str, rid: str) -> str:
        return f"urn:uuid:{rid}" if self.urn else f"{kind}/{rid}"

    def add(self, kind: str, suffix: str, body: Resource) -> str:
        rid = self.pid if kind == "Patient" else uuid5_text(self.ns, f"{self.p.index}/{suffix}")
        self.resources.append({"resourceType": kind, "id": rid, **body})
        return rid

    def observation(
        self, suffix: str, code: dict[str, Any], when: dt.date, category: Any, **value: Any
    ) -> None:
        body: Resource = {"status": "final"}
        if category:
            body["category"] = category
        body.update({"code": code, "subject": self.subject})
        body["effectiveDateTime"] = when.isoformat()
        body.update(value)
        self.add("Observation", suffix, body)
