"""Pure FHIR readers: resources to facts, stage groups, procedure kinds, references, sources (no database)."""

from __future__ import annotations

import pytest

from apps.patients.fhir import genomics, observations
from apps.patients.fhir.conditions import read_patient, stage_group
from apps.patients.fhir.facts import ReadError
from apps.patients.fhir.references import BROKEN, EXTERNAL, RESOLVED, ReferenceIndex
from apps.patients.fhir.sources import load_bundle, ndjson_entries, ndjson_type
from apps.patients.fhir.treatments import drug_names, procedure_kind
from apps.patients.fhir.validation import validate

LOINC = "http://loinc.org"


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        ("4", "Stage IV (AJCC 8th edition)", "IV"),
        ("4", "Stage IVB (AJCC 8th edition)", "IVB"),
        ("3C", "", "IIIC"),
        ("", "stage IIa", "IIA"),
        ("cT3", "", ""),
        ("", "no stage recorded", ""),
    ],
)
def test_stage_group_is_read_from_code_or_text(code: str, text: str, expected: str) -> None:
    assert stage_group(code, text) == expected


@pytest.mark.parametrize(
    ("system", "code", "text", "profiles", "kind"),
    [
        ("http://snomed.info/sct", "152198000", "Brachytherapy (procedure)", [], "radiation"),
        ("http://www.ama-assn.org/go/cpt", "77385", "", [], "radiation"),
        ("http://www.ama-assn.org/go/cpt", "32480", "", [], "surgery"),
        ("", "", "Right upper lobectomy", [], "surgery"),
        ("", "", "Stereotactic body radiation therapy", [], "radiation"),
        ("", "", "Referral to transplant surgeon (procedure)", [], "other"),
        ("", "", "Biopsy of lung", [], "other"),
        ("x", "1", "kick-flip-dectomy", ["http://x/mcode-cancer-related-radiation-procedure"], "radiation"),
    ],
)
def test_procedure_kind(system: str, code: str, text: str, profiles: list[str], kind: str) -> None:
    assert procedure_kind(system, code, text, profiles) == kind


def test_drug_names_of_an_rxnorm_clinical_drug() -> None:
    assert drug_names("1 ML Epoetin Alfa 4000 UNT/ML Injection [Epogen]") == [
        "1 ML Epoetin Alfa 4000 UNT/ML Injection [Epogen]",
        "Epoetin Alfa",
        "Epogen",
    ]


def test_drug_names_without_fda_biologic_affixes_and_with_names_in_parentheses() -> None:
    names = drug_names("fam-trastuzumab deruxtecan-nxki (Enhertu, T-DXd)")
    assert names[1:] == ["fam-trastuzumab deruxtecan-nxki", "trastuzumab deruxtecan", "Enhertu", "T-DXd"]


def _obs(loinc: str, **value: object) -> dict:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "effectiveDateTime": "2026-10-23",
        **value,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"valueInteger": 2}, 2),
        ({"valueCodeableConcept": {"coding": [{"system": LOINC, "code": "LA9625-0"}]}}, 3),
        ({"valueCodeableConcept": {"text": "ECOG 1"}}, 1),
    ],
)
def test_ecog_in_every_encoding(value: dict, expected: int) -> None:
    reading = observations.read_observation(_obs("89247-1", **value), "Observation/e", "Patient/p")

    assert reading.facts[0].value == expected


def test_ecog_above_five_is_an_error_naming_the_value() -> None:
    with pytest.raises(ReadError) as err:
        observations.read_observation(_obs("89247-1", valueInteger=7), "Observation/e", "Patient/p")

    assert err.value.path == "value[x]"


@pytest.mark.parametrize(
    ("loinc", "text", "marker", "result"),
    [
        ("81695-9", "MSI-H", "MSI", "MSI-H"),
        ("81695-9", "MSS", "MSI", "MSS"),
        ("85319-2", "3+", "HER2-IHC", "3+"),
        ("85318-4", "Not amplified (negative)", "HER2-ISH", "not-amplified"),
        ("85337-4", "Positive (90% of tumor cells)", "ER", "positive"),
        ("85339-0", "Negative", "PR", "negative"),
    ],
)
def test_tumour_markers(loinc: str, text: str, marker: str, result: str) -> None:
    obs = _obs(loinc, valueCodeableConcept={"text": text})

    (fact, _) = observations.read_observation(obs, "Observation/m", "Patient/p").facts

    assert (fact.marker, fact.result) == (marker, result)


def test_mismatch_repair_is_read_from_its_text() -> None:
    obs = {
        **_obs(""),
        "code": {"text": "Mismatch repair proteins (MLH1, MSH2, MSH6, PMS2) by IHC"},
        "valueCodeableConcept": {"text": "Proficient mismatch repair (pMMR): all four proteins retained"},
    }

    (fact, _) = observations.read_observation(obs, "Observation/m", "Patient/p").facts

    assert (fact.marker, fact.result) == ("MMR", "pMMR")


def _component(loinc: str, **value: object) -> dict:
    return {"code": {"coding": [{"system": LOINC, "code": loinc}]}, **value}


def test_fusion_partner_is_taken_from_the_fusion_text_when_one_gene_is_listed() -> None:
    obs = _obs(
        "69548-6",
        valueCodeableConcept={"coding": [{"system": LOINC, "code": "LA9633-4"}]},
        component=[
            _component("48018-6", valueCodeableConcept={"coding": [{"display": "NTRK3"}]}),
            _component("81290-9", valueCodeableConcept={"text": "ETV6::NTRK3 fusion detected"}),
        ],
    )

    reading = genomics.read_variant(obs, "Observation/f", "Patient/p", None)

    assert {(f.gene, f.partner_gene, f.variant_class) for f in reading.facts} == {
        ("NTRK3", "ETV6", "FUSION"),
        ("ETV6", "NTRK3", "FUSION"),
    }


def test_unknown_gene_is_kept_verbatim_and_reported() -> None:
    obs = _obs(
        "69548-6",
        valueCodeableConcept={"coding": [{"system": LOINC, "code": "LA9634-2"}]},
        component=[_component("48018-6", valueCodeableConcept={"text": "NOTAGENE42"})],
    )

    reading = genomics.read_variant(obs, "Observation/v", "Patient/p", None)

    assert [(f.gene, f.present) for f in reading.facts] == [("NOTAGENE42", False)]
    assert reading.notes[0].kind == "unknown-gene"


def test_allele_frequency_in_percent_becomes_a_fraction() -> None:
    obs = _obs(
        "69548-6",
        component=[
            _component("48018-6", valueCodeableConcept={"coding": [{"display": "KRAS"}]}),
            _component("48005-3", valueCodeableConcept={"text": "p.Gly12Asp"}),
            _component("81258-6", valueQuantity={"value": 25, "unit": "%"}),
        ],
    )

    (finding,) = genomics.read_variant(obs, "Observation/v", "Patient/p", None).facts

    assert (finding.protein_short, finding.codon, finding.vaf) == ("G12D", 12, 0.25)


def test_patient_identifiers_are_read_for_the_identity_only() -> None:
    resource = {
        "resourceType": "Patient",
        "gender": "male",
        "birthDate": "1950-01-02",
        "deceasedDateTime": "2020-05-06T10:00:00Z",
        "identifier": [
            {
                "type": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]
                },
                "value": "MRN-9",
            }
        ],
        "telecom": [{"system": "phone", "value": "555-0100"}],
    }

    (fact,) = read_patient(resource, "Patient/p", "p").facts

    assert (fact.mrn, fact.phone, str(fact.death_date), fact.deceased) == (
        "MRN-9",
        "555-0100",
        "2020-05-06",
        True,
    )


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("urn:uuid:a", (RESOLVED, "Patient/p1")),
        ("Patient/p1", (RESOLVED, "Patient/p1")),
        ("Condition/c1", (RESOLVED, "Condition/c1")),
        ("Condition/c9", (BROKEN, "")),
        ("urn:uuid:zzz", (BROKEN, "")),
        ("Patient/p9", (BROKEN, "")),
        ("Practitioner/x", (EXTERNAL, "")),
        ("Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|1", (EXTERNAL, "")),
        ("#contained", (EXTERNAL, "")),
        ("https://elsewhere.example/fhir/Condition/c9", (EXTERNAL, "")),
    ],
)
def test_reference_resolution(ref: str, expected: tuple[str, str]) -> None:
    index = ReferenceIndex()
    index.add("Patient", "p1", "urn:uuid:a")
    index.add("Condition", "c1")

    assert index.resolve(ref) == expected


def test_patient_already_imported_resolves_through_the_callback() -> None:
    assert ReferenceIndex().resolve("Patient/old", lambda key: key == "old") == (RESOLVED, "Patient/old")


def test_ndjson_lines_report_their_line_numbers() -> None:
    lines = [b'{"resourceType": "Patient", "id": "a"}', b"", b"{oops"]

    entries = list(ndjson_entries("Patient.000.ndjson", lines))

    assert [e.where.line for e in entries] == [1, 3]
    assert entries[1].problem is not None and entries[1].problem.code == "json"


def test_ndjson_type_comes_from_the_file_name() -> None:
    assert (ndjson_type("Condition.000.ndjson"), ndjson_type("dump.ndjson")) == ("Condition", None)


def test_bundle_must_be_a_bundle() -> None:
    _, problems = load_bundle("x.json", b'{"resourceType": "Patient"}')

    assert problems[0].path == "resourceType"


def test_validation_names_the_fhir_path() -> None:
    errors = validate(
        {"resourceType": "Observation", "code": {"text": "x"}, "effectiveDateTime": "2026-02-30"}
    )

    assert [path for path, _ in errors] == ["Observation.effectiveDateTime"]
    assert validate({"resourceType": "Observation", "code": {"text": "x"}})[0][0] == "Observation.status"


def test_ndjson_lines_parse_as_the_json_module_reads_them() -> None:
    lines = [b'{"resourceType": "Patient", "id": "p1", "x": NaN}', b'{"resourceType": "Patient", "id": "p2"}']

    entries = list(ndjson_entries("Patient.000.ndjson", lines))

    assert [e.resource["id"] for e in entries if e.resource] == ["p1", "p2"]
    assert entries[0].resource is not None and entries[0].resource["x"] != entries[0].resource["x"]  # NaN


@pytest.mark.parametrize(
    ("text", "number", "result"),
    [
        ("Negative (<1% of tumor cells)", None, "negative"),
        ("Negative (less than 1%)", None, "negative"),
        ("Positive (90% of tumor cells)", 90.0, "positive"),
    ],
)
def test_a_receptor_percentage_after_a_comparator_is_a_bound_not_a_value(
    text: str, number: float | None, result: str
) -> None:
    obs = _obs("85337-4", valueCodeableConcept={"text": text})

    (fact, _) = observations.read_observation(obs, "Observation/m", "Patient/p").facts

    assert (fact.value_number, fact.result) == (number, result)
