"""Parsing errors found on real trials, one behaviour per test (rule forms: apps/criteria/RULES.md)."""

import pytest

from apps.criteria.parser import parse


def _one(text):
    (c,) = parse(text)["criteria"]
    return c


@pytest.mark.parametrize(
    ("text", "shared"),
    [
        ("Prior anti-PD-1 or anti-CTLA-4 based therapy", {"anti_pd_1", "anti_ctla_4"}),
        ("Prior treatment with an EGFR TKI", {"egfr_tki"}),
        ("Previously received any PI3K inhibitor", {"pi3k_inhibitor"}),
    ],
)
def test_drug_classes_also_carry_the_shared_vocabulary_class_the_matcher_knows(text, shared):
    c = _one(text)

    assert c["kind"] == "prior_therapy"
    assert shared <= set(c["rule"]["classes"])


def test_genes_listed_before_a_shared_inhibitor_head_are_drug_targets_not_required_alterations():
    c = _one("Patients who have previously received fulvestrant or any PIK3CA, PI3K, mTOR, or AKT inhibitor.")

    assert c["kind"] == "prior_therapy"
    assert {"pi3k_inhibitor", "mtor_inhibitor", "akt_inhibitor"} <= set(c["rule"]["classes"])
    assert "DB00947" in c["rule"]["drugs"]


def test_every_stage_named_in_a_criterion_is_accepted_not_only_the_first():
    c = parse("Patients with histologically confirmed melanoma (Stage IIIC or Stage IV, AJCC)")["criteria"][0]

    assert c["kind"] == "stage"
    assert c["rule"]["stages"] == ["IIIC", "IV"]


def test_a_cancer_type_and_stage_named_only_beside_the_marker_become_criteria_of_their_own():
    criteria = parse("Inclusion Criteria:\n\n* Patients with BRAFV600E melanoma (Stage IIIC or Stage IV)\n")[
        "criteria"
    ]

    assert [(c["id"], c["kind"]) for c in criteria] == [
        ("I1", "alteration"),
        ("I1.dx", "diagnosis"),
        ("I1.stage", "stage"),
    ]
    assert (criteria[0]["rule"]["gene"], criteria[0]["rule"]["protein"]) == ("BRAF", "V600E")
    assert criteria[1]["rule"]["oncotree"] == ["MEL"]
    assert criteria[2]["rule"]["stages"] == ["IIIC", "IV"]


def test_a_marker_criterion_stays_alone_when_another_criterion_names_the_disease():
    text = "Inclusion Criteria:\n\n* Metastatic melanoma\n* BRAF V600E mutation in melanoma tissue\n"

    assert [c["kind"] for c in parse(text)["criteria"]] == ["diagnosis", "alteration"]


@pytest.mark.parametrize(
    "text",
    [
        "Negative pregnancy test for premenopausal women (those capable of having children) and for women"
        " less than 12 months after menopause.",
        "Willing and able to provide written informed consent or an assent signed by a parent (12-17 years)",
    ],
)
def test_durations_and_consent_ages_are_not_age_criteria(text):
    assert _one(text)["kind"] != "age"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Age >= 6 months", {"min": 6, "unit": "mo"}),
        ("Children aged 12 years or older", {"min": 12, "unit": "a"}),
        ("Patients must be ≥ 18 years of age and able to sign informed consent", {"min": 18, "unit": "a"}),
    ],
)
def test_real_age_bounds_still_read(text, expected):
    c = _one(text)

    assert c["kind"] == "age"
    assert expected.items() <= c["rule"].items()


def test_solid_malignancy_is_a_diagnosis_requirement_not_an_other_malignancy_condition():
    c = _one("Histologically or cytologically confirmed advanced or metastatic solid malignancy")

    assert c["kind"] == "diagnosis"
    assert c["rule"]["any_solid"] is True


def test_words_inside_a_link_and_unit_denominators_are_not_terms():
    linked = _one(
        "Mutations found by the labs listed on https://ecog-acrin.org/nci-match-eay131-designated-labs"
    )
    anc = _one("Absolute neutrophil count (ANC) greater than or equal to 1000/mcl")

    assert linked["kind"] != "performance_status"
    rules = [anc.get("rule")] + [k["rule"] for k in anc.get("children", [])]
    assert {"loinc": "751-8", "min": 1}.items() <= next(r for r in rules if r and r.get("loinc")).items()
