"""HGNC gene symbols: approved symbols, previous symbols and aliases, plus clinical gene/protein names.

Sources: fixtures/vocab/hgnc_symbols.csv (HGNC via HGNChelper, 2022-04, CC0) and the curated
apps/vocab/data/gene_synonyms.csv ("HER2" -> ERBB2, "PD-L1" -> CD274 ...). Aliases shared by several approved
symbols, and symbols that are also English words ("CAT", "SET", "MET"), are never resolved silently: an
approved symbol resolves to itself, an ambiguous alias to None, and `is_ambiguous` reports both.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache

from apps.vocab._common import DATA_DIR, FIXTURES_DIR, VocabDataError, norm, read_csv

HGNC_FILE = FIXTURES_DIR / "hgnc_symbols.csv"
SYNONYMS_FILE = DATA_DIR / "gene_synonyms.csv"
ENGLISH_FILE = DATA_DIR / "gene_english_words.txt"
NO_GENE = "NONE"  # curated names that are not one gene (fusions, gene families)

_SQUASH = re.compile(r"[\s\-_]+")


def _squash(text: str) -> str:
    return _SQUASH.sub("", norm(text))


@dataclass(frozen=True)
class _Tables:
    approved: frozenset[str]
    approved_by_upper: dict[str, str]
    first_target: dict[str, str]  # upper-case symbol/alias -> an approved symbol it names
    several_targets: dict[str, frozenset[str]]  # aliases naming more than one approved symbol
    curated: dict[str, str]
    english: frozenset[str]
    hgnc_ids: dict[str, str]

    def targets(self, key: str) -> frozenset[str]:
        if key in self.several_targets:
            return self.several_targets[key]
        first = self.first_target.get(key)
        return frozenset((first,)) if first else frozenset()


@cache
def _tables() -> _Tables:
    first: dict[str, str] = {}
    several: dict[str, set[str]] = {}
    hgnc_ids: dict[str, str] = {}
    with HGNC_FILE.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        try:
            symbol_at, target_at = header.index("Symbol"), header.index("Approved.Symbol")
        except ValueError:
            raise VocabDataError(f"{HGNC_FILE}: line 1: missing column Symbol or Approved.Symbol") from None
        id_at = header.index("HGNC.ID") if "HGNC.ID" in header else None
        for lineno, row in enumerate(reader, start=2):
            symbol, target = row[symbol_at], row[target_at]
            if not symbol or not target:
                raise VocabDataError(
                    f"{HGNC_FILE}: line {lineno}: field 'Symbol' or 'Approved.Symbol' is empty"
                )
            key = symbol.upper()
            previous = first.setdefault(key, target)
            if previous != target:
                several.setdefault(key, {previous}).add(target)
            if id_at is not None and row[id_at]:
                hgnc_ids[target] = row[id_at]
    approved = frozenset(first.values()).union(*several.values())
    english = frozenset(
        line.strip().upper()
        for line in ENGLISH_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    approved_by_upper = {s.upper(): s for s in approved}
    curated: dict[str, str] = {}
    for lineno, entry in read_csv(SYNONYMS_FILE, ("synonym", "symbol")):
        if entry["symbol"] != NO_GENE and entry["symbol"] not in approved:
            raise VocabDataError(
                f"{SYNONYMS_FILE}: line {lineno}: field 'symbol': {entry['symbol']!r} is not approved"
            )
        curated[_squash(entry["synonym"])] = entry["symbol"]
    return _Tables(
        approved=approved,
        approved_by_upper=approved_by_upper,
        first_target=first,
        several_targets={k: frozenset(v) for k, v in several.items()},
        curated=curated,
        english=english,
        hgnc_ids=hgnc_ids,
    )


def _is_english_text(text: str) -> bool:
    """An English-word symbol written other than in capitals ("met", "Set") is the word, not the gene."""
    t = _tables()
    stripped = text.strip()
    return stripped.upper() in t.english and stripped != stripped.upper()


def approved_symbol(text: str) -> str | None:
    """Approved symbol for a symbol, previous symbol, alias or clinical name; None if unknown or ambiguous."""
    if not text or not text.strip():
        return None
    t = _tables()
    stripped = norm(text).upper()
    if _is_english_text(text):
        return None
    if stripped in t.approved_by_upper:
        return t.approved_by_upper[stripped]
    curated = t.curated.get(_squash(text))
    if curated is not None:
        return None if curated == NO_GENE else curated
    found = t.targets(stripped)
    if len(found) == 1 and stripped not in t.english:
        return next(iter(found))
    return None


def is_ambiguous(text: str) -> bool:
    """True when the text could name several genes, or is also a common English word."""
    if not text or not text.strip():
        return False
    t = _tables()
    key = norm(text).upper()
    if key in t.english:
        return True
    curated = t.curated.get(_squash(text))
    if curated is not None:
        return curated == NO_GENE
    targets = set(t.targets(key))
    if key in t.approved_by_upper:
        targets.add(t.approved_by_upper[key])
    return len(targets) > 1


def hgnc_id(symbol: str) -> str | None:
    """HGNC:nnnn for an approved symbol, when the shipped table carries ids (the 2022-04 extract does not)."""
    resolved = approved_symbol(symbol)
    return _tables().hgnc_ids.get(resolved) if resolved else None


def all_symbols() -> frozenset[str]:
    return _tables().approved


def synonyms() -> dict[str, str]:
    """Curated clinical names (squashed: lower case, no spaces or hyphens) -> approved symbol."""
    return {k: v for k, v in _tables().curated.items() if v != NO_GENE}
