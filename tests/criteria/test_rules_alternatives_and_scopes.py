"""Rule forms that decide real matches: alternatives between labs, conditional limits, the cancer type a
biomarker or stage criterion names, example lists and exclusions inside a criterion, prior systemic therapy
(rule forms: apps/criteria/RULES.md)."""

import pytest

from apps.criteria.parser import parse


def _first(text):
    return parse(text)["criteria"][0]


def _rules(c):
    """(loinc, bounds...) of a measurement criterion's rules, groups flattened with their operator."""
    if c["kind"] == "group":
        return (c["operator"], [_rules(k) for k in c["children"]])
    r = c["rule"]
    return (r["loinc"], r["min"], r["max"], r["relative_to"])


# -- alternatives between measurements ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Serum creatinine ≤ 1.5 × ULN or calculated creatinine clearance ≥ 50 mL/min (Cockcroft-Gault)",
            ("any", [("2160-0", None, 1.5, "ULN"), ("2164-2", 50, None, None)]),
        ),
        (
            "Cr =\\< 1.5 x institutional ULN OR CrCl \\>= 45 mL/min",
            ("any", [("2160-0", None, 1.5, "ULN"), ("2164-2", 45, None, None)]),
        ),
        (
            "Absolute neutrophil count ≥ 1,500/mcL, platelets ≥ 100,000/mcL, SCr ≤ 1.5 mg/dL or CrCl ≥ 60"
            " mL/min",
            (
                "all",
                [
                    ("751-8", 1.5, None, None),
                    ("777-3", 100, None, None),
                    ("any", [("2160-0", None, 1.5, None), ("2164-2", 60, None, None)]),
                ],
            ),
        ),
        (
            "Serum creatinine or creatinine clearance within normal limits or > 50 mL/min",
            ("any", [("2160-0", None, 1, "ULN"), ("2164-2", 50, None, None)]),
        ),
    ],
)
def test_limits_joined_by_or_are_alternatives_of_each_other(text, expected):
    assert _rules(_first(text)) == expected


def test_a_calculated_clearance_names_its_formula():
    c = _first("Calculated creatinine clearance ≥ 45 mL/min by the Cockcroft-Gault formula")

    assert (c["rule"]["loinc"], c["rule"]["formula"]) == ("2164-2", "cockcroft-gault")


def test_cr_written_with_its_case_is_creatinine_but_complete_response_is_no_lab():
    assert _first("Cr ≤ 2 × ULN")["rule"]["loinc"] == "2160-0"
    assert _first("Achieved CR ≥ 6 months after induction")["kind"] != "measurement"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Total bilirubin ≤ institutional upper limit of normal (ULN)", ("1975-2", None, 1, "ULN")),
        ("Corrected calcium \\>= institutional lower limit of normal (LLN)", ("17861-6", 1, None, "LLN")),
        ("Absolute neutrophil count greater than or equal to 1,000/mcL", ("751-8", 1, None, None)),
    ],
)
def test_limits_without_a_number_or_in_words_are_read(text, expected):
    c = _first(text)

    assert _rules(c) == expected
    assert c["rule"]["min_inclusive"] and c["rule"]["max_inclusive"]


# -- conditional limits -------------------------------------------------------------------------------------


def test_a_looser_limit_under_a_condition_is_an_alternative_not_a_second_bound():
    c = _first(
        "AST and ALT ≤ 2.5 × ULN. If hepatic metastases are present, AST and ALT ≤ 5 × ULN. Total bilirubin"
        " ≤ 1.5 × ULN (≤ 3 × ULN for patients with documented Gilbert's syndrome)"
    )

    rules = {k["rule"]["loinc"]: k["rule"] for k in c["children"]}
    assert [(r["max"], [(a["condition"], a["max"]) for a in r["alternatives"]]) for r in rules.values()] == [
        (2.5, [("liver_metastases", 5)]),
        (2.5, [("liver_metastases", 5)]),
        (1.5, [("gilbert_syndrome", 3)]),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "If serum creatinine is > 1.5 × ULN, a measured 24-hour creatinine clearance must be ≥ 50 mL/min",
        "Patients receiving warfarin must have an INR ≤ 3.0",
        "For subjects with liver metastases: ALT ≤ 5 × ULN",
    ],
)
def test_a_limit_that_holds_only_under_a_condition_is_no_unconditional_bound(text):
    c = _first(text)

    assert (c["kind"], c["computable"]) == ("measurement", False)


def test_a_condition_sentence_after_a_list_of_limits_leaves_the_limits_unconditional():
    c = _first(
        "ANC ≥ 1.5 × 10^9/L, creatinine ≤ 1.5 × ULN or CrCl ≥ 40 mL/min. If creatinine is ≥ 1.5 × ULN, a"
        " 24-hour urine collection must be performed"
    )

    assert _rules(c) == (
        "all",
        [("751-8", 1.5, None, None), ("any", [("2160-0", None, 1.5, "ULN"), ("2164-2", 40, None, None)])],
    )


# -- the cancer type beside a biomarker or a stage ----------------------------------------------------------

_OTHER = "\n* ECOG performance status 0-1\n* Adequate organ function\n"


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("Histologically confirmed MBC, current stage IV.", "BRCA"),
        ("Advanced (FIGO stage III or IV) or recurrent endometrial carcinoma", "UCEC"),
        ("HER2-positive (IHC 3+) metastatic breast cancer", "BRCA"),
        ("Recurrent or metastatic HNSCC with PD-L1 CPS ≥ 1", "HNSC"),
    ],
)
def test_a_cancer_type_named_beside_a_stage_or_marker_becomes_a_diagnosis_requirement(line, code):
    criteria = parse("Inclusion Criteria:\n* " + line + _OTHER)["criteria"]

    dx = [c for c in criteria if c["id"] == "I1.dx"]
    assert dx and dx[0]["kind"] == "diagnosis" and dx[0]["rule"]["oncotree"] == [code]


def test_a_bare_tumour_mention_does_not_stand_for_the_trials_cancer_type():
    text = (
        "Inclusion Criteria:\n* Locally advanced or metastatic solid tumor harboring an NTRK1, NTRK2 or NTRK3"
        " fusion\n* Archival tumor tissue must be available\n"
    )

    dx = [c for c in parse(text)["criteria"] if c["id"] == "I1.dx"]
    assert dx and dx[0]["rule"]["any_solid"] is True


def test_cohorts_naming_different_cancers_each_accept_any_of_them():
    text = (
        "Inclusion Criteria:\n* BRAF V600E-mutant metastatic colorectal cancer\n"
        "* BRAF V600E-mutant unresectable melanoma\n"
    )

    dx = {c["id"]: c["rule"]["oncotree"] for c in parse(text)["criteria"] if c["id"].endswith(".dx")}
    assert dx == {"I1.dx": ["COADREAD", "MEL"], "I2.dx": ["COADREAD", "MEL"]}


@pytest.mark.parametrize(
    "line",
    [
        "For patients with lung adenocarcinoma, EGFR mutation status must be known",
        "Cohort 3 only: KRAS G12C-mutant pancreatic cancer",
        "HER2 positivity as defined by ASCO/CAP guidelines for breast cancer",
    ],
)
def test_a_cancer_named_as_a_condition_or_for_one_cohort_is_no_requirement(line):
    criteria = parse("Inclusion Criteria:\n* " + line + _OTHER)["criteria"]

    assert not [c for c in criteria if c["id"].endswith(".dx")]


# -- example lists and exclusions inside a criterion --------------------------------------------------------


def test_examples_do_not_narrow_a_requirement_and_an_excluded_variant_is_ruled_out():
    c = _first(
        "Documented activating EGFR mutation (e.g., exon 19 deletion, L858R or G719X) in tumor tissue."
        " Patients whose tumors harbor EGFR exon 20 insertions are not eligible."
    )

    assert (c["kind"], c["operator"], c["negated"]) == ("group", "all", False)
    required, ruled_out = c["children"]
    assert (required["negated"], required["rule"]["protein"], required["rule"]["exon"]) == (False, None, None)
    assert (ruled_out["negated"], ruled_out["rule"]["variant_class"]) == (True, "exon20_insertion")


def test_an_exception_rules_its_variant_out():
    c = _first("Tumor harbors a KRAS mutation other than G12C")

    assert [(k["rule"]["protein"], k["negated"]) for k in c["children"]] == [(None, False), ("G12C", True)]


def test_an_exclusion_sentence_in_an_exclusion_criterion_only_repeats_what_excludes():
    text = "Exclusion Criteria:\n* Known EGFR mutation. Patients with EGFR exon 20 insertions are excluded.\n"

    c = parse(text)["criteria"][0]

    assert not any(k["negated"] for k in c.get("children", []))


def test_parts_of_a_negated_criterion_do_not_repeat_its_negation():
    c = _first("Patient must not have a QTcF > 470 ms or LVEF < 50%")

    assert c["negated"] is True
    assert c["kind"] == "group" and not any(k["negated"] for k in c["children"])


# -- prior systemic therapy ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("At least one prior line of systemic therapy for metastatic disease", {"min_lines": 1}),
        ("No more than 2 prior systemic anticancer regimens", {"max_lines": 2}),
        ("No prior systemic treatment for advanced disease", {"setting": "metastatic"}),
    ],
)
def test_prior_systemic_therapy_is_the_systemic_therapy_class(text, expected):
    c = _first(text)

    assert (c["kind"], c["rule"]["classes"]) == ("prior_therapy", ["systemic_therapy"])
    assert expected.items() <= c["rule"].items()


@pytest.mark.parametrize(
    "text",
    [
        "Concurrent anticancer therapy",
        "Patients must have recovered from toxicities of prior anticancer therapy to grade 1 or less",
        "Prior treatment with any CDK inhibitor",
        "Received any investigational agent",
    ],
)
def test_therapy_wording_that_is_no_prior_systemic_therapy_requirement_is_not_that_class(text):
    c = _first(text)

    assert "systemic_therapy" not in ((c.get("rule") or {}).get("classes") or [])


def test_named_drug_classes_are_the_requirement_not_any_systemic_therapy():
    c = _first("Prior therapy with an anthracycline with a cumulative doxorubicin dose > 360 mg/m2")

    assert "systemic_therapy" not in c["rule"]["classes"]
