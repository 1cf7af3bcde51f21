"""The one place the readers call the shared vocabularies (apps.vocab): diagnoses, genes, drugs, labs, units.

The vocabularies are plain modules (no Django). Each call here returns None when a vocabulary does not
know a term, so the reader can keep the recorded value and list it in the import summary.
"""

from __future__ import annotations

import importlib
from functools import cache, lru_cache
from types import ModuleType
from typing import Any


@cache
def _vocab(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"apps.vocab.{name}")
    except ImportError:
        return None


def _call(module: str, function: str, *args: Any) -> Any:
    vocab = _vocab(module)
    fn = getattr(vocab, function, None) if vocab is not None else None
    if fn is None:
        return None
    try:
        return fn(*args)
    except (KeyError, ValueError, LookupError):
        return None


# The vocabularies are fixed while the process runs; an export repeats the same few hundred terms.
@lru_cache(maxsize=8192)
def oncotree(system: str, code: str, text: str | None) -> str | None:
    result = _call("diagnoses", "to_oncotree", system, code, text)
    if result is None or isinstance(result, str):
        return result or None
    return str(getattr(result, "code", "") or "") or None


def oncotree_depth(code: str) -> int:
    ancestors = _call("oncotree", "ancestors", code)
    return len(ancestors) if isinstance(ancestors, list | tuple) else 0


def diagnosis_category(system: str, code: str) -> str | None:
    if _vocab("diagnoses") is None:
        return _icd10_category(system, code)
    result = _call("diagnoses", "category", system, code)
    return str(getattr(result, "value", result)) if result else None


def _icd10_category(system: str, code: str) -> str | None:
    """ICD-10 chapter II by code range; used only while the diagnosis vocabulary is unavailable."""
    if not system.startswith("ICD-10") or not code[:1].isalpha():
        return None
    head = code[:3].upper()
    if "C77" <= head <= "C79":
        return "metastasis"
    if head.startswith("C") or "D00" <= head <= "D09" or "D37" <= head <= "D48":
        return "cancer"
    return "comorbidity"


@lru_cache(maxsize=8192)
def gene_symbol(text: str) -> str | None:
    result = _call("genes", "approved_symbol", text)
    return str(result) if result else None


def parse_protein(text: str) -> Any:
    """ProteinChange(short, ref_aa, position, end_position, alt, kind) or None."""
    return _call("variants", "parse_protein", text)


def exon_of(gene: str, position: int) -> int | None:
    result = _call("variants", "exon_of", gene, position)
    return int(result) if result else None


@lru_cache(maxsize=8192)
def drug_by_rxnorm(rxcui: str) -> Any:
    return _call("drugs", "by_rxnorm", rxcui)


def drug_lookup(text: str) -> Any:
    return _call("drugs", "lookup", text)


def drug_classes(dbid: str) -> list[str]:
    return list(_drug_classes(dbid))


@lru_cache(maxsize=8192)
def _drug_classes(dbid: str) -> tuple[str, ...]:
    result = _call("drugs", "classes_of", dbid)
    return tuple(sorted(str(c) for c in result)) if result else ()


def lab(loinc: str) -> Any:
    """Lab(loinc, name, unit, synonyms, molar_mass) or None."""
    return _call("labs", "by_loinc", loinc)


class UnitMismatch(ValueError):
    pass


def convert(value: float, from_unit: str, to_unit: str, molar_mass: float | None) -> float:
    """`value` in `to_unit`; UnitMismatch when the units are not convertible (or units are unavailable)."""
    if from_unit == to_unit:
        return value
    factor = _factor(from_unit, to_unit, molar_mass)
    if factor is None:  # not a plain multiple (e.g. degrees Celsius to Fahrenheit): convert each value
        return _round(_convert(value, from_unit, to_unit, molar_mass))
    return _round(value * factor)


def _round(value: float) -> float:
    # 12 significant digits: drop binary noise so a re-import compares equal and values read cleanly
    return float(f"{value:.12g}")


@cache
def _factor(from_unit: str, to_unit: str, molar_mass: float | None) -> float | None:
    """The multiplier from one unit to the other, or None when the conversion has an offset."""
    if _convert(0.0, from_unit, to_unit, molar_mass) != 0.0:
        return None
    return _convert(1.0, from_unit, to_unit, molar_mass)


def _convert(value: float, from_unit: str, to_unit: str, molar_mass: float | None) -> float:
    units = _vocab("units")
    if units is None:
        raise UnitMismatch(f"cannot convert {from_unit!r} to {to_unit!r}: no unit vocabulary")
    unit_error: type[Exception] = getattr(units, "UnitError", ValueError)
    try:
        return float(units.convert(value, from_unit, to_unit, molar_mass=molar_mass))
    except (unit_error, ValueError, KeyError) as exc:
        raise UnitMismatch(f"cannot convert {from_unit!r} to {to_unit!r}") from exc
