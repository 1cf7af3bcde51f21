"""medspaCy ConText in the parser: entity modifiers, criterion-level negation, HPO codes, no text in logs."""

import json
import logging
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings

from apps.criteria.parser import context, parse, phenotypes

SCHEMA = json.loads(
    (Path(settings.TRIALMATCH_SHARED_DATA).parent / "contracts" / "criteria.schema.json").read_text()
)


def _one(text, section="Inclusion"):
    (c,) = parse(f"{section} Criteria:\n- {text}")["criteria"]
    return c


def _entity(c, words):
    return next(e for e in c["entities"] if e["text"].lower() == words)


@pytest.mark.parametrize(
    ("text", "words", "flags"),
    [
        ("No known brain metastases", "known brain metastases", {"negated": True}),
        ("Patients without active infection requiring antibiotics", "active infection", {"negated": True}),
        ("History of interstitial lung disease", "interstitial lung disease", {"historical": True}),
        ("If brain metastases are present, they must be treated", "brain metastases", {"hypothetical": True}),
        ("Family history of long QT syndrome", "long qt syndrome", {"family": True}),
        ("Women who are not pregnant", "not pregnant", {"negated": True}),
    ],
)
def test_each_entity_carries_the_context_modifiers_that_reach_it(text, words, flags):
    c = _one(text)

    assert _entity(c, words)["context"] == flags


@pytest.mark.parametrize(
    "text",
    [
        "Any other malignancy within 3 years",
        "Prior malignancy unless disease-free for 3 years",
        "Patients with non-small cell lung cancer",
        "Hypersensitivity to prophylaxis with antivirals",
    ],
)
def test_criteria_wordings_that_default_context_rules_misread_modify_nothing(text):
    c = _one(text, "Exclusion")

    assert not c["negated"]
    assert all("context" not in e for e in c["entities"] if e["type"] in ("cancer", "condition"))


@pytest.mark.parametrize(
    "text",
    [
        "STEP 1: Patient must not have a history of interstitial lung disease",
        "COHORT I: Patient must not have been previously treated with a KRAS G12C inhibitor",
        "Female patients may not be pregnant or breastfeeding.",
        "Participants must be able to swallow tablets and must have no known malabsorption syndrome",
    ],
)
def test_context_finds_absence_wordings_the_head_cues_miss(text):
    c = _one(text)

    assert c["negated"]


@pytest.mark.parametrize(
    "text",
    [
        "No more than 2 prior lines of systemic therapy",
        "Not more than 3 prior regimens",
        "Patient must have received no more than 4 prior systemic therapies",
        "No less than 18 years of age",
    ],
)
def test_a_comparator_is_not_a_negation(text):
    c = _one(text)

    assert not c["negated"]
    assert c["rule"]["max_lines" if c["kind"] == "prior_therapy" else "min"] is not None


@pytest.mark.parametrize(
    "text",
    [
        "Brain metastases are not allowed",
        "Prior treatment with an EGFR TKI is not permitted",
        "Patients with known brain metastases are not eligible",
        "NOTE: Patients with ependymoma are excluded.",
    ],
)
def test_a_statement_called_excluded_asks_for_its_absence_in_inclusion_and_restates_exclusion(text):
    assert _one(text, "Inclusion")["negated"]
    assert not _one(text, "Exclusion")["negated"]


def test_not_eligible_for_a_treatment_is_a_finding_not_an_excluded_statement():
    c = _one("Patients who are not eligible for surgery")

    assert not c["negated"]


def test_a_negation_inside_an_if_clause_does_not_negate_the_criterion():
    c = _one("If the urine test cannot be confirmed as negative, a serum pregnancy test will be required")

    assert not c["negated"]


def test_a_rule_that_holds_the_polarity_is_not_negated_again():
    c = parse("Inclusion Criteria:\n- Patients with non-small cell lung cancer who have no EGFR mutation")[
        "criteria"
    ][0]

    assert c["kind"] == "alteration"
    assert c["rule"]["variant_class"] == "wild_type"
    assert not c["negated"]


@pytest.mark.parametrize(
    ("text", "words", "hp"),
    [
        ("History of interstitial lung disease", "interstitial lung disease", "HP:0006530"),
        ("Uncontrolled hypertension", "uncontrolled hypertension", "HP:0000822"),
        ("Clinically significant pleural effusion", "pleural effusion", "HP:0002202"),
        ("Symptomatic congestive heart failure", "congestive heart failure", "HP:0001635"),
    ],
)
def test_condition_entities_carry_their_hpo_phenotype_among_their_codes(text, words, hp):
    e = _entity(_one(text, "Exclusion"), words)

    assert f"HPO:{hp}" in e["codes"]
    assert e["code"] in (*e["codes"], *(c.replace(".", "") for c in e["codes"]))
    if not any(code.startswith("ICD10CM:") for code in e["codes"]):
        assert e["code"] == f"HPO:{hp}"


def test_an_icd10_code_stays_the_entity_code_and_comes_first_dotted():
    e = _entity(_one("History of transient ischemic attack", "Exclusion"), "transient ischemic attack")

    assert e["code"].startswith("ICD10CM:")
    assert e["codes"][0] == f"ICD10CM:{phenotypes.icd10cm(e['code'].partition(':')[2])}"
    assert "." in e["codes"][0]


@pytest.mark.parametrize(
    ("surface", "hp"),
    [
        ("Interstitial lung disease", "HP:0006530"),
        ("seizures", "HP:0001250"),
        ("peripheral neuropathies", "HP:0009830"),
        ("active uncontrolled hypertension", "HP:0000822"),
        ("informed consent", None),
        ("", None),
    ],
)
def test_hpo_lookup_by_name_or_synonym(surface, hp):
    assert phenotypes.hpo_id(surface) == hp


def test_the_hpo_table_holds_only_phenotypic_abnormalities():
    table = phenotypes.table()

    assert table[("interstitial", "lung", "disease")] == "HP:0006530"
    assert ("autosomal", "dominant", "inheritance") not in table  # mode of inheritance, not a phenotype


@pytest.mark.parametrize(("raw", "dotted"), [("J849", "J84.9"), ("C79.31", "C79.31"), ("I10", "I10")])
def test_icd10cm_codes_are_written_with_their_dot(raw, dotted):
    assert phenotypes.icd10cm(raw) == dotted


def test_parses_with_context_and_codes_stay_schema_valid_and_deterministic():
    text = (
        "Inclusion Criteria:\n- No known brain metastases\n- Brain metastases are not allowed\n"
        "Exclusion Criteria:\n- Family history of long QT syndrome\n- History of interstitial lung disease\n"
        "- No more than 2 prior lines of therapy\n- If HIV positive, viral load must be undetectable"
    )

    first, second = parse(text), parse(text)

    jsonschema.validate(first, SCHEMA)
    assert first == second
    assert any("context" in e for c in first["criteria"] for e in c["entities"])
    assert any("codes" in e for c in first["criteria"] for e in c["entities"])


def test_parsing_never_writes_criterion_text_to_any_log(caplog, capfd):
    from loguru import logger

    canary = "Zqxcanary"
    text = (
        f"Inclusion Criteria:\n- No known {canary} brain metastases\n- History of {canary} "
        f"interstitial lung disease\nExclusion Criteria:\n- If {canary} positive, prior anti-PD-1 therapy"
    )
    received: list[str] = []
    sink = logger.add(lambda message: received.append(str(message)), level="TRACE")
    caplog.set_level(logging.DEBUG)
    context.pipeline.cache_clear()  # build the pipeline under capture as well
    try:
        parse(text)
    finally:
        logger.remove(sink)

    out, err = capfd.readouterr()
    assert canary not in caplog.text
    assert not [m for m in received if canary in m]
    assert canary not in out + err
