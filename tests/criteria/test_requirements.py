"""One criterion, several requirements: clauses with requirements of their own, excepted cancer types, genes
written with suffixes or as fusion pairs, protein changes without their gene, items written on one line,
exclusion lab lists and the own requirement of an any-of list's heading. Each test names the class of text it
stands for; the texts are written for the test, after the shapes found in the shared trials."""

from __future__ import annotations

from typing import Any

import pytest

from apps.criteria.parser import parse


def _criteria(text: str) -> list[dict[str, Any]]:
    return parse(text)["criteria"]


def _leaves(c: dict[str, Any]) -> list[dict[str, Any]]:
    kids = c.get("children") or []
    return [leaf for k in kids for leaf in _leaves(k)] if kids else [c]


def _rules(c: dict[str, Any]) -> list[tuple[str, bool, dict[str, Any]]]:
    return [(leaf["kind"], leaf["negated"], leaf.get("rule") or {}) for leaf in _leaves(c)]


def test_a_prior_therapy_clause_beside_a_biomarker_is_a_requirement_of_its_own() -> None:
    c = _criteria(
        "Inclusion Criteria:\n* Metastatic melanoma positive for BRAF V600E mutation and have received at "
        "least 1 prior line of systemic therapy and have not had any previous MEK inhibitor therapy\n"
    )[0]

    rules = _rules(c)
    assert c["operator"] == "all"
    assert rules[0][:2] == ("alteration", False) and rules[0][2]["protein"] == "V600E"
    therapy = [(neg, r) for kind, neg, r in rules if kind == "prior_therapy"]
    assert [(neg, r["min_lines"], r["classes"]) for neg, r in therapy] == [
        (False, 1, ["systemic_therapy"]),
        (True, None, ["mek_inhibitor"]),
    ]


def test_a_clause_about_a_subgroup_adds_no_requirement() -> None:
    c = _criteria(
        "Inclusion Criteria:\n* HER2 negative breast cancer; for patients with ER+ disease, prior endocrine "
        "therapy\n"
    )[0]

    assert all(kind != "prior_therapy" for kind, _, _ in _rules(c))


def test_an_exclusion_with_two_therapy_sentences_excludes_on_either_with_its_own_window() -> None:
    c = _criteria(
        "Exclusion Criteria:\n* The participant cannot have ever received an EGFR TKI (e.g. osimertinib) "
        "prior to study entry. For patients with ALK NSCLC, crizotinib cannot be used within 3 months of "
        "screening.\n"
    )[0]

    assert c["kind"] == "group" and c["operator"] == "any" and not c["negated"]
    (k1, _, r1), (k2, _, r2) = _rules(c)
    assert k1 == "prior_therapy" and "egfr_tki" in r1["classes"] and r1["within_days"] is None
    assert k2 == "washout" and r2["days"] == 90 and not r2["classes"]


def test_a_solid_tumour_requirement_leaves_out_the_excepted_cancers() -> None:
    criteria = _criteria(
        "Inclusion Criteria:\n* Participants with metastatic solid tumors (except biliary tract cancer, "
        "defined as gallbladder cancer or cholangiocarcinoma) who progressed after at least 1 prior systemic "
        "therapy\n"
    )

    dx = [c for c in criteria if c["kind"] == "diagnosis"]
    accepted, excepted = dx
    assert accepted["rule"]["any_solid"] and not accepted["negated"]
    assert excepted["negated"] and set(excepted["rule"]["oncotree"]) == {"GBC", "CHOL"}


@pytest.mark.parametrize(
    ("line", "gene", "variant_class"),
    [
        ("Confirmed NPM1m acute myeloid leukemia", "NPM1", "mutation"),
        ("Confirmed KMT2Ar acute leukemia by FISH", "KMT2A", "rearrangement"),
        ("TP53WT solid tumours", "TP53", "wild_type"),
        ("EGFRmut non-small cell lung cancer", "EGFR", "mutation"),
    ],
)
def test_a_gene_with_a_suffix_names_its_state(line: str, gene: str, variant_class: str) -> None:
    c = _criteria(f"Inclusion Criteria:\n* {line}\n")[0]

    assert (c["kind"], c["rule"]["gene"], c["rule"]["variant_class"]) == ("alteration", gene, variant_class)


@pytest.mark.parametrize(
    ("line", "gene", "partner"),
    [
        ("EML4-ALK fusion positive NSCLC", "ALK", "EML4"),
        ("BCR::ABL1 positive chronic myeloid leukemia", "ABL1", "BCR"),
        ("BCR-ABL1+ acute lymphoblastic leukemia", "ABL1", "BCR"),
    ],
)
def test_a_gene_pair_is_a_fusion_of_the_second_with_the_first(line: str, gene: str, partner: str) -> None:
    c = _criteria(f"Inclusion Criteria:\n* {line}\n")[0]

    assert c["rule"]["gene"] == gene and c["rule"]["variant_class"] == "fusion"
    assert c["rule"]["partner"] == partner


def test_a_protein_change_without_its_gene_is_the_gene_whose_hotspot_it_is() -> None:
    c = _criteria(
        "Exclusion Criteria:\n* Known to be T790M+ (on tumor or plasma) or known germline T790M.\n"
    )[0]

    rules = [r for _, _, r in _rules(c)]
    assert {r["gene"] for r in rules} == {"EGFR"} and {r["protein"] for r in rules} == {"T790M"}
    assert sorted(str(r["origin"]) for r in rules) == ["None", "germline"]  # origin only where it is written


def test_a_change_several_genes_share_implies_no_gene() -> None:
    assert _criteria("Exclusion Criteria:\n* Known Q61 mutation\n")[0]["kind"] != "alteration"


def test_items_written_on_one_line_are_criteria_each() -> None:
    criteria = _criteria("Exclusion Criteria:\n* Platelets ≤ 75,000/mm\\^3 • Hemoglobin ≤ 9.0 g/dL\n")

    assert [(c["id"], c["kind"], c["rule"]["loinc"]) for c in criteria] == [
        ("E1", "measurement", "777-3"),
        ("E2", "measurement", "718-7"),
    ]


def test_an_exclusion_listing_lab_limits_excludes_on_any_of_them() -> None:
    exclusion = _criteria("Exclusion Criteria:\n* Platelets ≤ 75,000/mm3, hemoglobin ≤ 9.0 g/dL\n")[0]
    inclusion = _criteria("Inclusion Criteria:\n* Platelets ≥ 75,000/mm3, hemoglobin ≥ 9.0 g/dL\n")[0]

    assert (exclusion["operator"], inclusion["operator"]) == ("any", "all")


def test_the_heading_of_an_any_of_list_keeps_its_own_marker_requirement() -> None:
    c = _criteria(
        "Inclusion Criteria:\n* Confirmed NPM1m AML with at least one of the following:\n"
        "  * FLT3 mutation\n  * age over 60 years\n"
    )[0]

    own, listed = c["children"]
    assert c["operator"] == "all" and own["rule"]["gene"] == "NPM1"
    assert listed["operator"] == "any" and [k["kind"] for k in listed["children"]] == ["alteration", "age"]


def test_the_heading_of_a_reproductive_any_of_list_requires_no_sex() -> None:
    c = _criteria(
        "Inclusion Criteria:\n* Before enrollment, a woman must be either:\n"
        "  * Not of childbearing potential\n  * Of childbearing potential and practicing contraception\n"
    )[0]

    assert c["operator"] == "any" and all(k["kind"] != "sex" for k in c["children"])


def test_a_previous_gene_symbol_before_a_protein_change_is_the_gene_and_advice_adds_nothing() -> None:
    c = _criteria(
        "Exclusion Criteria:\n* Patients with a known ABL T315I mutation are excluded. Mutation analysis is "
        "recommended for patients who progressed on prior TKI.\n"
    )[0]

    assert c["kind"] == "alteration" and (c["rule"]["gene"], c["rule"]["protein"]) == ("ABL1", "T315I")


def test_a_cancer_type_named_as_the_alternative_of_a_condition_excludes_either() -> None:
    c = _criteria(
        "Exclusion Criteria:\n* Patients with a primary central nervous system (CNS) tumor or tumor "
        "metastatic to the CNS\n"
    )[0]

    assert c["operator"] == "any"
    (k1, _, r1), (k2, _, r2) = _rules(c)
    assert (k1, r1["oncotree"], r1["status"]) == ("diagnosis", ["BRAIN"], [])
    assert (k2, r2["condition"]) == ("condition", "brain_metastases")


def test_a_list_defining_a_term_is_kept_for_review_not_required() -> None:
    criteria = _criteria(
        "Inclusion Criteria:\n* Participants must not be suitable for intensive chemotherapy.\n\n"
        "The following groups are not considered suitable for intensive chemotherapy:\n\n"
        "* Participants aged 50 years or older.\n* ECOG performance status of 2.\n"
    )

    definition = criteria[-1]
    assert all(not leaf["computable"] and "defines a term" in leaf["review"] for leaf in _leaves(definition))


def test_a_later_sentence_ruling_a_therapy_out_does_not_become_the_required_therapy() -> None:
    c = _criteria(
        "Inclusion Criteria:\n* Metastatic solid tumors that progressed following at least 1 prior systemic "
        "treatment. Prior treatment with HER2-targeted therapy is not permitted (Cohort 1 only).\n"
    )[0]

    assert c["kind"] == "prior_therapy" and not c["negated"]
    assert (c["rule"]["classes"], c["rule"]["min_lines"]) == (["systemic_therapy"], 1)


def test_a_list_written_without_bullets_is_read_line_by_line() -> None:
    criteria = _criteria(
        "Inclusion Criteria:\n\nAge >= 18 years. Children are excluded from this study because no dosing "
        "data are available in patients < 18 years of age\nPathology-confirmed metastatic NSCLC\nA common "
        "activating mutation must be present in the EGFR gene, i.e., exon 19 deletion or L858R\n"
        "ECOG performance status <= 2\n"
    )

    assert [c["kind"] for c in criteria] == ["age", "diagnosis", "group", "performance_status"]
    assert criteria[1]["rule"]["oncotree"] == ["NSCLC"]


def test_a_line_cut_open_continues_on_the_next() -> None:
    criteria = _criteria(
        "Inclusion Criteria:\n\nPatients must have histologically confirmed metastatic breast cancer with\n"
        "HER2-positive disease\n"
    )

    assert [c["id"] for c in criteria] == ["I1", "I1.dx"]  # one criterion, its cancer type beside it
