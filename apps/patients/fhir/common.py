"""Small readers shared by the resource mappers: codings, dates, quantities, references."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from .facts import ReadError

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10CM_OID = "urn:oid:2.16.840.1.113883.6.90"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CPT = "http://www.ama-assn.org/go/cpt"
HGNC = "http://www.genenames.org/geneId"
HGVS = "http://varnomen.hgvs.org"
UCUM = "http://unitsofmeasure.org"

SYSTEM_NAMES = {
    ICD10CM: "ICD-10-CM",
    ICD10CM_OID: "ICD-10-CM",
    ICD10: "ICD-10",
    SNOMED: "SNOMED CT",
    LOINC: "LOINC",
    RXNORM: "RxNorm",
    CPT: "CPT",
}

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def code_in(concept: Any, system: str) -> str:
    """The first code of `system` in a CodeableConcept, or ''."""
    for coding in codings(concept):
        if coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    return ""


def all_codes(concept: Any) -> list[tuple[str, str]]:
    return [(str(c.get("system") or ""), str(c.get("code") or "")) for c in codings(concept) if c.get("code")]


def text_of(concept: Any) -> str:
    """CodeableConcept.text, else the first coding display, else ''."""
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for coding in codings(concept):
        if coding.get("display"):
            return str(coding["display"])
    return ""


def parse_date(value: Any, path: str) -> dt.date | None:
    """FHIR date/dateTime/instant to a date (partial dates to their first day); ReadError if invalid."""
    if value in (None, ""):
        return None
    match = _DATE.match(str(value))
    if not match:
        raise ReadError(path, f"not a FHIR date: {str(value)[:40]!r}")
    year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ReadError(path, f"not a valid date: {str(value)[:40]!r}") from exc


def effective_date(resource: dict[str, Any], prefix: str = "effective") -> dt.date | None:
    """The date of effective[x] / performed[x] / onset[x]: DateTime, Instant, Period.start, else None."""
    for suffix in ("DateTime", "Instant", "Date"):
        key = prefix + suffix
        if key in resource:
            return parse_date(resource[key], key)
    period = resource.get(prefix + "Period")
    if isinstance(period, dict):
        return parse_date(period.get("start") or period.get("end"), f"{prefix}Period.start")
    return None


def quantity(value: Any, path: str) -> tuple[float, str] | None:
    """(value, unit) of a Quantity; the UCUM code is preferred to the human unit."""
    if not isinstance(value, dict) or value.get("value") is None:
        return None
    try:
        number = float(value["value"])
    except (TypeError, ValueError) as exc:
        raise ReadError(f"{path}.value", "not a number") from exc
    return number, str(value.get("code") or value.get("unit") or "")


def reference(value: Any) -> str:
    if isinstance(value, dict) and isinstance(value.get("reference"), str):
        return str(value["reference"])
    return ""


def iter_references(node: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every (FHIR path, reference string) in a resource, contained resources excluded."""
    # only containers are descended into: a resource's many scalar leaves cost no call
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference":
                if isinstance(value, str):
                    yield f"{path}.reference", value
                elif isinstance(value, dict | list):
                    yield from iter_references(value, f"{path}.reference")
            elif key != "contained" and isinstance(value, dict | list):
                yield from iter_references(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, dict | list):
                yield from iter_references(item, f"{path}[{i}]")


def profiles(resource: dict[str, Any]) -> list[str]:
    meta = resource.get("meta")
    return [str(p) for p in (meta.get("profile") or [])] if isinstance(meta, dict) else []


def category_codes(resource: dict[str, Any]) -> set[str]:
    cats = resource.get("category")
    if isinstance(cats, dict):
        cats = [cats]
    return {code for cat in cats or [] for _, code in all_codes(cat)}
