"""A trial's reading implausible as a whole is flagged with a reason naming what is wrong, and the review
cap makes every pair of a flagged trial at best possible, alike in the evaluator and the engine."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.criteria import plausibility
from apps.criteria.parser import parse
from apps.matching.eligibility import evaluate
from apps.matching.engine import match_all
from apps.matching.records import DiagnosisFact, PatientRecord
from tests.matching.test_engine import criteria, records

AS_OF = dt.date(2026, 11, 1)
NSCLC_TEXT = "Inclusion Criteria:\n- Histologically confirmed non-small cell lung cancer\n- ECOG 0-1\n"
ECOG_ONLY = "Inclusion Criteria:\n- ECOG 0-1\n- Adequate organ function\n"


def _rules(flags: list[dict[str, str]]) -> list[str]:
    return [f["rule"] for f in flags]


def test_conditions_naming_a_cancer_type_no_requirement_enforces_flag_the_reading_with_the_type():
    flags = plausibility.reading_flags(
        parse(ECOG_ONLY)["criteria"], title="A study of drug X", conditions=["Non-small Cell Lung Cancer"]
    )

    assert _rules(flags) == ["diagnosis"]
    assert "Non-Small Cell Lung Cancer (NSCLC)" in flags[0]["reason"]


def test_a_diagnosis_requirement_for_the_named_cancer_type_leaves_the_reading_unflagged():
    flags = plausibility.reading_flags(
        parse(NSCLC_TEXT)["criteria"], title="A study of drug X", conditions=["Non-small Cell Lung Cancer"]
    )

    assert flags == []


def test_a_cancer_type_only_the_title_names_flags_a_reading_without_a_diagnosis_requirement():
    flags = plausibility.reading_flags(
        parse(ECOG_ONLY)["criteria"], title="Drug X in Metastatic Colorectal Cancer", conditions=["Cancer"]
    )

    assert _rules(flags) == ["diagnosis"]
    assert "COADREAD" in flags[0]["reason"]


def test_an_excluded_cancer_type_does_not_count_as_enforcing_one():
    text = "Exclusion Criteria:\n- Small cell lung cancer\n"

    flags = plausibility.reading_flags(parse(text)["criteria"], title="", conditions=["Lung Cancer"])

    assert _rules(flags) == ["diagnosis"]


@pytest.mark.parametrize(
    "title",
    ["Osimertinib in EGFR-mutant NSCLC", "Drug X for EGFR Mutation Positive Lung Cancer", "EGFR+ NSCLC"],
)
def test_a_gene_the_title_names_as_an_alteration_without_a_requirement_naming_it_is_flagged(title):
    flags = plausibility.reading_flags(parse(NSCLC_TEXT)["criteria"], title=title, conditions=[])

    assert _rules(flags) == ["alteration"]
    assert "EGFR" in flags[0]["reason"]


def test_an_alteration_requirement_for_the_named_gene_leaves_the_reading_unflagged():
    text = NSCLC_TEXT + "- Documented EGFR exon 19 deletion or L858R mutation\n"

    flags = plausibility.reading_flags(
        parse(text)["criteria"], title="Osimertinib in EGFR-mutant NSCLC", conditions=["NSCLC"]
    )

    assert flags == []


@pytest.mark.parametrize(
    "title", ["An ATR Inhibitor in Solid Tumors", "CDK4/6 inhibition after progression", "A Study of Drug X"]
)
def test_a_gene_named_as_a_drug_target_or_no_gene_is_no_alteration_flag(title):
    flags = plausibility.reading_flags(parse(NSCLC_TEXT)["criteria"], title=title, conditions=[])

    assert "alteration" not in _rules(flags)


@pytest.mark.parametrize(
    ("eligible", "patients", "types", "flagged"),
    [
        (51, 100, 2, True),
        (50, 100, 2, False),  # exactly half is not more than half
        (90, 100, 1, False),  # one cancer type: a disease-specific cohort may well be eligible
        (15, 19, 3, False),  # under MIN_COHORT patients
        (11, 20, 3, True),
    ],
)
def test_more_than_half_of_a_mixed_cohort_eligible_is_flagged(eligible, patients, types, flagged):
    flag = plausibility.cohort_flag(eligible=eligible, patients=patients, cancer_types=types)

    assert (flag is not None) is flagged
    if flag:
        assert flag["rule"] == "cohort" and f"{eligible} of {patients}" in flag["reason"]


def _nsclc_patient() -> PatientRecord:
    return PatientRecord(
        key="p",
        sex="female",
        birth_date=dt.date(1970, 1, 1),
        diagnoses=(DiagnosisFact(category="cancer", code_system="TEXT", code="", oncotree_code="NSCLC"),),
    )


def test_the_review_cap_makes_an_eligible_pair_possible_and_says_why():
    reading = [{"id": "I1", "section": "inclusion", "kind": "diagnosis", "rule": {"oncotree": ["NSCLC"]}}]
    cap = plausibility.cap_criterion([{"rule": "diagnosis", "reason": "its conditions name X"}])

    before = evaluate(reading, _nsclc_patient(), AS_OF)
    after = evaluate([*reading, cap], _nsclc_patient(), AS_OF)

    assert before.status == "eligible"
    assert after.status == "possible"
    assert after.decide == ("trial reading needs review: its conditions name X",)
    assert after.verdicts[-1].id == "REVIEW" and after.verdicts[-1].verdict == "unknown"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(criteria(), min_size=1, max_size=2), st.lists(records, min_size=1, max_size=3))
def test_engine_and_evaluator_agree_on_capped_criteria_and_the_cap_only_lowers_eligible(trial_list, people):
    cap = plausibility.cap_criterion([{"rule": "cohort", "reason": "60 of 100 patients"}])
    capped = [[*c, cap] for c in trial_list]

    result = match_all(capped, people, AS_OF)

    for t, (plain, crit) in enumerate(zip(trial_list, capped, strict=True)):
        for p, person in enumerate(people):
            ref = evaluate(crit, person, AS_OF)
            assert result.status[t, p] == ref.status_code
            uncapped = evaluate(plain, person, AS_OF).status
            assert ref.status == {"eligible": "possible"}.get(uncapped, uncapped)
