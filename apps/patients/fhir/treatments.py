"""MedicationRequest / MedicationStatement / MedicationAdministration and Procedure resources to facts."""

from __future__ import annotations

import re
from typing import Any

from . import terms
from .common import (
    CPT,
    RXNORM,
    SNOMED,
    SYSTEM_NAMES,
    all_codes,
    code_in,
    effective_date,
    parse_date,
    profiles,
    text_of,
)
from .facts import Note, OutcomeFact, ProcedureFact, ReadError, Reading, TherapyFact


def read_medication(
    resource: dict[str, Any], source_id: str, subject: str, medications: dict[str, dict[str, Any]]
) -> Reading:
    """`medications` maps a reference (fullUrl, Medication/id or #contained) to a Medication resource."""
    concept = resource.get("medicationCodeableConcept")
    if concept is None and resource.get("medicationReference"):
        ref = resource["medicationReference"]
        target = medications.get(str(ref.get("reference", "")))
        concept = target.get("code") if target else {"text": ref.get("display", "")}
    concept = concept or {}
    rxcui = code_in(concept, RXNORM)
    name = text_of(concept)
    drug = terms.drug_by_rxnorm(rxcui) if rxcui else None
    for candidate in drug_names(name) if drug is None else []:
        drug = terms.drug_lookup(candidate)
        if drug is not None:
            break
    notes: list[Note] = []
    if drug is None:
        notes.append(Note("unknown-drug", f"RxNorm|{rxcui}" if rxcui else "text"))
    dbid = str(getattr(drug, "dbid", "") or getattr(drug, "drugbank_id", "") or "") if drug else ""
    start, end = _period(resource)
    if start and end and end < start:
        raise ReadError("effectivePeriod.end", "ends before it starts")
    fact = TherapyFact(
        source_id,
        subject,
        drug_name=(str(getattr(drug, "name", "")) if drug else "") or name[:200] or rxcui or "unknown",
        drugbank_id=dbid[:10],
        rxnorm=rxcui[:20],
        drug_classes=terms.drug_classes(dbid) if dbid else [],
        start_date=start,
        end_date=end,
        status=str(resource.get("status") or "")[:30],
    )
    alive = OutcomeFact(source_id, subject, alive_on=end or start)
    return Reading(facts=[fact, alive], notes=notes)


_LEADING_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?\s*(?:ML|HR|MG|ACTUAT)\s+)+", re.IGNORECASE)
_BRAND = re.compile(r"\[([^\]]+)\]")
_ALSO_KNOWN = re.compile(r"\(([^()]+)\)")
# FDA naming of biologics: a four-letter suffix ("trastuzumab deruxtecan-nxki") and a prefix for a new
# conjugate of a known antibody ("fam-", "ado-trastuzumab emtansine") that synonym lists often omit.
_BIOLOGIC_AFFIXES = re.compile(r"^(?:fam|ado)-|-[a-z]{4}$", re.IGNORECASE)


def drug_names(text: str) -> list[str]:
    """Names to look up for a medication text: as written, then the ingredient names of an RxNorm-style
    clinical drug ("Cisplatin 50 MG Injection" -> "Cisplatin") without FDA biologic affixes, then a bracketed
    brand name and the names given in parentheses ("... (Enhertu, T-DXd)")."""
    out = [text] if text else []
    core = _ALSO_KNOWN.sub("", _LEADING_AMOUNT.sub("", _BRAND.sub("", text))).strip()
    for part in core.split(" / "):
        words = []
        for word in part.split():
            if word[:1].isdigit():
                break
            words.append(word)
        if words:
            out.append(" ".join(words))
            out.append(" ".join(_BIOLOGIC_AFFIXES.sub("", w) for w in words))
    out.extend(m.strip() for m in _BRAND.findall(text))
    out.extend(n.strip() for m in _ALSO_KNOWN.findall(text) for n in re.split(r"[,;/]", m) if n.strip())
    return list(dict.fromkeys(out))


def _period(resource: dict[str, Any]) -> tuple[Any, Any]:
    rtype = resource.get("resourceType")
    if rtype == "MedicationRequest":
        start = parse_date(resource.get("authoredOn"), "authoredOn")
        validity = (resource.get("dispenseRequest") or {}).get("validityPeriod") or {}
        end = parse_date(validity.get("end"), "dispenseRequest.validityPeriod.end")
        return start, end
    period = resource.get("effectivePeriod")
    if isinstance(period, dict):
        return (
            parse_date(period.get("start"), "effectivePeriod.start"),
            parse_date(period.get("end"), "effectivePeriod.end"),
        )
    when = effective_date(resource)
    return when, when if resource.get("resourceType") == "MedicationAdministration" else None


# --- Procedure ---------------------------------------------------------------------------------------
_RADIATION_TEXT = re.compile(
    r"radiation|radiotherap|brachytherap|irradiat|teletherap|proton|stereotactic|\bsbrt\b|\bsrs\b|\bimrt\b"
    r"|gamma knife|cyberknife|\bxrt\b|radiosurg",
    re.IGNORECASE,
)
_SURGERY_TEXT = re.compile(
    r"ectomy|otomy|ostomy|resection|excision|surgery|surgical|amputation|lobectomy|repair|mastectomy|"
    r"lumpectomy|whipple|dissection|reconstruction|arthroplasty",
    re.IGNORECASE,
)
_NOT_A_PROCEDURE = re.compile(
    r"^(referral|evaluation|assessment|consultation|education|counsel)|\bevaluation\b", re.IGNORECASE
)
_RADIATION_SNOMED = {"108290001", "1287742003", "152198000", "33195004", "169359004", "385798007", "33356009"}
_SURGERY_SNOMED = {"387713003", "173170008", "359615001", "392021009", "64368001"}


def procedure_kind(system: str, code: str, text: str, profile_urls: list[str]) -> str:
    joined = " ".join(profile_urls)
    if "radiation" in joined or "radiotherapy" in joined:
        return "radiation"
    if "surgical" in joined:
        return "surgery"
    if system == SNOMED and code in _RADIATION_SNOMED:
        return "radiation"
    if system == SNOMED and code in _SURGERY_SNOMED:
        return "surgery"
    if system == CPT and code[:5].isdigit():
        number = int(code[:5])
        if 77261 <= number <= 77799:
            return "radiation"
        if 10004 <= number <= 69990:
            return "surgery"
    if _NOT_A_PROCEDURE.search(text):
        return "other"
    if _RADIATION_TEXT.search(text):
        return "radiation"
    if _SURGERY_TEXT.search(text) and "biopsy" not in text.lower():
        return "surgery"
    return "other"


def read_procedure(resource: dict[str, Any], source_id: str, subject: str) -> Reading:
    concept = resource.get("code") or {}
    coded = all_codes(concept)
    system, code = coded[0] if coded else ("", "")
    text = text_of(concept)
    kind = procedure_kind(system, code, text, profiles(resource))
    when = effective_date(resource, "performed")
    fact = ProcedureFact(
        source_id,
        subject,
        kind=kind,
        code_system=SYSTEM_NAMES.get(system, system)[:20],
        code=code[:40],
        display=text,
        performed_date=when,
    )
    notes: list[Note] = []
    return Reading(facts=[fact, OutcomeFact(source_id, subject, alive_on=when)], notes=notes)
