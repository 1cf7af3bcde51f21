"""OncoTree cancer types: hierarchy, solid/haematological split, names and synonyms to codes, xrefs.

Source: fixtures/vocab/oncotree_2025_10_03_flat.tsv (OncoTree, MSK, CC BY 4.0) plus the curated
apps/vocab/data/oncotree_synonyms.csv of clinical names and abbreviations as written in eligibility text.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from apps.vocab._common import DATA_DIR, FIXTURES_DIR, VocabDataError, norm, read_csv, variants

ONCOTREE_FILE = FIXTURES_DIR / "oncotree_2025_10_03_flat.tsv"
SYNONYMS_FILE = DATA_DIR / "oncotree_synonyms.csv"
ROOT = "TISSUE"
HEMATOLOGIC_TISSUES = frozenset({"LYMPH", "MYELOID"})
NO_TYPE = "NONE"  # curated surface forms that name no single type


@dataclass(frozen=True)
class CancerType:
    code: str
    name: str
    main_type: str
    tissue: str
    parent: str | None
    level: int


@dataclass(frozen=True)
class _Tree:
    types: dict[str, CancerType]
    children: dict[str, tuple[str, ...]]
    xrefs: dict[tuple[str, str], str]


@cache
def _tree() -> _Tree:
    types: dict[str, CancerType] = {}
    children: dict[str, list[str]] = {}
    xrefs: dict[tuple[str, str], str] = {}
    with ONCOTREE_FILE.open(encoding="utf-8", newline="") as fh:
        for lineno, row in enumerate(csv.DictReader(fh, delimiter="\t"), start=2):
            code = (row.get("code") or "").strip()
            if not code:
                raise VocabDataError(f"{ONCOTREE_FILE}: line {lineno}: field 'code' is empty")
            parent = (row.get("parent") or "").strip() or None
            types[code] = CancerType(
                code=code,
                name=row["name"].strip(),
                main_type=(row.get("mainType") or "").strip(),
                tissue=(row.get("tissue") or "").strip(),
                parent=parent,
                level=int(row["level"]),
            )
            if parent:
                children.setdefault(parent, []).append(code)
            for system, column in (("UMLS", "umls"), ("NCIT", "nci")):
                for ref in (row.get(column) or "").split(";"):
                    if ref.strip():
                        # The first (most general) type claiming a concept keeps it.
                        xrefs.setdefault((system, ref.strip().upper()), code)
    return _Tree(types, {k: tuple(v) for k, v in children.items()}, xrefs)


def get(code: str) -> CancerType | None:
    return _tree().types.get(code.strip().upper()) if code else None


def all_codes() -> frozenset[str]:
    return frozenset(_tree().types)


def ancestors(code: str) -> list[str]:
    """Parents of `code`, nearest first, excluding the TISSUE root; [] for an unknown code."""
    out: list[str] = []
    node = get(code)
    while node is not None and node.parent and node.parent != ROOT:
        out.append(node.parent)
        node = get(node.parent)
    return out


def is_a(code: str, ancestor_code: str) -> bool:
    """True when `code` is `ancestor_code` or one of its descendants (both must exist)."""
    node, anc = get(code), get(ancestor_code)
    if node is None or anc is None:
        return False
    return node.code == anc.code or anc.code in ancestors(node.code) or anc.code == ROOT


def descendants(code: str) -> set[str]:
    """Every code below `code` (not including it)."""
    node = get(code)
    if node is None:
        return set()
    children = _tree().children
    out: set[str] = set()
    stack = list(children.get(node.code, ()))
    while stack:
        child = stack.pop()
        if child not in out:
            out.add(child)
            stack.extend(children.get(child, ()))
    return out


def _tissue_root(code: str) -> str | None:
    node = get(code)
    if node is None or node.code == ROOT:
        return None
    chain = [node.code, *ancestors(node.code)]
    return chain[-1]


def is_hematologic(code: str) -> bool:
    """Lymphoid and myeloid tissues and everything below them."""
    return _tissue_root(code) in HEMATOLOGIC_TISSUES


def is_solid(code: str) -> bool:
    root = _tissue_root(code)
    return root is not None and root not in HEMATOLOGIC_TISSUES


def _plural_variants(form: str) -> list[str]:
    out = []
    for base in variants(form):
        out.append(base)
        words = base.split(" ")
        last = words[-1]
        if last.endswith("omas") or last.endswith("cers") or last.endswith("ias") or last.endswith("tumors"):
            out.append(" ".join([*words[:-1], last[:-1]]))
        if last.endswith("tumours"):
            out.append(" ".join([*words[:-1], last[:-1]]))
        if last.endswith("omata"):
            out.append(" ".join([*words[:-1], last[:-2]]))
    return out


@cache
def _curated() -> dict[str, str]:
    out: dict[str, str] = {}
    types = _tree().types
    for lineno, row in read_csv(SYNONYMS_FILE, ("synonym", "code")):
        if row["code"] != NO_TYPE and row["code"] not in types:
            raise VocabDataError(
                f"{SYNONYMS_FILE}: line {lineno}: field 'code': unknown OncoTree code {row['code']!r}"
            )
        key = norm(row["synonym"])
        if key in out and out[key] != row["code"]:
            raise VocabDataError(
                f"{SYNONYMS_FILE}: line {lineno}: field 'synonym': {row['synonym']!r} is already {out[key]}"
            )
        out[key] = row["code"]
    return out


@cache
def synonyms() -> dict[str, str]:
    """Normalised lower-case surface form -> OncoTree code (names, main types, curated synonyms)."""
    table: dict[str, str] = {}
    types = _tree().types
    # Main types name a group; map each to the shallowest type carrying it (e.g. "Melanoma" -> MEL).
    by_main: dict[str, list[CancerType]] = {}
    for t in types.values():
        if t.main_type and t.code != ROOT:
            by_main.setdefault(norm(t.main_type), []).append(t)
    for key, group in by_main.items():
        top = min(t.level for t in group)
        heads = [t for t in group if t.level == top]
        # A main type spread over several subtrees (e.g. "Melanoma") names no single type.
        if len(heads) == 1 and all(t is heads[0] or heads[0].code in ancestors(t.code) for t in group):
            table[key] = heads[0].code
    for t in types.values():
        if t.code != ROOT:
            table[norm(t.name)] = t.code
    table.update(_curated())
    expanded = dict(table)
    for form, code in table.items():
        for alt in _plural_variants(form)[1:]:
            expanded.setdefault(alt, code)
    return {form: code for form, code in expanded.items() if code != NO_TYPE}


def lookup(text: str) -> str | None:
    """A cancer name, synonym, abbreviation or OncoTree code (case-insensitive) -> OncoTree code."""
    if not text or not text.strip():
        return None
    curated = _curated()
    for form in variants(text):
        if form in curated:
            return None if curated[form] == NO_TYPE else curated[form]
    table = synonyms()
    for form in _plural_variants(text):
        if form in table:
            return table[form]
        if form.endswith("s") and form[:-1] in table:
            return table[form[:-1]]
    code = text.strip()
    if code == code.upper() and code in _tree().types and code != ROOT:
        return code
    return None


def by_xref(system: str, code: str) -> str | None:
    """OncoTree code for a UMLS CUI or NCIt code (system "UMLS" or "NCIT"/"NCI")."""
    system = system.strip().upper()
    if system == "NCI":
        system = "NCIT"
    return _tree().xrefs.get((system, code.strip().upper()))
