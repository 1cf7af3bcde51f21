"""fhir.resources R4B validation with remembered valid elements: the same verdicts as validating afresh."""

from __future__ import annotations

import copy
from typing import Any

from fhir.resources.R4B.observation import Observation

from apps.patients.fhir import validation
from apps.patients.fhir.validation import validate

LOINC_HB = {"system": "http://loinc.org", "code": "718-7", "display": "Hemoglobin"}


def _obs(oid: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [dict(LOINC_HB)]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2024-01-02",
        "valueQuantity": {
            "value": 13.1,
            "unit": "g/dL",
            "system": "http://unitsofmeasure.org",
            "code": "g/dL",
        },
        **extra,
    }


def test_an_invalid_element_is_reported_every_time_it_occurs() -> None:
    bad = _obs("o1", code={"coding": [{**LOINC_HB, "system": 5}]})

    first, second = validate(bad), validate(copy.deepcopy(bad))

    assert first == second
    assert first and first[0][0].startswith("Observation.code.coding[0].system")


def test_a_remembered_valid_element_does_not_hide_an_invalid_sibling() -> None:
    assert validate(_obs("o1")) == []

    errors = validate(_obs("o2", subject={"reference": "Patient/p1"}, valueQuantity={"value": "lots"}))

    assert [path for path, _ in errors] == ["Observation.valueQuantity.value"]


def test_same_element_under_another_model_is_validated_for_that_model() -> None:
    assert validate(_obs("o1")) == []
    reference_shaped_coding = {"reference": "Patient/p1"}

    errors = validate(_obs("o2", code={"coding": [reference_shaped_coding]}))

    assert errors and errors[0][0].startswith("Observation.code.coding[0]")


def test_the_memo_is_bounded(monkeypatch: Any) -> None:
    monkeypatch.setattr(validation, "MEMO_SIZE", 5)

    for i in range(20):
        assert validate(_obs(f"o{i}", valueQuantity={"value": i, "unit": "g/dL"})) == []

    assert validation._MEMO is None or len(validation._MEMO.valid) <= 5


def test_validation_outside_the_importer_gets_its_own_element_objects() -> None:
    assert validate(_obs("o1")) == []

    a, b = Observation.model_validate(_obs("o2")), Observation.model_validate(_obs("o3"))

    assert a.code is not b.code


def test_not_a_number_is_not_taken_for_a_remembered_null() -> None:
    assert validate(_obs("o1", valueQuantity={"value": None, "unit": "g/dL"})) == []

    errors = validate(_obs("o2", valueQuantity={"value": float("nan"), "unit": "g/dL"}))

    assert [path for path, _ in errors] == ["Observation.valueQuantity.value"]
