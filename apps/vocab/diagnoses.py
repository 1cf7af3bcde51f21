"""Diagnosis codes (ICD-10-CM, SNOMED CT) to OncoTree, with category (cancer/metastasis/comorbidity).

ICD-10-CM validity, descriptions and the parent walk come from simple_icd_10_cm, through its neoplasm
chapter extracted to fixtures/vocab/icd10cm_neoplasms.tsv (icd10cm_build.py; the library takes 5-7 s to
load, so it is imported only to describe codes outside that chapter). Mappings are the curated
apps/vocab/data/icd10cm_to_oncotree.csv, snomed_to_oncotree.csv and histology_refinements.csv.
Every function returns None (or "comorbidity") for codes it does not know; none of them raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from apps.vocab import oncotree
from apps.vocab._common import DATA_DIR, FIXTURES_DIR, VocabDataError, norm, read_csv

ICD_FILE = DATA_DIR / "icd10cm_to_oncotree.csv"
SNOMED_FILE = DATA_DIR / "snomed_to_oncotree.csv"
REFINE_FILE = DATA_DIR / "histology_refinements.csv"
NEOPLASMS_FILE = FIXTURES_DIR / "icd10cm_neoplasms.tsv"
NO_TYPE = "NONE"

ICD10CM = "ICD-10-CM"
SNOMED = "SNOMED CT"
_SYSTEMS = {
    "icd-10-cm": ICD10CM,
    "icd10cm": ICD10CM,
    "icd-10": ICD10CM,
    "http://hl7.org/fhir/sid/icd-10-cm": ICD10CM,
    "http://hl7.org/fhir/sid/icd-10": ICD10CM,
    "snomed ct": SNOMED,
    "snomed": SNOMED,
    "snomedct": SNOMED,
    "sct": SNOMED,
    "http://snomed.info/sct": SNOMED,
}

# ICD-10-CM secondary neoplasm codes -> metastasis site.
_ICD_METASTASIS_SITES: tuple[tuple[str, str], ...] = (
    ("C77", "lymph node"),
    ("C78.0", "lung"),
    ("C78.1", "mediastinum"),
    ("C78.2", "pleura"),
    ("C78.3", "respiratory"),
    ("C78.4", "small intestine"),
    ("C78.5", "colon"),
    ("C78.6", "peritoneum"),
    ("C78.7", "liver"),
    ("C78.8", "digestive"),
    ("C79.0", "kidney"),
    ("C79.1", "bladder"),
    ("C79.2", "skin"),
    ("C79.3", "brain"),
    ("C79.4", "nervous system"),
    ("C79.5", "bone"),
    ("C79.6", "ovary"),
    ("C79.7", "adrenal gland"),
    ("C79.8", "other"),
    ("C79.9", "unspecified"),
    ("C7B", "unspecified"),
)
_ICD_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")


def system_name(system: str | None) -> str | None:
    """Canonical system name ("ICD-10-CM" / "SNOMED CT") for a name or FHIR URI; None if unsupported."""
    if not system:
        return None
    return _SYSTEMS.get(system.strip().lower()) or _SYSTEMS.get(system.strip().lower().rstrip("/"))


@cache
def _icd_module() -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import simple_icd_10_cm

    return simple_icd_10_cm


@dataclass(frozen=True)
class _IcdCode:
    parent: str | None
    description: str


@cache
def _neoplasms() -> dict[str, _IcdCode]:
    out: dict[str, _IcdCode] = {}
    with NEOPLASMS_FILE.open(encoding="utf-8", newline="") as fh:
        for lineno, line in enumerate(fh, start=1):
            if lineno == 1:
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or not parts[0]:
                raise VocabDataError(f"{NEOPLASMS_FILE}: line {lineno}: expected code, parent, description")
            out[parts[0]] = _IcdCode(parts[1] or None, parts[2])
    return out


def _dotted(raw: str) -> str:
    raw = raw.replace(".", "")
    return raw if len(raw) <= 3 else f"{raw[:3]}.{raw[3:]}"


def _icd_code(code: str) -> str | None:
    """Dotted ICD-10-CM code when it is a valid neoplasm-chapter code (C00-D49), else None."""
    raw = code.strip().upper()
    if not _ICD_SHAPE.match(raw):
        return None
    dotted = _dotted(raw)
    return dotted if dotted in _neoplasms() else None


@cache
def _icd_table() -> dict[str, str]:
    table: dict[str, str] = {}
    codes = oncotree.all_codes()
    for lineno, row in read_csv(ICD_FILE, ("icd10cm", "oncotree")):
        if row["oncotree"] != NO_TYPE and row["oncotree"] not in codes:
            raise VocabDataError(
                f"{ICD_FILE}: line {lineno}: field 'oncotree': unknown code {row['oncotree']!r}"
            )
        if row["icd10cm"] in table:
            raise VocabDataError(f"{ICD_FILE}: line {lineno}: field 'icd10cm': {row['icd10cm']} listed twice")
        table[row["icd10cm"]] = row["oncotree"]
    return table


@dataclass(frozen=True)
class _Snomed:
    oncotree: str
    category: str
    site: str


@cache
def _snomed_table() -> dict[str, _Snomed]:
    table: dict[str, _Snomed] = {}
    codes = oncotree.all_codes()
    for lineno, row in read_csv(SNOMED_FILE, ("sctid", "oncotree", "category")):
        if not row["sctid"].isdigit():
            raise VocabDataError(
                f"{SNOMED_FILE}: line {lineno}: field 'sctid': {row['sctid']!r} is not a number"
            )
        if row["oncotree"] != NO_TYPE and row["oncotree"] not in codes:
            raise VocabDataError(
                f"{SNOMED_FILE}: line {lineno}: field 'oncotree': unknown {row['oncotree']!r}"
            )
        if row["category"] not in ("cancer", "metastasis"):
            raise VocabDataError(f"{SNOMED_FILE}: line {lineno}: field 'category': {row['category']!r}")
        table[row["sctid"]] = _Snomed(row["oncotree"], row["category"], row.get("site", ""))
    return table


@cache
def _refinements() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    rows = []
    codes = oncotree.all_codes()
    for lineno, row in read_csv(REFINE_FILE, ("site", "keyword", "code")):
        if row["code"] not in codes:
            raise VocabDataError(
                f"{REFINE_FILE}: line {lineno}: field 'code': unknown OncoTree code {row['code']!r}"
            )
        pattern = re.compile(r"\b" + re.escape(_words(row["keyword"])) + r"\b")
        rows.append((row["site"], pattern, row["code"]))
    return tuple(rows)


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", norm(text).replace("-", " "))


def _icd_base(code: str) -> tuple[str | None, str | None]:
    """(OncoTree code, the table prefix that gave it) walking C34.31 -> C34.3 -> C34."""
    table = _icd_table()
    codes = _neoplasms()
    current: str | None = code
    seen: set[str] = set()
    while current and current not in seen:
        seen.add(current)
        if current in table:
            return table[current], current
        # table rows may be prefixes that are not themselves ICD items (the C7A block)
        for prefix_len in range(len(current) - 1, 2, -1):
            prefix = current[:prefix_len].rstrip(".")
            if prefix in table and prefix not in codes:
                return table[prefix], prefix
        entry = codes.get(current)
        current = entry.parent if entry else None
    return None, None


def _refine(base: str, icd_code: str | None, texts: list[str]) -> str:
    words = " ".join(_words(t) for t in texts if t)
    if not words:
        return base
    for site, pattern, code in _refinements():
        is_icd_site = icd_code is not None and re.match(r"^[A-Z]\d", site) is not None
        applies = icd_code.startswith(site) if is_icd_site and icd_code else site == base
        if applies and pattern.search(words) and (is_icd_site or oncotree.is_a(code, base)):
            return code
    for t in texts:
        if t:
            named = oncotree.lookup(t)
            if named and named != base and oncotree.is_a(named, base):
                return named
    return base


def to_oncotree(system: str, code: str, text: str | None = None) -> str | None:
    """The most specific OncoTree code the diagnosis code supports, refined by the histology in `text`."""
    try:
        return _to_oncotree(system, code, text)
    except Exception:
        return None


def _to_oncotree(system: str, code: str, text: str | None) -> str | None:
    name = system_name(system)
    if not code or name is None:
        return None
    if name == ICD10CM:
        icd = _icd_code(code)
        if icd is None or category(ICD10CM, icd) != "cancer":
            return None
        base, _ = _icd_base(icd)
        if base is None or base == NO_TYPE:
            named = oncotree.lookup(text) if text else None
            return named
        description = describe(ICD10CM, icd) or ""
        return _refine(base, icd, [text or "", description])
    entry = _snomed_table().get(code.strip())
    if entry is None:
        return oncotree.lookup(text) if text else None
    if entry.category != "cancer":
        return None
    if entry.oncotree == NO_TYPE:
        return oncotree.lookup(text) if text else None
    return _refine(entry.oncotree, None, [text or ""])


def category(system: str, code: str) -> str:
    """ "cancer" (C00-C96 except secondary, D00-D09 in situ), "metastasis" (C77-C79, C7B) or "comorbidity"."""
    try:
        name = system_name(system)
        if name == ICD10CM:
            icd = _icd_code(code)
            if icd is None:
                return "comorbidity"
            if icd[:3] in ("C77", "C78", "C79", "C7B"):
                return "metastasis"
            if icd[0] == "C" or (icd[0] == "D" and icd[1:3].isdigit() and int(icd[1:3]) <= 9):
                return "cancer"
            return "comorbidity"
        if name == SNOMED:
            entry = _snomed_table().get(code.strip())
            return entry.category if entry else "comorbidity"
    except Exception:
        return "comorbidity"
    return "comorbidity"


def metastasis_site(system: str, code: str) -> str | None:
    """Where a metastasis code says the metastasis is ("brain", "liver", "bone", "lung", "lymph node"...)."""
    try:
        name = system_name(system)
        if name == ICD10CM:
            icd = _icd_code(code)
            if icd is None:
                return None
            for prefix, site in _ICD_METASTASIS_SITES:
                if icd.startswith(prefix):
                    return site
            return None
        if name == SNOMED:
            entry = _snomed_table().get(code.strip())
            return entry.site or None if entry and entry.category == "metastasis" else None
    except Exception:
        return None
    return None


def describe(system: str, code: str) -> str | None:
    """The code's description (ICD-10-CM from the 2024 release; SNOMED CT for the concepts listed here)."""
    try:
        name = system_name(system)
        if name == ICD10CM:
            icd = _icd_code(code)
            if icd is not None:
                return _neoplasms()[icd].description
            raw = code.strip().upper()
            if not _ICD_SHAPE.match(raw):
                return None
            library = _icd_module()
            return str(library.get_description(raw)) if library.is_valid_item(raw) else None
        if name == SNOMED:
            return _snomed_names().get(code.strip())
    except Exception:
        return None
    return None


@cache
def _snomed_names() -> dict[str, str]:
    return {
        row["sctid"]: row.get("name", "") for _, row in read_csv(SNOMED_FILE, ("sctid",)) if row.get("name")
    }
