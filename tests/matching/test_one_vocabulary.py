"""The parser and the matcher read one vocabulary (apps.vocab): a proteinuria limit, a condition named by a
term narrower or wider than its group, and a drug class are judged against patient facts coded as intake
codes them. Reference evaluator and engine agree on each."""

import datetime as dt

import numpy as np
import pytest

from apps.criteria.parser import parse
from apps.matching.eligibility import evaluate
from apps.matching.engine import match_all
from apps.matching.records import DiagnosisFact, LabFact, PatientRecord, TherapyFact
from apps.vocab import labs

AS_OF = dt.date(2026, 11, 1)
RECENT = dt.date(2026, 10, 20)


def status(text, record):
    crit = parse(text)["criteria"]
    reference = evaluate(crit, record, AS_OF)
    engine = match_all([crit], [record], AS_OF)
    assert engine.status[0, 0] == reference.status_code
    assert np.isclose(engine.score[0, 0], reference.score)
    return reference.status


def patient(**facts):
    return PatientRecord(**{"key": "p", "sex": "female", "birth_date": dt.date(1960, 3, 1), **facts})


def urine_protein_24h(grams_per_day):
    lab = labs.lookup("24 hour urine protein")
    assert lab is not None
    return LabFact(lab.loinc, grams_per_day, lab.unit, date=RECENT)


def upcr(value, unit):
    lab = labs.lookup("UPCR")
    assert lab is not None
    return LabFact(lab.loinc, value, unit, date=RECENT)


@pytest.mark.parametrize(
    ("text", "fact", "expected"),
    [
        ("urine protein < 1 g/24 h", urine_protein_24h(0.4), "eligible"),
        ("urine protein < 1 g/24 h", urine_protein_24h(2.5), "ineligible"),
        ("Proteinuria < 1 g/24 hours", urine_protein_24h(0.4), "eligible"),
        ("Proteinuria < 1 g/24 hours", urine_protein_24h(1.2), "ineligible"),
        ("24-hour urine protein <= 500 mg", urine_protein_24h(0.8), "ineligible"),
        ("UPCR < 1", upcr(0.3, "g/g"), "eligible"),
        ("UPCR < 1", upcr(1800, "mg/g"), "ineligible"),
        ("Urine protein/creatinine ratio (UPCR) <= 1 mg/mg", upcr(450, "mg/g"), "eligible"),
        ("UPCR < 1000 mg/g", upcr(1.4, "g/g"), "ineligible"),
    ],
)
def test_a_proteinuria_limit_is_computable_against_a_urine_protein_observation(text, fact, expected):
    assert status(f"Inclusion Criteria:\n* {text}\n", patient(labs=(fact,))) == expected


def test_a_proteinuria_limit_without_an_observation_is_possible_not_failed():
    assert status("Inclusion Criteria:\n* Proteinuria < 1 g/24 hours\n", patient()) == "possible"


def comorbidity(code, display):
    return DiagnosisFact("comorbidity", "ICD-10-CM", code, display, clinical_status="active")


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("Active inflammatory bowel disease", comorbidity("K50.90", "Crohn's disease, unspecified")),
        ("Active inflammatory bowel disease", comorbidity("K51.90", "Ulcerative colitis, unspecified")),
        ("Active autoimmune disease", comorbidity("K50.90", "Crohn's disease, unspecified")),
        ("History of cirrhosis", comorbidity("K70.30", "Alcoholic cirrhosis of liver")),
        ("History of cirrhosis", comorbidity("K74.60", "Unspecified cirrhosis of liver")),
        ("Congestive heart failure", comorbidity("I50.22", "Chronic systolic heart failure")),
        ("History of myocardial infarction", comorbidity("I25.2", "Old myocardial infarction")),
    ],
)
def test_an_excluded_condition_is_met_through_the_code_hierarchy(text, fact):
    assert status(f"Exclusion Criteria:\n* {text}\n", patient(diagnoses=(fact,))) == "ineligible"


def test_a_narrow_condition_is_not_met_by_a_sibling_of_its_group():
    psoriasis = "Exclusion Criteria:\n* History of psoriasis\n"

    assert status(psoriasis, patient(diagnoses=(comorbidity("K50.90", "Crohn's disease"),))) == "possible"


def test_a_drug_class_named_in_text_is_met_by_a_member_drug():
    text = "Exclusion Criteria:\n* Prior treatment with a CDK4/6 inhibitor\n"
    palbociclib = TherapyFact(drugbank_id="DB09073", drug_name="palbociclib", date=dt.date(2025, 1, 1))

    assert status(text, patient(therapies=(palbociclib,))) == "ineligible"
