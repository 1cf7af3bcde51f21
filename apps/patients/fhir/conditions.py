"""Patient and Condition resources to facts."""

from __future__ import annotations

import re
from typing import Any

from . import terms
from .common import ICD10, ICD10CM, ICD10CM_OID, SNOMED, SYSTEM_NAMES, all_codes, code_in, parse_date, text_of
from .demographics import race_and_ethnicity
from .facts import DiagnosisFact, Note, PatientFact, ReadError, Reading

_SEXES = {"female", "male", "other", "unknown"}
_MRN_TYPES = {"MR", "MRN"}


def read_patient(resource: dict[str, Any], source_id: str, key: str) -> Reading:
    gender = str(resource.get("gender") or "unknown")
    if gender not in _SEXES:
        raise ReadError("gender", f"not a FHIR administrative gender: {gender[:20]!r}")
    birth_date = parse_date(resource.get("birthDate"), "birthDate")
    death_date = None
    deceased = bool(resource.get("deceasedBoolean"))
    if resource.get("deceasedDateTime"):
        death_date = parse_date(resource["deceasedDateTime"], "deceasedDateTime")
        deceased = True
    identifiers = []
    mrn = ""
    for ident in resource.get("identifier") or []:
        if not isinstance(ident, dict) or not ident.get("value"):
            continue
        kind = code_in(ident.get("type"), "http://terminology.hl7.org/CodeSystem/v2-0203")
        identifiers.append(
            {"system": str(ident.get("system") or ""), "type": kind, "value": str(ident["value"])}
        )
        if kind in _MRN_TYPES and not mrn:
            mrn = str(ident["value"])
    organization = resource.get("managingOrganization")
    fact = PatientFact(
        source_id=source_id,
        key=key,
        sex=gender,
        birth_date=birth_date,
        deceased=deceased,
        death_date=death_date,
        name=_name(resource.get("name") or []),
        mrn=mrn,
        address=_address(resource.get("address") or []),
        phone=_telecom(resource.get("telecom") or [], "phone"),
        email=_telecom(resource.get("telecom") or [], "email"),
        identifiers=identifiers,
        **race_and_ethnicity(resource),
        managing_organization=organization if isinstance(organization, dict) else None,
    )
    return Reading(facts=[fact])


def _name(names: list[Any]) -> str:
    chosen = next((n for n in names if isinstance(n, dict) and n.get("use") == "official"), None)
    chosen = chosen or next((n for n in names if isinstance(n, dict)), None)
    if chosen is None:
        return ""
    if chosen.get("text"):
        return str(chosen["text"])[:300]
    family = chosen.get("family") or ""
    family = " ".join(family) if isinstance(family, list) else str(family)
    return " ".join([*(str(g) for g in chosen.get("given") or []), family]).strip()[:300]


def _address(addresses: list[Any]) -> str:
    for addr in addresses:
        if isinstance(addr, dict):
            if addr.get("text"):
                return str(addr["text"])
            parts = [*(addr.get("line") or []), addr.get("city"), addr.get("state"), addr.get("postalCode")]
            return ", ".join(str(p) for p in [*parts, addr.get("country")] if p)
    return ""


def _telecom(telecoms: list[Any], system: str) -> str:
    for t in telecoms:
        if isinstance(t, dict) and t.get("system") == system and t.get("value"):
            return str(t["value"])[:100]
    return ""


# --- stage -------------------------------------------------------------------------------------------
_ROMAN = {"0": "0", "1": "I", "2": "II", "3": "III", "4": "IV"}
_STAGE_TEXT = re.compile(r"\bstage\s+(0|IV|I{1,3}|[0-4])\s*([A-D]\d?)?\b", re.IGNORECASE)
_STAGE_CODE = re.compile(r"^(?:stage\s*)?(0|IV|I{1,3}|[0-4])([A-D]\d?)?$", re.IGNORECASE)


def stage_group(code: str, text: str) -> str:
    """Summary stage group as roman numeral plus letter ('IV', 'IIIC', 'IVB'), from text or code; ''."""
    found = []
    match = _STAGE_TEXT.search(text or "")
    if match:
        found.append(_ROMAN.get(match[1], match[1].upper()) + (match[2] or "").upper())
    match = _STAGE_CODE.match((code or "").strip())
    if match:
        found.append(_ROMAN.get(match[1], match[1].upper()) + (match[2] or "").upper())
    return max(found, key=len) if found else ""


# --- Condition ---------------------------------------------------------------------------------------
_DIAGNOSIS_SYSTEMS = (ICD10CM, ICD10CM_OID, ICD10, SNOMED)


def read_condition(resource: dict[str, Any], source_id: str, subject: str) -> Reading:
    concept = resource.get("code") or {}
    text = text_of(concept)
    coded = [(s, c) for s, c in all_codes(concept) if s in _DIAGNOSIS_SYSTEMS]
    notes: list[Note] = []
    best_tree, best_depth, categories = "", -1, set()
    for system, code in coded:
        name = SYSTEM_NAMES[system]
        tree = terms.oncotree(name, code, text or None) or ""
        if tree and terms.oncotree_depth(tree) > best_depth:
            best_tree, best_depth = tree, terms.oncotree_depth(tree)
        categories.add(terms.diagnosis_category(name, code) or "")
    if coded:
        system, code = coded[0]
        code_system = SYSTEM_NAMES[system]
    else:
        system, code, code_system = "", "", "TEXT"
    if not best_tree and text and not coded:
        best_tree = terms.oncotree("TEXT", "", text) or ""
    # A cancer coded in any system makes the condition a cancer (one coding may be less specific).
    category = next((c for c in ("cancer", "metastasis", "comorbidity") if c in categories), "")
    if not category:
        category = "cancer" if best_tree else "comorbidity"
    if category == "cancer" and not best_tree:
        notes.append(Note("unmapped-diagnosis-code", f"{code_system}|{code}"))
    if not coded:
        notes.append(Note("uncoded-condition", source_id))
    stage, stage_text = "", ""
    for item in resource.get("stage") or []:
        summary = item.get("summary") if isinstance(item, dict) else None
        if summary:
            stage_text = text_of(summary)[:200]
            stage = stage_group(next((c for _, c in all_codes(summary)), ""), stage_text)
            break
    fact = DiagnosisFact(
        source_id=source_id,
        subject=subject,
        category=category,
        code_system=code_system,
        code=code[:40],
        display=text,
        codes=[f"{s}|{c}" for s, c in all_codes(concept)],
        oncotree_code=best_tree,
        onset_date=_onset(resource),
        stage=stage[:20],
        stage_text=stage_text,
        histology=_histology(resource)[:200],
        clinical_status=next((c for _, c in all_codes(resource.get("clinicalStatus"))), "")[:20],
    )
    return Reading(facts=[fact], notes=notes)


def _onset(resource: dict[str, Any]) -> Any:
    for key in ("onsetDateTime", "onsetPeriod", "recordedDate"):
        value = resource.get(key)
        if isinstance(value, dict):
            return parse_date(value.get("start"), f"{key}.start")
        if value:
            return parse_date(value, key)
    return None


def _histology(resource: dict[str, Any]) -> str:
    for ext in resource.get("extension") or []:
        if isinstance(ext, dict) and "histology-morphology-behavior" in str(ext.get("url", "")):
            return text_of(ext.get("valueCodeableConcept")) or next(
                (c for _, c in all_codes(ext.get("valueCodeableConcept"))), ""
            )
    return ""
