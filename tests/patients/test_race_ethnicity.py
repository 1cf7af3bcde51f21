"""Race and ethnicity from the US Core extensions: OMB categories read at intake and stored; a code that is
not an OMB category refuses the file, naming the element."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.patients import services as patients
from apps.patients.fhir.conditions import read_patient
from apps.patients.fhir.demographics import CDC_RACE_ETHNICITY, ETHNICITY_URL, NULL_FLAVOR, RACE_URL
from apps.patients.fhir.facts import ReadError
from apps.patients.models import Patient

from .builders import bundle, patient, write


def us_core(url: str, *codes: str, text: str = "", system: str = CDC_RACE_ETHNICITY) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"url": "ombCategory", "valueCoding": {"system": system, "code": code}} for code in codes
    ]
    parts.append({"url": "detailed", "valueCoding": {"system": CDC_RACE_ETHNICITY, "code": "2039-6"}})
    if text:
        parts.append({"url": "text", "valueString": text})
    return {"url": url, "extension": parts}


@pytest.mark.parametrize(
    ("extensions", "expected"),
    [
        (
            [
                us_core(RACE_URL, "2028-9", text="Japanese"),
                us_core(ETHNICITY_URL, "2186-5", text="Not Hispanic"),
            ],
            ("asian", "Japanese", "not_hispanic_or_latino", "Not Hispanic"),
        ),
        (
            [us_core(RACE_URL, "2106-3", "2054-5", text="White and Black")],
            ("multiple", "White and Black", "unknown", ""),
        ),
        (
            [us_core(RACE_URL, "UNK", text="Unknown", system=NULL_FLAVOR)],
            ("unknown", "Unknown", "unknown", ""),
        ),
        ([us_core(ETHNICITY_URL, "2135-2")], ("unknown", "", "hispanic_or_latino", "")),
        ([], ("unknown", "", "unknown", "")),
    ],
)
def test_race_and_ethnicity_are_read_from_the_us_core_extensions(
    extensions: list[dict[str, Any]], expected: tuple[str, str, str, str]
) -> None:
    fact = read_patient(patient(extension=extensions), "pt-1", "pt-1").facts[0]

    assert (fact.race, fact.race_text, fact.ethnicity, fact.ethnicity_text) == expected


def test_a_race_code_that_is_not_an_omb_category_names_the_element() -> None:
    resource = patient(extension=[{"url": "x"}, us_core(RACE_URL, "2135-2")])

    with pytest.raises(ReadError) as raised:
        read_patient(resource, "pt-1", "pt-1")

    assert raised.value.path == "extension[1].extension[0].valueCoding"
    assert "2135-2" in raised.value.message


@pytest.mark.django_db
def test_intake_stores_race_and_ethnicity_and_a_reimport_updates_them(tmp_path: Path) -> None:
    first = patient(extension=[us_core(RACE_URL, "2054-5", text="Black"), us_core(ETHNICITY_URL, "2135-2")])
    assert patients.import_paths([write(tmp_path / "a.json", bundle(first))]).ok
    stored = Patient.objects.get(key="pt-1")
    assert (stored.race, stored.race_text, stored.ethnicity) == (
        "black_or_african_american",
        "Black",
        "hispanic_or_latino",
    )

    second = patient(extension=[us_core(RACE_URL, "1002-5", "2106-3", text="Mixed")])
    assert patients.import_paths([write(tmp_path / "b.json", bundle(second))]).ok

    stored.refresh_from_db()
    assert (stored.race, stored.race_text, stored.ethnicity) == ("multiple", "Mixed", "unknown")


@pytest.mark.django_db
def test_a_bad_race_code_refuses_the_file_and_saves_nothing(tmp_path: Path) -> None:
    resource = patient(extension=[us_core(RACE_URL, "9999-9")])

    report = patients.import_paths([write(tmp_path / "a.json", bundle(resource))])

    assert not report.ok
    assert not Patient.objects.exists()
    assert "extension[0].extension[0].valueCoding" in str(report.errors[0])
