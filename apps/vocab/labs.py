"""Laboratory tests and measurements by LOINC code and by the names eligibility text uses for them.

Source: curated apps/vocab/data/labs.csv (LOINC code, name, canonical UCUM unit, synonyms, molar mass,
short name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from apps.vocab._common import DATA_DIR, VocabDataError, read_csv, variants

LABS_FILE = DATA_DIR / "labs.csv"
_LOINC = re.compile(r"^\d{1,7}-\d$")


@dataclass(frozen=True)
class Lab:
    loinc: str
    name: str
    unit: str
    synonyms: tuple[str, ...]
    molar_mass: float | None
    short_name: str  # how reasons name the lab ("ALT"); the name when the table gives none


@dataclass(frozen=True)
class _Labs:
    by_loinc: dict[str, Lab]
    by_surface: dict[str, str]


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


@cache
def _labs() -> _Labs:
    by_loinc: dict[str, Lab] = {}
    surface: dict[str, str] = {}
    for lineno, row in read_csv(LABS_FILE, ("loinc", "name", "unit")):
        code = row["loinc"]
        if not _LOINC.match(code) or not _loinc_check_digit_ok(code):
            raise VocabDataError(
                f"{LABS_FILE}: line {lineno}: field 'loinc': {code!r} is not a valid LOINC code"
            )
        if code in by_loinc:
            raise VocabDataError(f"{LABS_FILE}: line {lineno}: field 'loinc': {code} listed twice")
        molar = row.get("molar_mass", "")
        try:
            molar_mass = float(molar) if molar else None
        except ValueError:
            raise VocabDataError(
                f"{LABS_FILE}: line {lineno}: field 'molar_mass': {molar!r} is not a number"
            ) from None
        syns = tuple(s.strip() for s in row.get("synonyms", "").split("|") if s.strip())
        short_name = row.get("short_name") or row["name"]
        by_loinc[code] = Lab(code, row["name"], row["unit"], syns, molar_mass, short_name)
        for form in (row["name"], *syns):
            for key in variants(form):
                previous = surface.get(key)
                if previous is not None and previous != code and form in syns:
                    raise VocabDataError(
                        f"{LABS_FILE}: line {lineno}: field 'synonyms': {form!r} already names {previous}"
                    )
                surface.setdefault(key, code)
    return _Labs(by_loinc, surface)


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
