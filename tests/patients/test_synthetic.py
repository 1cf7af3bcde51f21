"""The synthetic cohort: determinism, FHIR validity, references, PHI fields and encodings."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from apps.patients.synthetic import generate, generate_records, outcome_from_resources


def _dump(patients: list[list[dict[str, Any]]]) -> str:
    return "".join(json.dumps(r, separators=(",", ":")) + "\n" for resources in patients for r in resources)


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [ref for value in node.values() for ref in _references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _references(value)]
    return []


@pytest.fixture(scope="module")
def cohort() -> list[list[dict[str, Any]]]:
    return list(generate(300, seed=11))


def test_same_seed_gives_identical_output() -> None:
    first = _dump(list(generate(60, seed=3)))
    second = _dump(list(generate(60, seed=3)))

    assert first == second


def test_different_seeds_give_different_cohorts() -> None:
    assert _dump(list(generate(30, seed=3))) != _dump(list(generate(30, seed=4)))


def test_a_patient_is_the_same_whatever_the_cohort_size() -> None:
    small = list(generate(10, seed=5))
    large = list(generate(25, seed=5))

    assert _dump(small) == _dump(large[:10])


def test_every_reference_resolves_inside_the_export(cohort: list[list[dict[str, Any]]]) -> None:
    ids = {f"{r['resourceType']}/{r['id']}" for resources in cohort for r in resources}
    references = [ref for resources in cohort for ref in _references(resources)]

    assert len(ids) == sum(len(resources) for resources in cohort)
    assert references and set(references) <= ids


def test_bundle_references_point_at_entries_of_the_same_bundle() -> None:
    for resources in generate(40, seed=8, urn_references=True):
        urls = {f"urn:uuid:{r['id']}" for r in resources}

        assert set(_references(resources)) <= urls


def test_sample_validates_with_fhir_resources_r4b() -> None:
    for resources in generate(40, seed=12, urn_references=True):
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
        }

        Bundle.model_validate(bundle)


def test_patient_carries_identifying_fields_and_death_date(cohort: list[list[dict[str, Any]]]) -> None:
    for resources, record in zip(cohort, generate_records(len(cohort), seed=11), strict=True):
        patient = resources[0]

        assert patient["resourceType"] == "Patient"
        assert patient["name"][0]["family"] and patient["name"][0]["given"]
        assert patient["identifier"][0]["system"] == "urn:trialmatch:mrn"
        assert re.fullmatch(r"MRN-\d{8}", patient["identifier"][0]["value"])
        assert patient["address"][0]["city"] and patient["telecom"][0]["value"]
        assert patient["gender"] in ("female", "male")
        assert patient["birthDate"] == record.birth_date.isoformat()
        assert ("deceasedDateTime" in patient) == (record.death_date is not None)


def test_index_date_and_follow_up_can_be_read_back_from_the_output(
    cohort: list[list[dict[str, Any]]],
) -> None:
    for resources, record in zip(cohort, generate_records(len(cohort), seed=11), strict=True):
        outcome = outcome_from_resources(resources)

        assert outcome.index_date == record.diagnosis_date
        assert outcome.died == (record.death_date is not None)
        assert outcome.last_date == (record.death_date or record.last_contact)
        assert outcome.progression_date == record.progression_date
        assert outcome.days > 0


def _genomic(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        r
        for r in resources
        if r["resourceType"] == "Observation" and r["code"].get("coding", [{}])[0].get("code") == "69548-6"
    ]


def test_every_tested_gene_has_a_present_or_absent_result_and_untested_patients_none(
    cohort: list[list[dict[str, Any]]],
) -> None:
    for resources, record in zip(cohort, generate_records(len(cohort), seed=11), strict=True):
        genes = Counter()
        for obs in _genomic(resources):
            value = obs["valueCodeableConcept"]["coding"][0]["code"]
            assert value in ("LA9633-4", "LA9634-2")
            studied = [
                c["valueCodeableConcept"]["text"]
                for c in obs["component"]
                if c["code"]["coding"][0]["code"] == "48018-6"
            ]
            genes.update(studied[-1:] if len(studied) == 2 else studied)

        assert set(genes) == set(record.panel)


def test_present_variant_has_gene_hgvs_type_frequency_and_origin(cohort: list[list[dict[str, Any]]]) -> None:
    seen = 0
    for resources in cohort:
        for obs in _genomic(resources):
            components = {c["code"]["coding"][0]["code"] for c in obs["component"]}
            if obs["valueCodeableConcept"]["coding"][0]["code"] != "LA9633-4":
                assert components == {"48018-6", "48002-0"}
            elif "81290-9" not in components and "62378-5" not in components:
                seen += 1
                assert {"48018-6", "48004-6", "48019-4", "81258-6", "48002-0"} <= components
                protein = [c for c in obs["component"] if c["code"]["coding"][0]["code"] == "48005-3"]
                for c in protein:
                    assert re.fullmatch(r"p\.[A-Z][a-z]{2}\d+\S*", c["valueCodeableConcept"]["text"])

    assert seen > 20


def test_labs_carry_reference_ranges_and_some_use_alternative_units(
    cohort: list[list[dict[str, Any]]],
) -> None:
    units: Counter[tuple[str, str]] = Counter()
    for resources in cohort:
        for r in resources:
            if r["resourceType"] == "Observation" and "referenceRange" in r:
                quantity = r["valueQuantity"]
                assert r["referenceRange"][0]["high"]["unit"] == quantity["unit"]
                units[(r["code"]["coding"][0]["code"], quantity["code"])] += 1

    assert units[("751-8", "10*3/uL")] > units[("751-8", "/mm3")] > 0
    assert units[("2160-0", "umol/L")] > 0 and units[("1975-2", "umol/L")] > 0


def test_ecog_is_written_in_both_encodings(cohort: list[list[dict[str, Any]]]) -> None:
    forms = Counter(
        "valueInteger" if "valueInteger" in r else "valueCodeableConcept"
        for resources in cohort
        for r in resources
        if r["resourceType"] == "Observation" and r["code"].get("coding", [{}])[0].get("code") == "89247-1"
    )

    assert forms["valueInteger"] > 50 and forms["valueCodeableConcept"] > 50
