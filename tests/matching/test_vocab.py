"""The matcher's bridge to apps.vocab: names, units, protein changes and exons come from the shared tables."""

import pytest

from apps.matching.eligibility import vocab
from apps.matching.records import FindingFact
from tests.matching.test_eligibility import crit, patient, verdict


@pytest.mark.parametrize(
    ("loinc", "name"),
    [
        ("1742-6", "ALT"),
        ("751-8", "neutrophils"),
        ("2164-2", "creatinine clearance"),
        ("2885-2", "Protein [Mass/volume] in Serum or Plasma"),  # no short name: the table's name
        ("0000-0", "LOINC 0000-0"),
    ],
)
def test_lab_names_come_from_the_lab_table(loinc: str, name: str) -> None:
    assert vocab.lab_name(loinc) == name


@pytest.mark.parametrize(
    ("value", "from_unit", "to_unit", "loinc", "expected"),
    [
        (1.0, "/mm3", "10*3/uL", "751-8", 0.001),
        (1.0, "10*9/L", "10*3/uL", "777-3", 1.0),
        (1.0, "g/L", "g/dL", "718-7", 0.1),
        (88.4, "umol/L", "mg/dL", "2160-0", 88.4 * 113.12 / 10000),
        (1.0, "mg/dL", "umol/L", "1975-2", 10000 / 584.66),
        (17.1, "umol/L", "mg/dL", "1968-7", 17.1 * 584.66 / 10000),  # molar mass read from labs.yaml
        (3.0, "mg/dL", "mg/dL", "", 3.0),
    ],
)
def test_convert_uses_the_unit_vocabulary_and_the_labs_molar_mass(
    value: float, from_unit: str, to_unit: str, loinc: str, expected: float
) -> None:
    assert vocab.convert(value, from_unit, to_unit, loinc) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("from_unit", "to_unit", "loinc"),
    [
        ("umol/L", "mg/dL", "718-7"),  # hemoglobin has no molar mass in the table
        ("%", "mg/dL", "2160-0"),
        ("furlongs", "mg/dL", "2160-0"),
    ],
)
def test_convert_is_none_when_the_units_do_not_convert(from_unit: str, to_unit: str, loinc: str) -> None:
    assert vocab.convert(1.0, from_unit, to_unit, loinc) is None


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("p.Val600Glu", ("V600E", 600, "missense")),
        ("V600E", ("V600E", 600, "missense")),
        ("V600", ("V600", 600, "")),
        ("p.Leu747_Thr751del", ("L747_T751del", 747, "deletion")),
        ("L747_T751DEL", ("L747_T751del", 747, "deletion")),  # as the criteria parser upper-cases it
        ("p.Ala775_Gly776insTyrValMetAla", ("A775_G776insYVMA", 775, "insertion")),
        ("exon 19 deletion", None),
    ],
)
def test_protein_parts_use_the_variant_vocabularys_normal_form(
    text: str, parts: tuple[str, int, str] | None
) -> None:
    assert vocab.protein_parts(text) == parts


def test_a_trial_deletion_written_upper_case_matches_the_readers_short_form() -> None:
    rule = crit("alteration", {"gene": "EGFR", "protein": "L747_T751DEL"})
    finding = FindingFact(
        gene="EGFR", present=True, protein_change="p.Leu747_Thr751del", protein_short="L747_T751del"
    )

    assert verdict(rule, patient(findings=(finding,))) == "met"


@pytest.mark.parametrize(
    ("gene", "change", "exon", "expected"),
    [
        ("ERBB2", "p.Ala775_Gly776insTyrValMetAla", 20, "met"),
        ("ERBB2", "p.Leu755Ser", 20, "not_met"),
        ("PIK3CA", "p.Glu545Lys", 9, "met"),
        ("PIK3CA", "p.Glu545Lys", 20, "not_met"),
        ("PIK3CA", "p.Arg1023Ter", 20, "met"),
        ("TP53", "p.Arg175His", 5, "unknown"),  # TP53 exons are not in exons.csv: unknown, not a fail
    ],
)
def test_exon_rules_read_the_exon_table(gene: str, change: str, exon: int, expected: str) -> None:
    rule = crit("alteration", {"gene": gene, "exon": exon, "variant_class": "mutation"})
    finding = FindingFact(gene=gene, present=True, protein_change=change, variant_class="")

    assert verdict(rule, patient(findings=(finding,))) == expected
