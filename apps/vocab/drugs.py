"""DrugBank drugs (open vocabulary, CC0) by name, synonym, brand, id and RxNorm ingredient; drug classes.

Sources: fixtures/vocab/drugbank_open_vocabulary.csv (2020-03) plus curated apps/vocab/data/ tables:
drug_synonyms.csv (newer INNs, abbreviations), drug_brands.csv, rxnorm_to_drugbank.csv, drug_classes.yaml.
A synonym shared by several drugs resolves to none of them (never a silent guess).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache

import yaml

from apps.vocab import genes
from apps.vocab._common import DATA_DIR, FIXTURES_DIR, VocabDataError, norm, read_csv, variants

DRUGBANK_FILE = FIXTURES_DIR / "drugbank_open_vocabulary.csv"
SYNONYMS_FILE = DATA_DIR / "drug_synonyms.csv"
BRANDS_FILE = DATA_DIR / "drug_brands.csv"
RXNORM_FILE = DATA_DIR / "rxnorm_to_drugbank.csv"
CLASSES_FILE = DATA_DIR / "drug_classes.yaml"


@dataclass(frozen=True)
class Drug:
    drugbank_id: str
    name: str


@dataclass(frozen=True)
class _Drugs:
    by_id: dict[str, Drug]
    by_name: dict[str, str]


@cache
def _drugs() -> _Drugs:
    by_id: dict[str, Drug] = {}
    names: dict[str, str] = {}
    synonyms: dict[str, set[str]] = {}
    with DRUGBANK_FILE.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        try:
            id_at, name_at, syn_at = (header.index(c) for c in ("DrugBank ID", "Common name", "Synonyms"))
        except ValueError:
            raise VocabDataError(
                f"{DRUGBANK_FILE}: line 1: missing DrugBank ID/Common name/Synonyms"
            ) from None
        for lineno, row in enumerate(reader, start=2):
            dbid, name = row[id_at], row[name_at]
            if not dbid or not name:
                raise VocabDataError(
                    f"{DRUGBANK_FILE}: line {lineno}: field 'DrugBank ID' or 'Common name' is empty"
                )
            by_id[dbid] = Drug(dbid, name)
            names.setdefault(norm(name), dbid)
            if row[syn_at]:
                for syn in row[syn_at].split(" | "):
                    synonyms.setdefault(norm(syn), set()).add(dbid)
    table = {syn: next(iter(ids)) for syn, ids in synonyms.items() if len(ids) == 1}
    table.update(names)  # a drug's own name wins over another drug's synonym
    for path, column in ((SYNONYMS_FILE, "synonym"), (BRANDS_FILE, "brand")):
        for lineno, entry in read_csv(path, (column, "drugbank_id")):
            if entry["drugbank_id"] not in by_id:
                raise VocabDataError(
                    f"{path}: line {lineno}: field 'drugbank_id': unknown id {entry['drugbank_id']!r}"
                )
            table[norm(entry[column])] = entry["drugbank_id"]
            if entry.get("preferred") == "yes":
                by_id[entry["drugbank_id"]] = Drug(entry["drugbank_id"], entry[column])
    return _Drugs(by_id, table)


def by_id(dbid: str) -> Drug | None:
    return _drugs().by_id.get(dbid.strip().upper()) if dbid else None


def lookup(text: str) -> Drug | None:
    """A drug name, synonym, brand name or abbreviation (case-insensitive) -> Drug."""
    if not text or not text.strip():
        return None
    d = _drugs()
    for form in variants(text):
        dbid = d.by_name.get(form)
        if dbid is not None:
            return d.by_id[dbid]
    return by_id(text) if text.strip().upper().startswith("DB") else None


def names() -> dict[str, str]:
    """Normalised drug name/synonym/brand -> DrugBank id (for dictionary matchers)."""
    return dict(_drugs().by_name)


@cache
def _rxnorm() -> dict[str, str]:
    out: dict[str, str] = {}
    drugs = _drugs().by_id
    for lineno, row in read_csv(RXNORM_FILE, ("rxcui", "drugbank_id")):
        if not row["rxcui"].isdigit():
            raise VocabDataError(
                f"{RXNORM_FILE}: line {lineno}: field 'rxcui': {row['rxcui']!r} is not a number"
            )
        if row["drugbank_id"] not in drugs:
            raise VocabDataError(
                f"{RXNORM_FILE}: line {lineno}: field 'drugbank_id': unknown {row['drugbank_id']!r}"
            )
        out[row["rxcui"]] = row["drugbank_id"]
    return out


def by_rxnorm(rxcui: str) -> Drug | None:
    """Drug for an RxNorm ingredient RXCUI (curated oncology subset; None when not listed)."""
    dbid = _rxnorm().get(str(rxcui).strip())
    return by_id(dbid) if dbid else None


# Drug classes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Class:
    label: str
    synonyms: tuple[str, ...]
    parents: tuple[str, ...]
    members: frozenset[str]


@dataclass(frozen=True)
class _Classes:
    classes: dict[str, _Class]
    by_surface: dict[str, str]
    ancestors: dict[str, frozenset[str]]
    all_members: dict[str, frozenset[str]]


def _str_list(value: object, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise VocabDataError(f"{CLASSES_FILE}: {where}: expected a list of strings")
    return [str(v).strip() for v in value]


@cache
def _classes() -> _Classes:
    raw = yaml.safe_load(CLASSES_FILE.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise VocabDataError(f"{CLASSES_FILE}: top level must be a mapping of class id -> entry")
    drugs = _drugs().by_id
    classes: dict[str, _Class] = {}
    for cid, entry in raw.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("label"), str):
            raise VocabDataError(f"{CLASSES_FILE}: class {cid!r}: field 'label' is missing")
        members = _str_list(entry.get("members"), f"class {cid!r}: field 'members'")
        for dbid in members:
            if dbid not in drugs:
                raise VocabDataError(
                    f"{CLASSES_FILE}: class {cid!r}: field 'members': unknown DrugBank id {dbid!r}"
                )
        classes[str(cid)] = _Class(
            label=entry["label"],
            synonyms=tuple(_str_list(entry.get("synonyms"), f"class {cid!r}: field 'synonyms'")),
            parents=tuple(_str_list(entry.get("parents"), f"class {cid!r}: field 'parents'")),
            members=frozenset(members),
        )
    for cid, cls in classes.items():
        for parent in cls.parents:
            if parent not in classes:
                raise VocabDataError(
                    f"{CLASSES_FILE}: class {cid!r}: field 'parents': unknown class {parent!r}"
                )
    ancestors: dict[str, frozenset[str]] = {}
    for cid in classes:
        seen: set[str] = set()
        stack = list(classes[cid].parents)
        while stack:
            p = stack.pop()
            if p == cid:
                raise VocabDataError(f"{CLASSES_FILE}: class {cid!r}: field 'parents': cycle through {p!r}")
            if p not in seen:
                seen.add(p)
                stack.extend(classes[p].parents)
        ancestors[cid] = frozenset(seen)
    all_members: dict[str, set[str]] = {cid: set(cls.members) for cid, cls in classes.items()}
    for cid, cls in classes.items():
        for anc in ancestors[cid]:
            all_members[anc] |= cls.members
    surface: dict[str, str] = {}
    for cid, cls in classes.items():
        for form in (cls.label, *cls.synonyms):
            key = norm(form)
            if key in surface and surface[key] != cid:
                raise VocabDataError(
                    f"{CLASSES_FILE}: class {cid!r}: synonym {form!r} already names {surface[key]!r}"
                )
            surface[key] = cid
    return _Classes(classes, surface, ancestors, {k: frozenset(v) for k, v in all_members.items()})


def class_lookup(text: str) -> str | None:
    """A drug-class surface form ("platinum-based chemotherapy", "anti-PD-1", "EGFR TKI") -> class id."""
    if not text or not text.strip():
        return None
    table = _classes().by_surface
    for form in variants(text):
        if form in table:
            return table[form]
        if form.endswith("s") and form[:-1] in table:
            return table[form[:-1]]
    return None


def classes_of(drugbank_id: str) -> frozenset[str]:
    """Every class the drug belongs to, including ancestor classes."""
    c = _classes()
    direct = {cid for cid, cls in c.classes.items() if drugbank_id in cls.members}
    out = set(direct)
    for cid in direct:
        out |= c.ancestors[cid]
    return frozenset(out)


def members(class_id: str) -> frozenset[str]:
    """DrugBank ids in the class or any of its descendant classes."""
    return _classes().all_members.get(class_id, frozenset())


def class_label(class_id: str) -> str:
    cls = _classes().classes.get(class_id)
    if cls is None:
        raise KeyError(f"unknown drug class {class_id!r}")
    return cls.label


def class_ids() -> frozenset[str]:
    return frozenset(_classes().classes)


_TARGET_CLASS = re.compile(r"^([a-z0-9]+?)(?:_([a-z]\d+[a-z]*))?_inhibitor$")


def is_class(class_id: str) -> bool:
    """A curated class id, or a target class "<HGNC symbol>[_<protein change>]_inhibitor" ("prmt5_inhibitor",
    "kras_g12d_inhibitor"): inhibitors of that gene's product, a class whose members are the curated
    class of that name when there is one and otherwise unknown (a patient's drug is never assumed in it)."""
    if class_id in _classes().classes:
        return True
    m = _TARGET_CLASS.match(class_id)
    return m is not None and m.group(1).upper() in genes.all_symbols()


def class_parents(class_id: str) -> frozenset[str]:
    """All ancestor classes of `class_id`."""
    return _classes().ancestors.get(class_id, frozenset())


def class_synonyms() -> dict[str, str]:
    """Normalised class surface form -> class id (for dictionary matchers)."""
    return dict(_classes().by_surface)
