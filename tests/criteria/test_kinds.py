"""Kinds, negation and rules of single criteria (rule forms in apps/criteria/RULES.md)."""

import pytest

from apps.criteria.parser import parse


def _one(text):
    (c,) = parse(text)["criteria"]
    return c


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Age >= 18 years", {"min": 18, "min_inclusive": True, "max": None}),
        ("18 years of age or older", {"min": 18, "min_inclusive": True}),
        ("Aged 18-75 years", {"min": 18, "max": 75}),
        ("Age \\> 18 years", {"min": 18, "min_inclusive": False}),
    ],
)
def test_age_bounds(text, expected):
    c = _one(text)

    assert c["kind"] == "age"
    assert expected.items() <= c["rule"].items()


def test_ecog_range():
    c = _one("ECOG performance status 0-1")

    assert c["kind"] == "performance_status"
    assert (c["rule"]["scale"], c["rule"]["min"], c["rule"]["max"]) == ("ECOG", 0, 1)


def test_lab_with_unit_conversion_to_canonical_unit():
    c = _one("Platelets ≥ 100,000/mm3")

    assert c["kind"] == "measurement"
    assert (c["rule"]["loinc"], c["rule"]["min"], c["rule"]["unit"]) == ("777-3", 100, "10*3/uL")


def test_two_labs_sharing_a_uln_bound_are_a_group_of_all():
    c = _one("AST and ALT <= 2.5 x ULN")

    assert c["kind"] == "group" and c["operator"] == "all"
    assert {ch["rule"]["loinc"] for ch in c["children"]} == {"1920-8", "1742-6"}
    assert all(ch["rule"]["relative_to"] == "ULN" and ch["rule"]["max"] == 2.5 for ch in c["children"])


def test_egfr_l858r_is_an_alteration_with_protein_change():
    c = _one("Documented EGFR L858R mutation")

    assert c["kind"] == "alteration"
    assert (c["rule"]["gene"], c["rule"]["protein"], c["rule"]["codon"]) == ("EGFR", "L858R", 858)


def test_her2_alias_maps_to_erbb2_and_exon_20_insertion_class():
    c = _one("HER2 exon 20 insertion mutation")

    assert (c["rule"]["gene"], c["rule"]["variant_class"], c["rule"]["exon"]) == (
        "ERBB2",
        "exon20_insertion",
        20,
    )


def test_pd_l1_tps_threshold():
    c = _one("PD-L1 TPS ≥ 50% (22C3)")

    assert c["kind"] == "expression"
    assert (c["rule"]["marker"], c["rule"]["scoring"], c["rule"]["min"], c["rule"]["assay"]) == (
        "PD-L1",
        "TPS",
        50,
        "22C3",
    )


def test_dmmr_is_msi_high():
    assert _one("dMMR or MSI-H tumor")["rule"] == {"status": "MSI-H"}


def test_no_prior_therapy_in_inclusion_is_negated():
    c = _one("No prior treatment with a KRAS G12C inhibitor")

    assert c["negated"] is True
    assert c["kind"] == "prior_therapy"
    assert "kras_g12c_inhibitor" in c["rule"]["classes"]


def test_washout_within_days():
    c = _one("Chemotherapy within 21 days prior to the first dose of study drug")

    assert c["kind"] == "washout" and c["rule"]["days"] == 21


def test_patient_must_not_be_pregnant_is_negated_pregnancy():
    c = _one("Patient must not be pregnant")

    assert (c["kind"], c["negated"]) == ("pregnancy", True)


def test_untreated_brain_metastases_condition():
    c = _one("Untreated brain metastases")

    assert c["kind"] == "condition"
    assert (c["rule"]["condition"], c["rule"]["qualifier"]) == ("brain_metastases", "untreated")


def test_consent_is_administrative_and_not_computable():
    c = _one("Signed informed consent")

    assert (c["kind"], c["computable"]) == ("administrative", False)


def test_a_wild_type_rule_is_not_negated_again_by_the_cue_it_came_from():
    from apps.criteria.parser import parse

    text = (
        "Inclusion Criteria:\n- Patients without EGFR mutation\n- Negative for ALK rearrangement\n"
        "- Patients with EGFR wild-type tumors are not eligible\n"
        "Exclusion Criteria:\n- Patients with no EGFR mutation are excluded\n"
    )
    got = [(c["section"], c["rule"]["variant_class"], c["negated"]) for c in parse(text)["criteria"]]
    assert got == [
        ("inclusion", "wild_type", False),  # requires wild-type
        ("inclusion", "wild_type", False),
        ("inclusion", "wild_type", True),  # rules wild-type out
        ("exclusion", "wild_type", False),  # excludes wild-type
    ]


def test_a_required_negative_pregnancy_test_asks_for_not_pregnant():
    from apps.criteria.parser import parse

    text = (
        "Inclusion Criteria:\n"
        "- Women of childbearing potential must have a negative pregnancy test within 7 days\n"
        "- Serum pregnancy test negative at screening\n"
        "Exclusion Criteria:\n- Positive pregnancy test\n"
    )
    got = [(c["kind"], c["rule"]["status"], c["negated"]) for c in parse(text)["criteria"]]
    assert got == [
        ("pregnancy", "pregnant", True),
        ("pregnancy", "pregnant", True),
        ("pregnancy", "pregnant", False),
    ]


def test_an_age_range_written_as_two_bounds_keeps_both_ends():
    from apps.criteria.parser import parse

    def age(text):
        return parse("Inclusion Criteria:\n- " + text)["criteria"][0]["rule"]

    assert (age("Age >= 18 and <= 72 years")["min"], age("Age >= 18 and <= 72 years")["max"]) == (18, 72)
    rule = age("Age < 75 years and >= 18 years")
    assert (rule["min"], rule["max"], rule["max_inclusive"]) == (18, 75, False)
    # a second number that cannot close the range is not taken as its other end
    assert age("Age >= 18 years and <= 12 years since diagnosis")["max"] is None
