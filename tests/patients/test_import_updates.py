"""Idempotent re-import, update in place, NDJSON exports, unit conversion, staging and follow-up."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings

from apps.patients import services as patients
from apps.patients.models import (
    Biomarker,
    Diagnosis,
    FollowUp,
    LabObservation,
    Patient,
    PregnancyStatus,
    Procedure,
    Therapy,
)

from .builders import LOINC, bundle, condition, lab, patient, write, write_ndjson

MCODE = Path(settings.TRIALMATCH_SHARED_DATA) / "fhir" / "mcode-bundles"


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_no_row(tmp_path: Path, row_counts) -> None:
    path = write(tmp_path / "b.json", bundle(patient(), condition(), lab("o1", "751-8", 3900, "/uL")))
    patients.import_paths([path])
    before = row_counts()
    updated_at = Patient.objects.get().updated_at

    report = patients.import_paths([path])

    after = row_counts()
    assert after.pop("AuditEvent") == before.pop("AuditEvent") + 1
    assert after == before
    assert Patient.objects.get().updated_at == updated_at
    assert not [k for k, v in report.units[0].rows.items() if v and not k.endswith(".unchanged")]


@pytest.mark.django_db
def test_changed_resource_updates_its_row_in_place(tmp_path: Path) -> None:
    doc = bundle(patient(), condition(), lab("o1", "777-3", 200, "10*3/uL"))
    patients.import_paths([write(tmp_path / "b.json", doc)])
    changed = copy.deepcopy(doc)
    changed["entry"][2]["resource"]["valueQuantity"]["value"] = 82

    report = patients.import_paths([write(tmp_path / "b.json", changed)])

    assert report.units[0].rows["labobservation.updated"] == 1
    assert list(LabObservation.objects.values_list("value", flat=True)) == [82.0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("loinc", "value", "unit", "expected", "canonical"),
    [
        ("751-8", 3900, "/uL", 3.9, "10*3/uL"),
        ("751-8", 3.9, "10*9/L", 3.9, "10*3/uL"),
        ("718-7", 131, "g/L", 13.1, "g/dL"),
        ("2160-0", 70.72, "umol/L", 0.8, "mg/dL"),
    ],
)
def test_lab_value_is_converted_to_the_canonical_unit_and_kept_as_recorded(
    tmp_path: Path, loinc: str, value: float, unit: str, expected: float, canonical: str
) -> None:
    doc = bundle(patient(), lab("o1", loinc, value, unit, low=value / 2, high=value * 2))

    patients.import_paths([write(tmp_path / "b.json", doc)])

    row = LabObservation.objects.get()
    assert row.unit == canonical
    assert row.value == pytest.approx(expected, rel=1e-3)
    assert (row.value_as_recorded, row.unit_as_recorded) == (value, unit)
    assert row.ref_low == pytest.approx(expected / 2, rel=1e-3)
    assert row.ref_high == pytest.approx(expected * 2, rel=1e-3)


@pytest.mark.django_db
def test_lab_in_a_unit_of_another_dimension_is_refused(tmp_path: Path) -> None:
    doc = bundle(patient(), lab("o1", "718-7", 13, "mmol/h"))

    report = patients.import_paths([write(tmp_path / "b.json", doc)])

    assert report.errors[0].path.startswith("Observation.valueQuantity")


@pytest.mark.django_db
def test_unknown_loinc_is_kept_verbatim_and_listed(tmp_path: Path) -> None:
    doc = bundle(patient(), lab("o1", "99999-9", 5, "mg"))

    report = patients.import_paths([write(tmp_path / "b.json", doc)])

    row = LabObservation.objects.get()
    assert (row.loinc, row.value, row.unit) == ("99999-9", 5, "mg")
    assert report.units[0].notes["unknown-loinc: 99999-9"] == 1


@pytest.mark.django_db
def test_ndjson_export_imports_with_references_across_files(tmp_path: Path) -> None:
    resources = [
        patient("p1", deceasedDateTime="2026-12-01T10:00:00Z"),
        condition("c1", subject="Patient/p1"),
        {
            "resourceType": "Encounter",
            "id": "e1",
            "status": "finished",
            "class": {"code": "AMB"},
            "subject": {"reference": "Patient/p1"},
            "period": {"start": "2026-05-01", "end": "2026-05-02"},
        },
        lab("o1", "751-8", 2.0, "10*3/uL", subject="Patient/p1"),
    ]
    folder = write_ndjson(tmp_path / "export", resources)

    report = patients.import_paths([folder])

    assert report.ok, report.errors
    follow_up = FollowUp.objects.get(patient__key="p1")
    assert str(follow_up.death_date) == "2026-12-01"
    assert str(follow_up.last_known_alive) == "2026-10-23"
    assert report.units[0].not_stored["Encounter"] == 1


@pytest.mark.django_db
def test_facts_for_an_already_imported_patient_attach_by_patient_id(tmp_path: Path) -> None:
    patients.import_paths([write(tmp_path / "p.json", bundle(patient("p1")))])

    report = patients.import_paths(
        [write(tmp_path / "later.json", bundle(lab("o1", "777-3", 150, "10*3/uL", subject="Patient/p1")))]
    )

    assert report.ok, report.errors
    assert LabObservation.objects.get().patient.key == "p1"


def _mcode_repaired() -> dict:
    """The mCODE staging, disease-status and procedure fixtures with the patient and cancer they point at."""
    entries = []
    for name in (
        "csv-staging-bundle.json",
        "csv-cancer-disease-status-bundle.json",
        "csv-procedure-bundle.json",
    ):
        entries += json.loads((MCODE / name).read_text())["entry"]
    cond = condition("cond-1", icd="C50.912", subject="urn:uuid:mrn-1")
    progression = copy.deepcopy(entries[4])
    progression["fullUrl"] = "urn:uuid:progressed"
    progression["resource"]["id"] = "progressed"
    progression["resource"]["effectiveDateTime"] = "2021-03-04"
    progression["resource"]["valueCodeableConcept"] = {
        "coding": [{"system": "http://snomed.info/sct", "code": "271299001"}],
        "text": "Patient's condition worsened",
    }
    for entry in entries:
        for reason in entry["resource"].get("reasonReference", []):
            reason["reference"] = "urn:uuid:cond-1"
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:mrn-1", "resource": patient("mrn-1")},
            {"fullUrl": "urn:uuid:cond-1", "resource": cond},
            *entries,
            progression,
        ],
    }


@pytest.mark.django_db
def test_mcode_stage_group_observation_stages_its_condition(tmp_path: Path) -> None:
    report = patients.import_paths([write(tmp_path / "mcode.json", _mcode_repaired())])

    assert report.ok, report.errors
    diagnosis = Diagnosis.objects.get(source_id="Condition/cond-1")
    assert diagnosis.stage == "IIIC"
    assert str(FollowUp.objects.get().progression_date) == "2021-03-04"
    assert Procedure.objects.get().kind == "radiation"


@pytest.mark.django_db
def test_mcode_stage_survives_reimport(tmp_path: Path, row_counts) -> None:
    path = write(tmp_path / "mcode.json", _mcode_repaired())
    patients.import_paths([path])

    report = patients.import_paths([path])

    assert Diagnosis.objects.get(source_id="Condition/cond-1").stage == "IIIC"
    assert not [k for k, v in report.units[0].rows.items() if v and not k.endswith(".unchanged")]


def _obs(oid: str, loinc: str, **value: object) -> dict:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {
            "coding": [{"system": LOINC, "code": loinc}],
            **({"text": value.pop("text")} if "text" in value else {}),
        },
        "subject": {"reference": "urn:uuid:pt-1"},
        "effectiveDateTime": "2026-10-01",
        **value,
    }


@pytest.mark.django_db
def test_pd_l1_tmb_pregnancy_and_medication_text_are_read(tmp_path: Path) -> None:
    doc = bundle(
        patient(),
        _obs("pdl1", "83053-9", valueQuantity={"value": 60, "unit": "%", "code": "%"}, text="PD-L1 22C3 TPS"),
        _obs("tmb", "94076-7", valueQuantity={"value": 12.5, "unit": "{mutations}/{megabase}"}),
        _obs("preg", "82810-3", valueCodeableConcept={"coding": [{"system": LOINC, "code": "LA26683-5"}]}),
        {
            "resourceType": "MedicationAdministration",
            "id": "ma1",
            "status": "completed",
            "medicationCodeableConcept": {"text": "Cisplatin 50 MG Injection"},
            "subject": {"reference": "urn:uuid:pt-1"},
            "effectiveDateTime": "2026-02-01",
        },
    )

    report = patients.import_paths([write(tmp_path / "b.json", doc)])

    assert report.ok, report.errors
    pdl1 = Biomarker.objects.get(marker="PD-L1")
    assert (pdl1.value_number, pdl1.scoring, pdl1.clone) == (60, "TPS", "22C3")
    assert Biomarker.objects.get(marker="TMB").value_number == 12.5
    assert PregnancyStatus.objects.get().status == "not_pregnant"
    therapy = Therapy.objects.get()
    assert (therapy.drugbank_id, str(therapy.start_date), str(therapy.end_date)) == (
        "DB00515",
        "2026-02-01",
        "2026-02-01",
    )


@pytest.mark.django_db
def test_unparseable_protein_change_is_reported_and_left_unmatched(tmp_path: Path) -> None:
    variant = _obs(
        "v1",
        "69548-6",
        valueCodeableConcept={"coding": [{"system": LOINC, "code": "LA9633-4"}]},
        component=[
            {
                "code": {"coding": [{"system": LOINC, "code": "48018-6"}]},
                "valueCodeableConcept": {"coding": [{"code": "HGNC:3236", "display": "EGFR"}]},
            },
            {
                "code": {"coding": [{"system": LOINC, "code": "48005-3"}]},
                "valueCodeableConcept": {"text": "exon 19 something V600E-ish"},
            },
        ],
    )

    report = patients.import_paths([write(tmp_path / "b.json", bundle(patient(), variant))])

    from apps.patients.models import MolecularFinding

    finding = MolecularFinding.objects.get()
    assert (finding.gene, finding.protein_short, finding.codon, finding.exon) == ("EGFR", "", None, None)
    assert report.units[0].notes["unparsed-protein-change: exon 19 something V600E-ish"] == 1


@pytest.mark.django_db
def test_import_bytes_reads_an_uploaded_bundle_and_ndjson() -> None:
    data = json.dumps(bundle(patient(), condition())).encode()
    ndjson = (json.dumps(patient("p9")) + "\n").encode()

    first = patients.import_bytes("upload.json", data)
    second = patients.import_bytes("Patient.ndjson", ndjson)

    assert first.ok and second.ok
    assert set(Patient.objects.values_list("key", flat=True)) == {"pt-1", "p9"}
