"""The one place the matcher calls the shared vocabularies (apps.vocab), with small documented fallbacks.

A vocabulary module that is missing or does not know a term gives None / an empty answer here, which the
rules turn into "unknown", never into a pass or a fail.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from types import ModuleType
from typing import Any

# EGFR/ERBB2/KIT/BRAF/PIK3CA/MET exon boundaries (codon ranges) used when apps.vocab.variants is absent.
_EXONS: dict[str, tuple[tuple[int, int, int], ...]] = {
    "EGFR": ((18, 688, 728), (19, 729, 761), (20, 762, 823), (21, 824, 875)),
    "ERBB2": ((19, 721, 769), (20, 770, 831)),
    "KIT": ((9, 449, 514), (11, 550, 592), (13, 627, 664), (17, 788, 828)),
    "BRAF": ((11, 439, 478), (15, 581, 620)),
    "PIK3CA": ((9, 513, 555), (20, 1017, 1068)),
    "MET": ((14, 963, 1010),),
}
_AA3 = {
    "Ala": "A",
    "Arg": "R",
    "Asn": "N",
    "Asp": "D",
    "Cys": "C",
    "Gln": "Q",
    "Glu": "E",
    "Gly": "G",
    "His": "H",
    "Ile": "I",
    "Leu": "L",
    "Lys": "K",
    "Met": "M",
    "Phe": "F",
    "Pro": "P",
    "Ser": "S",
    "Thr": "T",
    "Trp": "W",
    "Tyr": "Y",
    "Val": "V",
    "Ter": "*",
    "Xaa": "X",
}
_AA3_RE = re.compile("|".join(_AA3))
_PROTEIN = re.compile(r"^([A-Z*])(\d+)(?:_([A-Z*])(\d+))?(.*)$")
_LAB_NAMES = {
    "751-8": "neutrophils",
    "26499-4": "neutrophils",
    "777-3": "platelets",
    "26515-7": "platelets",
    "718-7": "hemoglobin",
    "2160-0": "creatinine",
    "2164-2": "creatinine clearance",
    "1975-2": "total bilirubin",
    "1920-8": "AST",
    "1742-6": "ALT",
    "6768-6": "alkaline phosphatase",
    "1751-7": "albumin",
    "29463-7": "body weight",
    "10230-1": "LVEF",
    "6301-6": "INR",
    "2345-7": "glucose",
    "4548-4": "HbA1c",
}
_MOLAR = {"2160-0": 113.12, "1975-2": 584.66, "2345-7": 180.16}
_FACTORS = {  # (from, to) -> factor, for when apps.vocab.units is absent
    ("10*9/L", "10*3/uL"): 1.0,
    ("/mm3", "10*3/uL"): 0.001,
    ("/uL", "10*3/uL"): 0.001,
    ("cells/uL", "10*3/uL"): 0.001,
    ("/mcL", "10*3/uL"): 0.001,
    ("g/L", "g/dL"): 0.1,
    ("mg/L", "mg/dL"): 0.1,
    ("mL/min", "mL/min"): 1.0,
}


@cache
def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"apps.vocab.{name}")
    except ImportError:
        return None


def _call(module: str, function: str, *args: Any) -> Any:
    vocab = _module(module)
    fn = getattr(vocab, function, None) if vocab is not None else None
    if fn is None:
        return None
    try:
        return fn(*args)
    except (KeyError, ValueError, LookupError):
        return None


@cache
def is_a(code: str, ancestor: str) -> bool:
    return bool(_call("oncotree", "is_a", code, ancestor))


@cache
def known_cancer(code: str) -> bool:
    return _call("oncotree", "get", code) is not None


@cache
def is_solid(code: str) -> bool:
    return bool(_call("oncotree", "is_solid", code))


@cache
def is_hematologic(code: str) -> bool:
    return bool(_call("oncotree", "is_hematologic", code))


@cache
def cancer_code(name_or_code: str) -> str | None:
    """An OncoTree code for a code or a name ("Non-Small Cell Lung Cancer", "Lung")."""
    found = _call("oncotree", "lookup", name_or_code)
    return str(found) if found else None


@cache
def drug_classes(drugbank_id: str) -> frozenset[str]:
    found = _call("drugs", "classes_of", drugbank_id) if drugbank_id else None
    return frozenset(str(c) for c in found) if found else frozenset()


@cache
def drug_class_id(text: str) -> str | None:
    found = _call("drugs", "class_lookup", text)
    return str(found) if found else None


@cache
def exon_of(gene: str, codon: int) -> int | None:
    found = _call("variants", "exon_of", gene, codon)
    if found:
        return int(found)
    for exon, first, last in _EXONS.get(gene, ()):
        if first <= codon <= last:
            return exon
    return None


@cache
def protein_parts(text: str) -> tuple[str, int, str] | None:
    """HGVS p. (one- or three-letter, with or without "p.") -> (one-letter short form, first codon, rest).

    "p.Val600Glu" -> ("V600E", 600, "E"); "V600" -> ("V600", 600, ""); "p.Leu747_Thr751del" ->
    ("L747_T751del", 747, "del"). None when it is not a protein change.
    """
    s = text.strip()
    if s.startswith("p."):
        s = s[2:]
    s = s.strip("()")
    s = _AA3_RE.sub(lambda m: _AA3[m.group(0)], s)
    m = _PROTEIN.match(s)
    if m is None:
        return None
    return s, int(m.group(2)), m.group(5)


def lab_name(loinc: str) -> str:
    found = _call("labs", "by_loinc", loinc)
    name = getattr(found, "name", None) if found is not None else None
    return _LAB_NAMES.get(loinc) or (str(name) if name else f"LOINC {loinc}")


@cache
def convert(value: float, from_unit: str, to_unit: str, loinc: str) -> float | None:
    """`value` from `from_unit` into `to_unit` (None when not convertible)."""
    if not from_unit or not to_unit or from_unit == to_unit:
        return value
    units = _module("units")
    if units is not None and hasattr(units, "convert"):
        try:
            return float(units.convert(value, from_unit, to_unit, molar_mass=_MOLAR.get(loinc)))
        except Exception:
            pass
    factor = _FACTORS.get((from_unit, to_unit))
    if factor is not None:
        return value * factor
    if (from_unit, to_unit) == ("umol/L", "mg/dL") and loinc in _MOLAR:
        return value * _MOLAR[loinc] / 10000.0
    if (from_unit, to_unit) == ("mg/dL", "umol/L") and loinc in _MOLAR:
        return value * 10000.0 / _MOLAR[loinc]
    return None
