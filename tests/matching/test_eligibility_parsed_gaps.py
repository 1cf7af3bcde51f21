"""Parsed criteria judged against patients: lab alternatives are three-valued, conditional limits need their
condition, the cancer type beside a marker or stage is enforced, excluded variants exclude, and prior
systemic therapy has a meaning. Reference evaluator and engine agree on each."""

import datetime as dt

import numpy as np
import pytest

from apps.criteria.parser import parse
from apps.matching.eligibility import evaluate
from apps.matching.engine import match_all
from apps.matching.records import DiagnosisFact, FindingFact, LabFact, PatientRecord, TherapyFact

AS_OF = dt.date(2026, 11, 1)
RECENT = dt.date(2026, 10, 20)


def criteria(text):
    return parse(text)["criteria"]


def patient(**facts):
    base = {"key": "p", "sex": "male", "birth_date": dt.date(1960, 3, 1)}
    return PatientRecord(**{**base, **facts})


def status(text, record):
    """The pair status, after checking the engine gives the same as the reference evaluator."""
    crit = criteria(text)
    reference = evaluate(crit, record, AS_OF)
    engine = match_all([crit], [record], AS_OF)
    assert engine.status[0, 0] == reference.status_code
    assert np.isclose(engine.score[0, 0], reference.score)
    return reference.status


def creatinine(value, high=1.3):
    return LabFact("2160-0", value, "mg/dL", 0.7, high, date=RECENT)


def crcl(value):
    return LabFact("2164-2", value, "mL/min", date=RECENT)


RENAL = "Inclusion Criteria:\n* Serum creatinine ≤ 1.5 × ULN or measured creatinine clearance ≥ 50 mL/min\n"


@pytest.mark.parametrize(
    ("labs", "expected"),
    [
        ((creatinine(1.0),), "eligible"),  # creatinine met, clearance unknown
        ((creatinine(2.5), crcl(70)), "eligible"),  # creatinine fails, clearance met
        ((creatinine(2.5),), "possible"),  # one fails, the other unknown
        ((creatinine(2.5), crcl(30)), "ineligible"),  # both fail
        ((), "possible"),
    ],
)
def test_either_of_two_lab_limits_meets_an_or_criterion(labs, expected):
    assert status(RENAL, patient(labs=labs)) == expected


LIVER = (
    "Inclusion Criteria:\n* ALT ≤ 2.5 × institutional ULN. If liver metastases are present, ALT ≤ 5 × ULN.\n"
)


def alt(value):
    return LabFact("1742-6", value, "U/L", 7, 56, date=RECENT)


LIVER_METS = DiagnosisFact("metastasis", "ICD-10-CM", "C78.7", "Secondary malignant neoplasm of liver")


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"labs": (alt(100),)}, "eligible"),
        ({"labs": (alt(200),), "diagnoses": (LIVER_METS,)}, "eligible"),  # within the looser limit
        ({"labs": (alt(200),)}, "possible"),  # the record cannot rule liver metastases out
        ({"labs": (alt(400),), "diagnoses": (LIVER_METS,)}, "ineligible"),  # beyond every limit
    ],
)
def test_a_conditional_limit_applies_only_with_its_condition(facts, expected):
    assert status(LIVER, patient(**facts)) == expected


def cancer(oncotree, code):
    return DiagnosisFact("cancer", "ICD-10-CM", code, oncotree_code=oncotree, stage="IV")


@pytest.mark.parametrize(
    ("text", "diagnosis", "expected"),
    [
        ("Histologically confirmed MBC, current stage IV.", cancer("IDC", "C50.912"), "eligible"),
        ("Histologically confirmed MBC, current stage IV.", cancer("EGC", "C15.5"), "ineligible"),
        ("Recurrent or stage IV endometrial carcinoma", cancer("UEC", "C54.1"), "eligible"),
        ("Recurrent or stage IV endometrial carcinoma", cancer("IDC", "C50.911"), "ineligible"),
        (
            "Metastatic solid tumor with an NTRK1, NTRK2 or NTRK3 fusion",
            cancer("AML", "C92.00"),
            "ineligible",
        ),
    ],
)
def test_the_cancer_type_beside_a_stage_or_marker_is_enforced(text, diagnosis, expected):
    ntrk = FindingFact("NTRK3", True, variant_class="FUSION", partner_gene="ETV6", origin="somatic")

    got = status("Inclusion Criteria:\n* " + text + "\n", patient(diagnoses=(diagnosis,), findings=(ntrk,)))

    assert got == expected


EGFR = (
    "Inclusion Criteria:\n* Activating EGFR mutation (e.g., exon 19 deletion, L858R, G719X, L861Q). Patients"
    " with EGFR exon 20 insertions are not eligible.\n"
)


def egfr(protein, klass):
    return FindingFact("EGFR", True, protein_change=protein, variant_class=klass, origin="somatic")


@pytest.mark.parametrize(
    ("finding", "expected"),
    [
        (egfr("p.Glu746_Ala750del", "DEL"), "eligible"),
        (egfr("p.Leu861Gln", "SNV"), "eligible"),  # an example outside any short list still counts
        (egfr("p.Ser768_Asp770dup", "INS"), "ineligible"),
        (FindingFact("EGFR", False, variant_class="NEGATIVE"), "ineligible"),
    ],
)
def test_example_lists_do_not_narrow_and_excluded_variants_exclude(finding, expected):
    assert status(EGFR, patient(findings=(finding,))) == expected


def therapy(name, dbid, line=None, start=dt.date(2025, 1, 10), end=dt.date(2025, 6, 1)):
    return TherapyFact(name, dbid, end_date=end, line=line, status="completed", date=start)


NIVOLUMAB, DEXAMETHASONE = ("nivolumab", "DB09035"), ("dexamethasone", "DB01234")


@pytest.mark.parametrize(
    ("text", "therapies", "expected"),
    [
        ("At least one prior line of systemic therapy", (therapy(*NIVOLUMAB),), "eligible"),
        ("At least one prior line of systemic therapy", (therapy(*DEXAMETHASONE),), "possible"),
        ("At least 2 prior lines of systemic therapy", (therapy(*NIVOLUMAB, line=2),), "eligible"),
        ("No prior systemic therapy for metastatic disease", (therapy(*NIVOLUMAB),), "possible"),
        ("No prior systemic therapy for metastatic disease", (therapy(*NIVOLUMAB, line=1),), "ineligible"),
        ("No prior systemic therapy for metastatic disease", (therapy(*DEXAMETHASONE, line=1),), "possible"),
    ],
)
def test_prior_systemic_therapy_means_any_anticancer_drug_in_its_setting(text, therapies, expected):
    assert status("Inclusion Criteria:\n* " + text + "\n", patient(therapies=therapies)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Inclusion Criteria:\n* PD-L1 TPS >= 1%\n", "ineligible"),
        ("Inclusion Criteria:\n* PD-L1 TPS >= 50%\n", "ineligible"),
        ("Inclusion Criteria:\n* PD-L1 TPS < 1%\n", "eligible"),
        ("Inclusion Criteria:\n* PD-L1 TPS <= 0.5%\n", "possible"),  # under 1% may still be above 0.5%
    ],
)
def test_a_result_reported_only_as_negative_decides_bounds_it_can_decide(text, expected):
    from apps.matching.records import BiomarkerFact

    negative = BiomarkerFact("PD-L1", None, "negative", "TPS", date=RECENT)

    assert status(text, patient(biomarkers=(negative,))) == expected
