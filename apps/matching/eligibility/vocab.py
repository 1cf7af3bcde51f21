"""The one place the matcher calls the shared vocabularies (apps.vocab: pure modules, no Django).

A term a vocabulary does not know gives None / an empty answer here, which the rules turn into "unknown",
never into a pass or a fail. The answers are cached: the vocabularies are fixed while the process runs and
a run asks about the same few hundred terms for every patient.
"""

from __future__ import annotations

from functools import cache

from apps.vocab import conditions, drugs, labs, oncotree, units, variants


@cache
def is_a(code: str, ancestor: str) -> bool:
    return oncotree.is_a(code, ancestor)


@cache
def known_cancer(code: str) -> bool:
    return oncotree.get(code) is not None


@cache
def is_solid(code: str) -> bool:
    return oncotree.is_solid(code)


@cache
def is_hematologic(code: str) -> bool:
    return oncotree.is_hematologic(code)


@cache
def cancer_code(name_or_code: str) -> str | None:
    """An OncoTree code for a code or a name ("Non-Small Cell Lung Cancer", "Lung")."""
    return oncotree.lookup(name_or_code)


def condition_codes(name: str) -> tuple[str, ...]:
    """ICD-10-CM codes of a condition key or name (apps/vocab/data/conditions.yaml); () if not listed."""
    return conditions.codes_for(name)


def condition_covers(code: str, patient_code: str) -> bool:
    """Whether a rule's ICD-10-CM code (category, block or chapter) covers a patient's code."""
    return conditions.covers(code, patient_code)


@cache
def drug_classes(drugbank_id: str) -> frozenset[str]:
    return drugs.classes_of(drugbank_id) if drugbank_id else frozenset()


@cache
def drug_class_id(text: str) -> str | None:
    return drugs.class_lookup(text)


@cache
def exon_of(gene: str, codon: int) -> int | None:
    """The exon of `gene` holding `codon` (apps/vocab/data/exons.csv); None for an exon not listed there."""
    return variants.exon_of(gene, codon)


@cache
def protein_parts(text: str) -> tuple[str, int, str] | None:
    """HGVS p. (one- or three-letter, with or without "p.") -> (one-letter short form, first codon, kind).

    The short form is apps.vocab.variants' normal form, the one the patient readers store: "p.Val600Glu" ->
    ("V600E", 600, "missense"); "V600" -> ("V600", 600, ""); "p.Leu747_Thr751del" and "L747_T751DEL" ->
    ("L747_T751del", 747, "deletion"). The kind is "" when the text names a codon or span but no change.
    None when it is not a protein change.
    """
    change = variants.parse_protein(text)
    if change is None:
        return None
    return change.short, change.position, "" if change.kind == "unknown" else change.kind


def lab_name(loinc: str) -> str:
    """The short name a reason uses for a lab ("ALT within 28 days"); "LOINC <code>" when not listed."""
    lab = labs.by_loinc(loinc)
    return lab.short_name if lab is not None else f"LOINC {loinc}"


@cache
def convert(value: float, from_unit: str, to_unit: str, loinc: str) -> float | None:
    """`value` from `from_unit` into `to_unit` (None when not convertible).

    Mass <-> amount of substance (mg/dL <-> umol/L) uses the lab's molar mass from apps/vocab/data/labs.yaml.
    """
    if not from_unit or not to_unit or from_unit == to_unit:
        return value
    lab = labs.by_loinc(loinc)
    try:
        return units.convert(value, from_unit, to_unit, molar_mass=lab.molar_mass if lab else None)
    except units.UnitError:
        return None
