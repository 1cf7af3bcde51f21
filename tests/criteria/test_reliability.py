"""Readings that cannot be what a trial means are kept for review and never decide a pair: written-out
formulas, escaped comparators and units, implausible lab values, notes, ages that qualify something else,
cohort-scoped criteria, and exclusions that contradict what the inclusion criteria require."""

from __future__ import annotations

from typing import Any

import pytest

from apps.criteria.parser import parse


def _criteria(text: str) -> list[dict[str, Any]]:
    return parse(text)["criteria"]


def _leaves(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in criteria:
        out.extend(_leaves(c["children"]) if c.get("children") else [c])
    return out


def _only(text: str) -> dict[str, Any]:
    """The criterion of a one-line inclusion list (a cancer type it names is a sibling: I1.dx)."""
    first, *siblings = _criteria("Inclusion Criteria:\n\n* " + text + "\n")
    assert all(s["id"].startswith("I1.") for s in siblings)
    return first


@pytest.mark.parametrize(
    ("line", "loinc", "bound", "value"),
    [
        ("Absolute neutrophil count (ANC) ≥ 1500/mm\\^3", "751-8", "min", 1.5),
        ("Platelet count ≥ 100,000/mm\\^3", "777-3", "min", 100),
        ("Total bilirubin \\</= 1.5 x institutional upper limit of normal (ULN)", "1975-2", "max", 1.5),
        ("AST \\>/= 40 U/L", "1920-8", "min", 40),
        ("Platelets ≥ 75 × 109/L", "777-3", "min", 75),
        ("Absolute neutrophil count (ANC) ≥1500/mL", "751-8", "min", 1.5),
        ("ANC >= 1500", "751-8", "min", 1.5),
    ],
)
def test_escaped_comparators_and_units_and_counts_per_microlitre_are_read(
    line: str, loinc: str, bound: str, value: float
) -> None:
    c = _only(line)

    assert c["computable"] and c["rule"]["loinc"] == loinc
    assert c["rule"][bound] == value


@pytest.mark.parametrize("line", ["Hematocrit >= 500%", "Serum creatinine <= 72 mg/dL", "Albumin >= 35 g/dL"])
def test_a_lab_limit_outside_the_labs_plausible_range_is_not_computable(line: str) -> None:
    c = _only(line)

    assert c["kind"] == "measurement"
    assert not c["computable"]


def test_a_formula_written_out_gives_no_limits_of_its_own() -> None:
    c = _only(
        "Creatinine clearance (CrCl) ≥ 30 mL/min (Cockcroft-Gault). Cockcroft-Gault equation: "
        "CrCl (mL/min) = "
        "\\[140 - age (years)\\] x weight (kg) / \\[72 x serum creatinine (mg/dL)\\]"
    )

    assert c["kind"] == "measurement"
    assert c["rule"]["loinc"] == "2164-2" and c["rule"]["min"] == 30


def test_a_note_annotates_its_criterion_and_states_no_requirement() -> None:
    with_note = _only("Platelet count ≥ 100,000/mm3. Note: G-CSF is not allowed within 1 week of dosing.")
    note = _only("Note: patients with AST up to 5 x ULN because of liver metastases may be enrolled.")

    assert with_note["kind"] == "measurement" and with_note["rule"]["loinc"] == "777-3"
    assert note["kind"] == "other" and not note["computable"]


@pytest.mark.parametrize(
    "line",
    [
        "Female subjects must be of non-reproductive potential (post-menopausal: ≥ 60 years old, no menses)",
        "Estimated creatinine clearance =(140-age \\[years\\]) x weight (kg) / (72 x serum creatinine) >= 50",
        "Has documented negative test results for EGFR and ALK; testing is only required if diagnosed at <40 "
        "years of age.",
    ],
)
def test_an_age_that_qualifies_something_else_is_no_age_requirement(line: str) -> None:
    assert all(leaf["kind"] != "age" for leaf in _leaves([_only(line)]))


def test_negative_results_for_a_list_of_genes_require_every_gene_wild_type() -> None:
    c = _only("Has documented negative test results for EGFR, ALK, and ROS1 actionable genomic alterations.")

    assert [(k["rule"]["gene"], k["rule"]["variant_class"]) for k in c["children"]] == [
        ("EGFR", "wild_type"),
        ("ALK", "wild_type"),
        ("ROS1", "wild_type"),
    ]


def test_a_criterion_for_one_cohort_is_kept_for_review_not_applied_to_everyone() -> None:
    criteria = _criteria(
        "Inclusion Criteria:\n\n* Metastatic breast cancer\n\nExclusion Criteria:\n\n"
        "* Prior treatment with HER2-targeted therapy (Cohort 1 only).\n* Cohort B: prior trastuzumab\n"
    )

    scoped = [c for c in criteria if c["section"] == "exclusion"]
    assert [c["computable"] for c in scoped] == [False, False]
    assert all("cohort" in c["review"] for c in scoped)


def test_cohorts_among_alternatives_keep_their_own_requirements() -> None:
    criteria = _criteria(
        "Inclusion Criteria:\n\n* Patients must be in one of the following cohorts:\n"
        "  * Cohort 1: ovarian cancer with a KRAS mutation\n"
        "  * Cohort 2: endometrial cancer with an NRAS mutation\n"
    )

    assert all(leaf["computable"] for leaf in _leaves(criteria) if leaf["kind"] == "alteration")


@pytest.mark.parametrize(
    "exclusion",
    [
        "Any cytotoxic chemotherapy or immunotherapy for the treatment of metastatic NSCLC",
        "Participants with prior lung cancer",
        "ECOG performance status ≤ 1",
    ],
)
def test_an_exclusion_that_rules_out_what_the_inclusion_criteria_require_is_kept_for_review(
    exclusion: str,
) -> None:
    criteria = _criteria(
        "Inclusion Criteria:\n\n* Histologically confirmed metastatic non-small cell lung cancer\n"
        f"* ECOG performance status ≤ 1\n\nExclusion Criteria:\n\n* {exclusion}\n"
    )

    (excluded,) = [c for c in criteria if c["section"] == "exclusion"]
    assert not all(leaf["computable"] for leaf in _leaves([excluded]))
    assert all(c["computable"] for c in criteria if c["section"] == "inclusion")


def test_excluding_a_subtype_of_the_required_cancer_stays_computable() -> None:
    criteria = _criteria(
        "Inclusion Criteria:\n\n* Confirmed acute myeloid leukemia\n\nExclusion Criteria:\n\n"
        "* Prior diagnosis of acute promyelocytic leukemia\n"
    )

    assert all(leaf["computable"] for leaf in _leaves(criteria) if leaf["kind"] == "diagnosis")


def test_an_inclusion_limit_on_the_side_a_lab_is_not_limited_is_kept_for_review() -> None:
    c = _only("Neutrophils <= 1.5 x 10^9/L")

    assert c["kind"] == "measurement" and not c["computable"]


def test_a_capitalised_label_naming_whom_a_criterion_is_for_does_not_negate_it() -> None:
    c = _only("PATIENTS WHO HAVE NOT YET UNDERGONE HCT: Participant has an ECOG =\\< 2")

    assert c["kind"] == "performance_status" and not c["negated"]
    assert c["rule"]["max"] == 2


def _kinds(c: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(leaf["kind"], leaf["rule"].get("gene") or leaf["rule"].get("marker")) for leaf in _leaves([c])]


def test_one_sentence_states_every_biomarker_requirement_it_names() -> None:
    c = _only("Women with advanced HER2 negative, BRCA germline positive breast cancer")

    assert c["operator"] == "all"
    assert _kinds(c) == [("expression", "HER2"), ("alteration", "BRCA1"), ("alteration", "BRCA2")]
    assert all(k["rule"]["origin"] == "germline" for k in _leaves([c]) if k["kind"] == "alteration")


def test_at_least_one_of_the_following_markers_is_an_any_group_across_kinds() -> None:
    c = _only(
        "Testing showing at least one of the following: ALK fusion, BRAF V600 mutation, "
        "PD-L1 expression in ≥ 1% tumor cells, KRAS G12C mutation"
    )

    assert c["operator"] == "any"
    assert {k for k, _ in _kinds(c)} == {"expression", "alteration"}


def test_measurable_disease_and_a_biomarker_in_one_sentence_are_both_required() -> None:
    c = _only("Stage IV colorectal cancer positive for BRAF V600E mutation and measurable disease per RECIST")

    assert c["operator"] == "all"
    assert [k for k, _ in _kinds(c)] == ["measurable_disease", "alteration"]


def test_a_marker_naming_a_subgroup_states_no_requirement() -> None:
    c = _only(
        "HER2 negative breast cancer. Estrogen receptor positive (ER+) patients must have progressed on "
        "endocrine therapy."
    )

    assert c["kind"] == "expression" and c["rule"]["marker"] == "HER2"


def test_a_permitted_alteration_and_a_gene_named_again_add_no_requirement() -> None:
    c = _only(
        "Has no known actionable alterations in BRAF or RET. Participants whose tumors harbor KRAS "
        "mutations are eligible."
    )
    tp53 = _only("Tumor must be TP53 wild-type as determined by IHC or by NGS of TP53")

    assert c["negated"] and {k["rule"]["gene"] for k in c["children"]} == {"BRAF", "RET"}
    assert tp53["kind"] == "alteration" and tp53["rule"]["variant_class"] == "wild_type"


@pytest.mark.parametrize(
    "line",
    [
        "Cyclical chemotherapy within a period of time that was shorter than the cycle length prior to C1D1",
        "Any TKI therapy must be discontinued for 5 half-lives prior to initiation of protocol therapy",
        "Any prior treatment that would compromise the study, including high dose corticosteroids",
    ],
)
def test_a_therapy_window_or_judgment_the_record_cannot_measure_is_kept_for_review(line: str) -> None:
    (c,) = _criteria(
        "Exclusion Criteria:\n\n* Patients receiving treatment with any of the following are not eligible:\n"
        f"  * {line}\n  * Prior oxaliplatin within 14 days\n"
    )

    first, second = c["children"]
    assert first["kind"] in ("washout", "prior_therapy") and not first["computable"]
    assert second["kind"] == "washout" and second["computable"]


def test_a_gene_written_with_its_codon_is_an_alteration_of_that_codon() -> None:
    c = _only("Melanoma must have a BRAFV600 mutation")

    assert (c["rule"]["gene"], c["rule"]["codon"]) == ("BRAF", 600)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("EGFR exon 19 deletion or L858R", [(19, None), (None, "L858R")]),
        (
            "Stage IV NSCLC with either the L858R or exon 19 deletion activating EGFR mutation",
            [(None, "L858R"), (19, None)],
        ),
        ("KRAS G12C, G12D or G13D mutation", [(None, "G12C"), (None, "G12D"), (None, "G13D")]),
    ],
)
def test_variants_listed_with_their_gene_are_alternatives(line: str, expected: list[Any]) -> None:
    c = _only(line)

    assert c["operator"] == "any"
    assert [(k["rule"]["exon"], k["rule"]["protein"]) for k in c["children"]] == expected


def test_without_a_list_of_alterations_requires_every_gene_negative() -> None:
    c = _only("Patients without actionable EGFR mutation or ALK rearrangement")

    assert not c["negated"] and c["operator"] == "all"
    assert [(k["rule"]["gene"], k["rule"]["variant_class"]) for k in c["children"]] == [
        ("EGFR", "wild_type"),
        ("ALK", "wild_type"),
    ]


def test_an_exclusion_written_as_a_prohibition_excludes_what_it_names() -> None:
    (c,) = _criteria("Exclusion Criteria:\n\n* The participant cannot have ever received an EGFR TKI\n")

    assert c["kind"] == "prior_therapy" and not c["negated"]


def test_a_note_under_a_criterion_does_not_turn_it_into_a_group() -> None:
    first, *_ = _criteria(
        "Inclusion Criteria:\n\n* Stage IV NSCLC with an EGFR L858R mutation\n"
        "  * Note: recurrent disease first diagnosed at an earlier stage is eligible\n"
    )

    assert first["kind"] == "alteration" and first["rule"]["protein"] == "L858R"


@pytest.mark.parametrize(
    ("line", "operator", "result"),
    [("Hormone receptor positive", "any", "positive"), ("HR-negative disease", "all", "negative")],
)
def test_hormone_receptor_status_is_er_and_pr(line: str, operator: str, result: str) -> None:
    c = _only(line)

    assert c["operator"] == operator
    assert [(k["rule"]["marker"], k["rule"]["result"]) for k in c["children"]] == [
        ("ER", result),
        ("PR", result),
    ]


def test_a_proteins_expression_is_no_alteration_and_a_marker_not_judged_yet_is_kept_for_review() -> None:
    c = _only("Metastatic HER2-negative breast cancer AR expression of ≥ 10%")

    her2, ar = c["children"]
    assert her2["rule"]["marker"] == "HER2" and her2["computable"]
    assert (ar["kind"], ar["rule"]["marker"], ar["rule"]["min"]) == ("expression", "AR", 10)
    assert not ar["computable"] and ar["review"]


def test_items_under_a_therapy_heading_are_therapies_even_when_they_do_not_say_so() -> None:
    (c,) = _criteria(
        "Exclusion Criteria:\n\n* Has received prior treatment with any of the following:\n"
        "  * Any anti-PD-1, anti-PD-L1, or anti-PD-L2 agent or an agent directed to another stimulatory or "
        "co-inhibitory T-cell receptor\n"
        "  * Any cytotoxic chemotherapy or anticancer drugs for the treatment of metastatic NSCLC\n"
    )

    assert [k["kind"] for k in c["children"]] == ["prior_therapy", "prior_therapy"]
    assert {"anti_pd_1", "anti_pd_l1"} <= set(c["children"][0]["rule"]["classes"])


def test_an_inclusion_washout_asks_for_time_elapsed_since_the_therapy() -> None:
    heading, since, within = _criteria(
        "Inclusion Criteria:\n\n* Adequate treatment washout period before randomization, defined as:\n"
        "  * T-DXd: ≥ 3 weeks\n"
        "* Patients must have discontinued prior chemotherapy at least 14 days prior to day 1\n"
        "* Received chemotherapy within 6 months of enrollment\n"
    )

    (tdxd,) = heading["children"]
    assert (tdxd["kind"], tdxd["negated"], tdxd["rule"]["days"]) == ("washout", True, 21)
    assert (since["kind"], since["negated"], since["rule"]["days"]) == ("washout", True, 14)
    assert (within["kind"], within["negated"]) == ("washout", False)
