"""Conditions named in eligibility criteria and their ICD-10-CM codes, matched through the code hierarchy.

Source: curated apps/vocab/data/conditions.yaml, the one condition table of the parser (surface names ->
condition key and codes) and the matcher (a rule's key or codes -> the patient codes that meet it). The
hierarchy is ICD-10-CM's (simple-icd-10-cm): a category, block or chapter covers all its descendants.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import simple_icd_10_cm as icd
import yaml

from apps.vocab._common import DATA_DIR, VocabDataError, norm

CONDITIONS_FILE = DATA_DIR / "conditions.yaml"


def _codes(value: Any, at: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise VocabDataError(f"{CONDITIONS_FILE}: {at}: expected a list of ICD-10-CM codes")
    for code in value:
        if not icd.is_valid_item(code):
            raise VocabDataError(f"{CONDITIONS_FILE}: {at}: {code!r} is not an ICD-10-CM code")
    return list(value)


@cache
def reading_table() -> tuple[dict[str, Any], ...]:
    """Every condition group as the parser reads it (key, icd10, names, codes, cancer_like), in file order."""
    raw = yaml.safe_load(CONDITIONS_FILE.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise VocabDataError(f"{CONDITIONS_FILE}: the file must be a list of conditions")
    keys: set[str] = set()
    for i, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or not entry.get("key") or not isinstance(entry.get("names"), list):
            raise VocabDataError(f"{CONDITIONS_FILE}: entry {i}: fields 'key' and 'names' are required")
        at = f"entry {i} ({entry['key']})"
        if entry["key"] in keys:
            raise VocabDataError(f"{CONDITIONS_FILE}: {at}: field 'key' listed twice")
        keys.add(entry["key"])
        _codes(entry.get("icd10"), f"{at}: field 'icd10'")
        for name, codes in (entry.get("codes") or {}).items():
            if name not in entry["names"]:
                raise VocabDataError(
                    f"{CONDITIONS_FILE}: {at}: field 'codes': {name!r} is not one of its names"
                )
            _codes(codes, f"{at}: field 'codes': {name!r}")
    return tuple(raw)


def name_codes(entry: dict[str, Any], name: str) -> list[str]:
    """The ICD-10-CM codes of one surface name of a group: its own when listed, else the group's."""
    return list((entry.get("codes") or {}).get(name) or entry.get("icd10") or [])


@cache
def _by_name() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for entry in reading_table():
        table.setdefault(norm(entry["key"].replace("_", " ")), tuple(entry.get("icd10") or ()))
        for name in entry["names"]:
            table.setdefault(norm(name), tuple(name_codes(entry, name)))
    return table


def codes_for(name: str) -> tuple[str, ...]:
    """The ICD-10-CM codes of a condition key or name ("liver_metastases", "heart failure"); () if unknown."""
    return _by_name().get(norm(name.replace("_", " ")), ()) if name else ()


def _plain(code: str) -> str:
    return code.replace(".", "").upper()


@cache
def covers(code: str, patient_code: str) -> bool:
    """Whether ICD-10-CM `code` (a code, category, block "K50-K52" or chapter) covers `patient_code`."""
    if not code or not patient_code:
        return False
    if _plain(patient_code).startswith(_plain(code)):
        return True
    if "-" not in code or not icd.is_valid_item(code):
        return False
    dotted = icd.add_dot(patient_code) if icd.is_valid_item(patient_code) else patient_code
    return icd.is_valid_item(dotted) and icd.is_descendant(dotted, code)
