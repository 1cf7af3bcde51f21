"""Laboratory tests and measurements by LOINC code and by the names eligibility text and lab reports use.

Source: curated apps/vocab/data/labs.yaml, the one lab table of the product: the parser reads limits with it
(`reading_table`, `written_unit_factor`), intake stores values in its canonical units (`lookup`, `by_loinc`)
and the matcher converts and names labs with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from apps.vocab import units
from apps.vocab._common import DATA_DIR, VocabDataError, variants

LABS_FILE = DATA_DIR / "labs.yaml"
_LOINC = re.compile(r"^\d{1,7}-\d$")
_REQUIRED = ("key", "loinc", "unit", "names")


@dataclass(frozen=True)
class Lab:
    loinc: str
    name: str
    unit: str
    synonyms: tuple[str, ...]
    molar_mass: float | None
    short_name: str  # how reasons name the lab ("ALT"); the name when the table gives none
    plausible: tuple[float, float] | None = None  # in `unit`


@dataclass(frozen=True)
class _Labs:
    by_loinc: dict[str, Lab]
    by_surface: dict[str, str]
    entries: tuple[dict[str, Any], ...]
    by_key: dict[str, dict[str, Any]]


def _loinc_check_digit_ok(code: str) -> bool:
    """LOINC's mod-10 check digit (the digit after the hyphen)."""
    body, check = code.split("-")
    digits = [int(c) for c in body]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d // 10 + d % 10
        total += d
    return (10 - total % 10) % 10 == int(check)


def unit_key(text: str) -> str:
    """A written unit as the `units` tables key it: spaces removed, lower-cased, "µ"/"μ" as "u"."""
    return re.sub(r"\s+", "", text.lower()).replace("µ", "u").replace("μ", "u").replace("³", "3")


def _check_entry(entry: Any, at: str) -> None:
    if not isinstance(entry, dict):
        raise VocabDataError(f"{LABS_FILE}: {at}: an entry must be a mapping")
    for field in _REQUIRED:
        if field not in entry:
            raise VocabDataError(f"{LABS_FILE}: {at}: field {field!r} is missing")
    for code in str(entry["loinc"]).split("|") if entry["loinc"] else ():
        if not _LOINC.match(code) or not _loinc_check_digit_ok(code):
            raise VocabDataError(f"{LABS_FILE}: {at}: field 'loinc': {code!r} is not a valid LOINC code")
    for field in ("names", "synonyms", "exact_case", "formulas"):
        value = entry.get(field) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise VocabDataError(f"{LABS_FILE}: {at}: field {field!r} must be a list of strings")
    span = entry.get("plausible")
    if span is not None and (len(span) != 2 or not float(span[0]) < float(span[1])):
        raise VocabDataError(f"{LABS_FILE}: {at}: field 'plausible' must be [low, high] with low < high")
    factors = entry.get("units") or {}
    if not isinstance(factors, dict) or not all(isinstance(f, int | float) for f in factors.values()):
        raise VocabDataError(f"{LABS_FILE}: {at}: field 'units' must map written units to numbers")
    if entry["loinc"] and "|" not in str(entry["loinc"]):
        try:
            units.normalise_unit(str(entry["unit"]))
        except units.UnitError as exc:
            raise VocabDataError(f"{LABS_FILE}: {at}: field 'unit': {exc}") from None


@cache
def _labs() -> _Labs:
    raw = yaml.safe_load(LABS_FILE.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise VocabDataError(f"{LABS_FILE}: the file must be a list of labs")
    by_loinc: dict[str, Lab] = {}
    surface: dict[str, str] = {}
    by_key: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(raw, start=1):
        at = f"entry {i} ({entry.get('key') if isinstance(entry, dict) else entry!r})"
        _check_entry(entry, at)
        if entry["key"] in by_key:
            raise VocabDataError(f"{LABS_FILE}: {at}: field 'key': {entry['key']!r} listed twice")
        entry["units"] = {unit_key(k): float(v) for k, v in (entry.get("units") or {}).items()}
        by_key[entry["key"]] = entry
        code = str(entry["loinc"] or "")
        if not code or "|" in code:
            continue  # a reading-only entry: a panel of several labs, or names that are never a lab limit
        if code in by_loinc:
            raise VocabDataError(f"{LABS_FILE}: {at}: field 'loinc': {code} listed twice")
        if "name" not in entry:
            raise VocabDataError(f"{LABS_FILE}: {at}: field 'name' is missing")
        molar = entry.get("molar_mass")
        syns = tuple(s.strip() for s in entry.get("synonyms") or () if s.strip())
        span = entry.get("plausible")
        by_loinc[code] = Lab(
            code,
            entry["name"],
            str(entry["unit"]),
            syns,
            float(molar) if molar else None,
            entry.get("short_name") or entry["name"],
            (float(span[0]), float(span[1])) if span else None,
        )
        for form in (entry["name"], *syns):
            for key in variants(form):
                previous = surface.get(key)
                if previous is not None and previous != code and form in syns:
                    raise VocabDataError(
                        f"{LABS_FILE}: {at}: field 'synonyms': {form!r} already names {previous}"
                    )
                surface.setdefault(key, code)
    return _Labs(by_loinc, surface, tuple(raw), by_key)


def by_loinc(code: str) -> Lab | None:
    return _labs().by_loinc.get(code.strip()) if code else None


def lookup(text: str) -> Lab | None:
    """A lab name or synonym ("ANC", "haemoglobin", "creatinine clearance"), case-insensitive -> Lab."""
    if not text or not text.strip():
        return None
    labs = _labs()
    for form in variants(text):
        code = labs.by_surface.get(form)
        if code is None and form.endswith("s"):
            code = labs.by_surface.get(form[:-1])
        if code is not None:
            return labs.by_loinc[code]
    return by_loinc(text)


def synonyms() -> dict[str, str]:
    """Normalised surface form -> LOINC code (for dictionary matchers)."""
    return dict(_labs().by_surface)


def all_labs() -> tuple[Lab, ...]:
    return tuple(_labs().by_loinc.values())


def reading_table() -> tuple[dict[str, Any], ...]:
    """Every entry as the parser reads it (key, loinc, unit, names, units, plausible, ...), in file order."""
    return _labs().entries


@cache
def written_unit_factor(key: str, written: str) -> float | None:
    """Multiply a limit written in `written` by this to get it in the canonical unit of lab `key`.

    The lab's curated `units` table first, then pint when the unit measures the same quantity (with the
    lab's molar mass for mass <-> amount of substance). None when the unit cannot be converted.
    """
    entry = _labs().by_key.get(key)
    if entry is None or not written:
        return None
    written = unit_key(written)
    factor = entry["units"].get(written)
    if factor is not None:
        return float(factor)
    code, canonical = str(entry["loinc"] or ""), str(entry["unit"] or "")
    if not code or "|" in code or not canonical:
        return None
    if written == unit_key(canonical):
        return 1.0
    lab = by_loinc(code)
    try:
        return units.convert(1.0, written, canonical, molar_mass=lab.molar_mass if lab else None)
    except units.UnitError:
        return None
