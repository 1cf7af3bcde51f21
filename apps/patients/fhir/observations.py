"""Observation resources to facts: labs and vitals, performance status, tumour markers, pregnancy, staging,
disease status. Genomic variants are read in `genomics`."""

from __future__ import annotations

import re
from typing import Any

from . import genomics, terms
from .common import LOINC, SNOMED, all_codes, code_in, effective_date, profiles, quantity, text_of
from .conditions import stage_group
from .facts import (
    BiomarkerFact,
    LabFact,
    Note,
    OutcomeFact,
    PerformanceFact,
    PregnancyFact,
    ReadError,
    Reading,
    StageFact,
)

ECOG, KARNOFSKY, LANSKY = "89247-1", "89243-0", "89244-8"
ECOG_ANSWERS = {"LA9622-7": 0, "LA9623-5": 1, "LA9624-3": 2, "LA9625-0": 3, "LA9626-8": 4, "LA9627-6": 5}
TMB, MSI = "94076-7", "81695-9"
MARKERS = {
    "85319-2": "HER2-IHC",
    "18474-7": "HER2-IHC",
    "85318-4": "HER2-ISH",
    "48676-1": "HER2-ISH",
    "85337-4": "ER",
    "16112-5": "ER",
    "40556-3": "ER",
    "85339-0": "PR",
    "16113-3": "PR",
    "40557-1": "PR",
    "83052-1": "PD-L1",
    "83053-9": "PD-L1",
    "83054-7": "PD-L1",
    "83055-4": "PD-L1",
    "83056-2": "PD-L1",
    "83057-0": "PD-L1",
    "85147-7": "PD-L1",
    TMB: "TMB",
    MSI: "MSI",
}
PDL1_CLONES = {"83052-1": "22C3", "83055-4": "28-8", "83057-0": "SP142"}
PREGNANCY = {"82810-3", "11449-6", "2106-3", "2118-8", "19080-1"}
LACTATION = {"63895-7"}
STAGE_GROUPS = {"21908-9", "21902-2", "21914-7", "75620-5"}
TNM_CATEGORIES = {"21905-5", "21906-3", "21907-1", "21899-0", "21900-6", "21901-4"}
DISEASE_STATUS = {"97509-4", "88040-1"}
PROGRESSION_SNOMED = {"271299001", "444391001"}
POSITIVE = {"10828004", "LA6576-8"}
NEGATIVE = {"260385009", "LA6577-6"}

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_BELOW = re.compile(r"(?:<|≤|&lt;|\bless\s+than|\bbelow|\bunder)\s*=?\s*$", re.IGNORECASE)
_CLONE = re.compile(r"\b(22C3|28-8|SP263|SP142|73-10|E1L3N)\b", re.IGNORECASE)
_SCORING = re.compile(r"\b(TPS|CPS|IC|TC)\b")


def read_observation(resource: dict[str, Any], source_id: str, subject: str) -> Reading:
    concept = resource.get("code") or {}
    loinc = code_in(concept, LOINC)
    when = effective_date(resource)
    alive = OutcomeFact(source_id=source_id, subject=subject, alive_on=when)
    reading = _dispatch(resource, source_id, subject, loinc, when)
    reading.facts.append(alive)
    return reading


def _dispatch(resource: dict[str, Any], source_id: str, subject: str, loinc: str, when: Any) -> Reading:
    concept = resource.get("code") or {}
    value_concept = resource.get("valueCodeableConcept")
    if loinc in (ECOG, KARNOFSKY, LANSKY):
        return Reading(facts=[_performance(resource, source_id, subject, loinc, when)])
    if loinc in genomics.VARIANT_CODES or any("genomic" in p or "variant" in p for p in profiles(resource)):
        return genomics.read_variant(resource, source_id, subject, when)
    marker = MARKERS.get(loinc) or _marker_from_text(text_of(concept), resource)
    if marker:
        return Reading(facts=[_biomarker(resource, source_id, subject, marker, loinc, when)])
    if loinc in PREGNANCY or loinc in LACTATION:
        status = _pregnancy(value_concept, loinc)
        return Reading(facts=[PregnancyFact(source_id, subject, status=status, effective_date=when)])
    if loinc in STAGE_GROUPS:
        code = next((c for _, c in all_codes(value_concept)), "")
        text = text_of(value_concept)
        condition = next((str(f.get("reference", "")) for f in resource.get("focus") or []), "")
        stage = stage_group(code, text) or stage_group(code, f"stage {code}")
        fact = StageFact(
            source_id, subject, condition=condition, stage=stage, stage_text=(text or code)[:200]
        )
        return Reading(facts=[fact] if stage else [], stored=bool(stage))
    if loinc in TNM_CATEGORIES:
        return Reading(stored=False)
    if loinc in DISEASE_STATUS:
        codes = {c for _, c in all_codes(value_concept)}
        text = text_of(value_concept).lower()
        if codes & PROGRESSION_SNOMED or "progress" in text or "worse" in text:
            return Reading(facts=[OutcomeFact(source_id, subject, progressed_on=when)], stored=False)
        return Reading(stored=False)
    return _lab_or_vitals(resource, source_id, subject, loinc, when)


def _performance(
    resource: dict[str, Any], source_id: str, subject: str, loinc: str, when: Any
) -> PerformanceFact:
    scale = {ECOG: "ECOG", KARNOFSKY: "KPS", LANSKY: "LANSKY"}[loinc]
    value: int | None = None
    if resource.get("valueInteger") is not None:
        value = int(resource["valueInteger"])
    elif resource.get("valueQuantity"):
        q = quantity(resource["valueQuantity"], "valueQuantity")
        value = int(q[0]) if q else None
    elif resource.get("valueCodeableConcept"):
        concept = resource["valueCodeableConcept"]
        answer = code_in(concept, LOINC)
        if answer in ECOG_ANSWERS and scale == "ECOG":
            value = ECOG_ANSWERS[answer]
        else:
            digits = re.search(r"\d+", " ".join([*(c for _, c in all_codes(concept)), text_of(concept)]))
            value = int(digits[0]) if digits else None
    if value is None:
        raise ReadError("value[x]", f"{scale} score missing or not understood")
    if value < 0 or (scale == "ECOG" and value > 5) or value > 100:
        raise ReadError("value[x]", f"{scale} score out of range: {value}")
    return PerformanceFact(source_id, subject, scale=scale, value=value, effective_date=when)


def _marker_from_text(text: str, resource: dict[str, Any]) -> str:
    low = text.lower()
    if "mismatch repair" in low or re.search(r"\bmmr\b", low):
        return "MMR"
    if not any("tumor-marker" in p for p in profiles(resource)):
        return ""
    for needle, marker in (
        ("estrogen", "ER"),
        ("progesterone", "PR"),
        ("pd-l1", "PD-L1"),
        ("her2", "HER2-IHC"),
    ):
        if needle in low:
            return marker
    return ""


def _biomarker(
    resource: dict[str, Any], source_id: str, subject: str, marker: str, loinc: str, when: Any
) -> BiomarkerFact:
    concept = resource.get("valueCodeableConcept")
    value_text = text_of(concept) or str(resource.get("valueString") or "")
    number: float | None = None
    if resource.get("valueQuantity"):
        q = quantity(resource["valueQuantity"], "valueQuantity")
        number = q[0] if q else None
    elif resource.get("valueInteger") is not None:
        number = float(resource["valueInteger"])
    if number is None and marker in ("ER", "PR", "PD-L1"):
        pct = _PERCENT.search(value_text)
        # "Negative (<1% of tumor cells)" states a bound, not a value: the result is what was reported
        below = pct is not None and _BELOW.search(value_text[: pct.start()])
        number = float(pct[1]) if pct and not below else None
    interp = {c for item in resource.get("interpretation") or [] for _, c in all_codes(item)}
    result = _result(marker, value_text, {c for _, c in all_codes(concept)}, interp, number)
    scoring, clone = "", ""
    if marker == "PD-L1":
        everything = " ".join([text_of(resource.get("code")), value_text, _component_text(resource)])
        clone = PDL1_CLONES.get(loinc, "")
        found = _CLONE.search(everything)
        clone = clone or (found[1].upper() if found else "")
        scoring_match = _SCORING.search(everything)
        scoring = scoring_match[1] if scoring_match else ("TPS" if loinc == "83053-9" else "")
    return BiomarkerFact(
        source_id,
        subject,
        marker=marker,
        loinc=loinc,
        value_number=number,
        value_text=value_text[:300],
        result=result,
        scoring=scoring,
        clone=clone,
        effective_date=when,
    )


def _component_text(resource: dict[str, Any]) -> str:
    parts = []
    for comp in resource.get("component") or []:
        parts.append(text_of(comp.get("code")))
        parts.append(text_of(comp.get("valueCodeableConcept")) or str(comp.get("valueString") or ""))
    return " ".join(parts)


def _result(marker: str, text: str, codes: set[str], interp: set[str], number: float | None) -> str:
    low = text.lower()
    if marker == "MSI":
        if "msi-h" in low or "high" in low or "unstable" in low:
            return "MSI-H"
        if "msi-l" in low or "low" in low:
            return "MSI-L"
        if "mss" in low or "stable" in low:
            return "MSS"
        return ""
    if marker == "MMR":
        if "dmmr" in low or "deficien" in low or "loss" in low or "absent" in low:
            return "dMMR"
        if "pmmr" in low or "proficien" in low or "retained" in low or "intact" in low:
            return "pMMR"
        return ""
    if marker == "HER2-IHC":
        score = re.search(r"\b([0-3])\s*\+|\b(0)\b", text)
        if score:
            return f"{score[1]}+" if score[1] else "0"
    if marker == "HER2-ISH":
        if "not amplified" in low or "non-amplified" in low or "negative" in low:
            return "not-amplified"
        if "amplified" in low or "positive" in low:
            return "amplified"
        if "equivocal" in low:
            return "equivocal"
    if marker == "TMB":
        return "high" if "high" in low else ("low" if "low" in low else "")
    if codes & POSITIVE or low.startswith("positive") or "POS" in interp:
        return "positive"
    if codes & NEGATIVE or low.startswith("negative") or "NEG" in interp:
        return "negative"
    if "equivocal" in low:
        return "equivocal"
    return ""


def _pregnancy(concept: Any, loinc: str) -> str:
    codes = {c for _, c in all_codes(concept)}
    low = text_of(concept).lower()
    if loinc in LACTATION:
        return (
            "lactating" if codes & {"LA33-6", "373066001"} or low.startswith(("yes", "breast")) else "unknown"
        )
    if codes & {"LA26683-5", "60001007"} | NEGATIVE or "not pregnant" in low or low.startswith("negative"):
        return "not_pregnant"
    if codes & {"LA15173-0", "77386006"} | POSITIVE or "pregnant" in low or low.startswith("positive"):
        return "pregnant"
    return "unknown"


def _lab_or_vitals(resource: dict[str, Any], source_id: str, subject: str, loinc: str, when: Any) -> Reading:
    if not loinc:
        return Reading(notes=[Note("uncoded-observation", "no LOINC code")], stored=False)
    notes: list[Note] = []
    facts: list[Any] = []
    items: list[tuple[str, str, dict[str, Any], str]] = []
    if resource.get("valueQuantity"):
        items.append((source_id, loinc, resource, "valueQuantity"))
    for i, comp in enumerate(resource.get("component") or []):
        comp_loinc = code_in(comp.get("code"), LOINC)
        if comp_loinc and comp.get("valueQuantity"):
            items.append((f"{source_id}#{comp_loinc}", comp_loinc, comp, f"component[{i}].valueQuantity"))
    if not items:
        return Reading(notes=[Note("unread-loinc", loinc)], stored=False)
    interp = next((c for item in resource.get("interpretation") or [] for _, c in all_codes(item)), "")
    for sid, code, holder, path in items:
        q = quantity(holder[path.rsplit(".", 1)[-1]], path)
        if q is None:
            continue
        recorded, recorded_unit = q
        known = terms.lab(code)
        value, unit = recorded, recorded_unit
        (low, low_unit), (high, high_unit) = _range(holder if holder is not resource else resource)
        if known is not None and getattr(known, "unit", None):
            molar = getattr(known, "molar_mass", None)
            try:
                value = terms.convert(recorded, recorded_unit, known.unit, molar)
                low = (
                    terms.convert(low, low_unit or recorded_unit, known.unit, molar)
                    if low is not None
                    else None
                )
                high = (
                    terms.convert(high, high_unit or recorded_unit, known.unit, molar)
                    if high is not None
                    else None
                )
                unit = known.unit
            except terms.UnitMismatch as exc:
                raise ReadError(path, f"unit {recorded_unit!r} cannot be converted for LOINC {code}") from exc
        else:
            notes.append(Note("unknown-loinc", code))
        facts.append(
            LabFact(
                sid,
                subject,
                loinc=code,
                display=text_of(holder.get("code"))[:300],
                value=value,
                unit=unit[:40],
                value_as_recorded=recorded,
                unit_as_recorded=recorded_unit[:40],
                ref_low=low,
                ref_high=high,
                interpretation=interp[:10],
                effective_date=when,
            )
        )
    return Reading(facts=facts, notes=notes)


def _range(holder: dict[str, Any]) -> tuple[tuple[float | None, str], tuple[float | None, str]]:
    ranges = holder.get("referenceRange") or []
    if not ranges or not isinstance(ranges[0], dict):
        return (None, ""), (None, "")
    low = quantity(ranges[0].get("low"), "referenceRange[0].low")
    high = quantity(ranges[0].get("high"), "referenceRange[0].high")
    return (low or (None, "")), (high or (None, ""))


__all__ = ["SNOMED", "read_observation"]
