"""FHIR R4 resources for one synthetic patient, in the encodings of the matching development set."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from . import codes as c
from . import fhir_molecular as molecular
from .clinical import ALT_DECIMALS, REFERENCE_RANGES
from .codes import ALT_UNITS, LABS, rxnorm_code
from .fhir_types import (
    HTEST,
    LAB_CATEGORY,
    SURVEY_CATEGORY,
    VITALS_CATEGORY,
    Builder,
    Resource,
    cc,
    qty,
)
from .model import SyntheticPatient


def patient_resources(patient: SyntheticPatient, namespace: uuid.UUID, urn: bool = False) -> list[Resource]:
    """Every resource of one patient; references are `Type/id` (bulk NDJSON) or `urn:uuid:id` (Bundle)."""
    b = Builder(patient, namespace, urn)
    _patient(b)
    _conditions(b)
    _performance_and_vitals(b)
    _labs(b)
    molecular.markers(b)
    molecular.genomics(b)
    _disease_status(b)
    _medications(b)
    _procedures(b)
    return b.resources


def _patient(b: Builder) -> None:
    p, person = b.p, b.p.person
    body: Resource = {
        "meta": {"security": [HTEST]},
        "identifier": [
            {
                "use": "usual",
                "type": cc(c.V2_ID_TYPE, "MR", "Medical record number"),
                "system": c.MRN_SYSTEM,
                "value": person.mrn,
            }
        ],
        "active": True,
        "name": [{"use": "official", "family": person.family, "given": [person.given]}],
        "telecom": [{"system": "phone", "value": person.phone, "use": "home"}],
        "gender": p.sex,
        "birthDate": p.birth_date.isoformat(),
        "address": [
            {
                "use": "home",
                "line": [person.line],
                "city": person.city,
                "state": person.state,
                "postalCode": person.postal_code,
                "country": "US",
            }
        ],
    }
    if p.death_date:
        body["deceasedDateTime"] = p.death_date.isoformat()
    b.add("Patient", "patient", body)


def _condition_body(b: Builder, code: dict[str, Any], onset: dt.date, status: str = "active") -> Resource:
    return {
        "clinicalStatus": cc(c.COND_CLINICAL, status),
        "verificationStatus": cc(c.COND_VERIFICATION, "confirmed"),
        "category": [cc(c.COND_CATEGORY, "problem-list-item", "Problem List Item")],
        "code": code,
        "subject": b.subject,
        "onsetDateTime": onset.isoformat(),
        "recordedDate": onset.isoformat(),
    }


def _conditions(b: Builder) -> None:
    p = b.p
    icd, display, site = p.site
    text = f"{p.cancer.histology}, {site}"
    if p.subtype:
        text += f" ({p.subtype})"
    code: dict[str, Any] = {"coding": [{"system": c.ICD10, "code": icd, "display": display}], "text": text}
    if p.cancer.snomed:
        code["coding"].append({"system": c.SNOMED, "code": p.cancer.snomed[0], "display": p.cancer.snomed[1]})
    status = "active" if p.progression_date or p.stage in ("IV", None) else "remission"
    body = _condition_body(b, code, p.diagnosis_date, status)
    if p.stage_group:
        roman = p.stage_group
        code_value = str(("I", "II", "III", "IV").index(p.stage or "I") + 1) + roman[len(p.stage or "") :]
        body["stage"] = [
            {
                "summary": {
                    "coding": [{"system": c.AJCC, "code": code_value}],
                    "text": f"Stage {roman} (AJCC 8th edition)",
                }
            }
        ]
    rid = b.add("Condition", "primary-cancer", body)
    b.primary_ref = {"reference": b.ref("Condition", rid)}
    for i, (icd_code, icd_display) in enumerate(p.conditions):
        onset = (
            p.diagnosis_date
            if icd_code.startswith("C7")
            else p.diagnosis_date - dt.timedelta(days=400 + 97 * i)
        )
        history = icd_code.startswith("Z85")
        body = _condition_body(
            b, cc(c.ICD10, icd_code, icd_display, icd_display), onset, "resolved" if history else "active"
        )
        b.add("Condition", f"condition-{i + 1}", body)


def _performance_and_vitals(b: Builder) -> None:
    p = b.p
    ecog_code = cc(c.LOINC, "89247-1", "ECOG Performance Status score", "ECOG performance status")
    for suffix, score, when in (
        ("ecog-dx", p.ecog, min(p.diagnosis_date + dt.timedelta(days=7), p.last_contact)),
        ("ecog-last", p.ecog_last, p.lab_date),
    ):
        if suffix == "ecog-last" and when <= p.diagnosis_date + dt.timedelta(days=7):
            continue
        if (p.index + len(suffix)) % 2:
            b.observation(suffix, ecog_code, when, SURVEY_CATEGORY, valueInteger=score)
        else:
            value = cc(c.LOINC, c.ECOG_ANSWER[score], str(score), f"ECOG {score}")
            b.observation(suffix, ecog_code, when, SURVEY_CATEGORY, valueCodeableConcept=value)
    if p.index % 5 == 0:  # some records also carry a Karnofsky score
        kps = (100, 80, 60, 40, 20)[p.ecog_last]
        code = cc(c.LOINC, "89243-0", "Karnofsky Performance Status score", "Karnofsky performance status")
        b.observation("karnofsky", code, p.lab_date, SURVEY_CATEGORY, valueInteger=kps)
    b.observation(
        "weight",
        cc(c.LOINC, "29463-7", "Body weight", "Body weight"),
        p.lab_date,
        VITALS_CATEGORY,
        valueQuantity=qty(p.weight, "kg"),
    )
    b.observation(
        "height",
        cc(c.LOINC, "8302-2", "Body height", "Body height"),
        p.lab_date,
        VITALS_CATEGORY,
        valueQuantity=qty(p.height, "cm"),
    )
    if p.pregnancy is not None:
        answer = c.PREGNANT if p.pregnancy else c.NOT_PREGNANT
        b.observation(
            "pregnancy",
            cc(c.LOINC, "82810-3", "Pregnancy status", "Pregnancy status"),
            p.lab_date,
            SURVEY_CATEGORY,
            valueCodeableConcept=cc(c.SNOMED, answer[0], answer[1], answer[1]),
        )


def _labs(b: Builder) -> None:
    p = b.p
    for key, (loinc, display, unit) in LABS.items():
        value = p.labs[key]
        low, high = REFERENCE_RANGES[key][p.sex]
        interpretation = "L" if value < low else "H" if value > high else None
        if key in p.alt_units:
            unit, factor = ALT_UNITS[key]
            digits = ALT_DECIMALS[key]
            value, low, high = (round(x * factor, digits) for x in (value, low, high))
            if digits == 0:
                value, low, high = int(value), int(low), int(high)
        body: Resource = {
            "valueQuantity": qty(value, unit),
            "referenceRange": [{"low": qty(low, unit), "high": qty(high, unit)}],
        }
        if interpretation:
            body["interpretation"] = [
                cc(c.INTERP, interpretation, "Low" if interpretation == "L" else "High")
            ]
        b.observation(f"lab-{key}", cc(c.LOINC, loinc, display, display), p.lab_date, LAB_CATEGORY, **body)


def _disease_status(b: Builder) -> None:
    p = b.p
    code = cc(c.LOINC, "97509-4", "Cancer disease progression", "Cancer disease status")
    if p.progression_date:
        value = cc(c.SNOMED, *c.CONDITION_WORSENED, "Disease progression")
        b.observation(
            "progression", code, p.progression_date, [], valueCodeableConcept=value, focus=[b.primary_ref]
        )
    value = cc(c.SNOMED, *c.CONDITION_STABLE, "Last contact: condition stable")
    if p.death_date is None:
        b.observation(
            "last-contact", code, p.last_contact, [], valueCodeableConcept=value, focus=[b.primary_ref]
        )


def _medications(b: Builder) -> None:
    p = b.p
    asserted = p.last_contact.isoformat()
    for i, d in enumerate(p.drugs):
        code = rxnorm_code(d.drug)
        concept: dict[str, Any] = {"text": d.drug}
        if code:
            concept = {"coding": [{"system": c.RXNORM, "code": code, "display": d.drug}], "text": d.drug}
        period = {"start": d.start.isoformat()}
        if d.end:
            period["end"] = d.end.isoformat()
        b.add(
            "MedicationStatement",
            f"med-{i + 1}",
            {
                "status": "active" if d.end is None else "completed",
                "medicationCodeableConcept": concept,
                "subject": b.subject,
                "effectivePeriod": period,
                "dateAsserted": asserted,
                "reasonReference": [b.primary_ref],
                "note": [{"text": f"Line {d.line}: {d.regimen.replace('_', ' ')}"}],
            },
        )


SURGERY: dict[str, tuple[str, str]] = {
    "luad": ("173171007", "Lobectomy of lung"),
    "lusc": ("173171007", "Lobectomy of lung"),
    "breast": ("392021009", "Lumpectomy of breast"),
    "crc": ("23968004", "Colectomy"),
    "prostate": ("90470006", "Prostatectomy"),
    "thyroid": ("13619001", "Thyroidectomy"),
}


def _procedures(b: Builder) -> None:
    p = b.p
    if not p.surgery:
        return
    code: dict[str, Any] = {"text": f"Resection of {p.site[2]}"}
    if p.cancer.key in SURGERY:
        sct, display = SURGERY[p.cancer.key]
        code = cc(c.SNOMED, sct, display, display)
    b.add(
        "Procedure",
        "surgery",
        {
            "status": "completed",
            "category": cc(c.SNOMED, "387713003", "Surgical procedure"),
            "code": code,
            "subject": b.subject,
            "performedDateTime": p.surgery.isoformat(),
            "reasonReference": [b.primary_ref],
        },
    )
