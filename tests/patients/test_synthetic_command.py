"""`generate_cohort` writes byte-identical FHIR exports that enter through `import_patients`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.patients.models import FollowUp, LabObservation, MolecularFinding, Patient
from apps.patients.synthetic import generate, outcome_from_resources

NDJSON = ["Condition.000.ndjson", "MedicationStatement.000.ndjson", "Observation.000.ndjson",
          "Patient.000.ndjson", "Procedure.000.ndjson"]  # fmt: skip


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_patients_and_seed_write_byte_identical_ndjson(tmp_path: Path) -> None:
    call_command("generate_cohort", patients=40, seed=9, out=str(tmp_path / "a"))
    call_command("generate_cohort", patients=40, seed=9, out=str(tmp_path / "b"))

    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")

    assert sorted(first) == NDJSON
    assert first == second
    assert len(first["Patient.000.ndjson"].splitlines()) == 40


def test_bundles_format_writes_one_collection_bundle_per_patient(tmp_path: Path) -> None:
    call_command("generate_cohort", patients=5, seed=9, out=str(tmp_path), format="bundles")

    bundles = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("*.json"))]

    assert len(bundles) == 5
    for bundle in bundles:
        assert bundle["type"] == "collection"
        assert bundle["id"] == bundle["entry"][0]["resource"]["id"]
        assert all(e["fullUrl"] == f"urn:uuid:{e['resource']['id']}" for e in bundle["entry"])


def test_a_folder_with_earlier_output_is_refused_without_overwrite(tmp_path: Path) -> None:
    call_command("generate_cohort", patients=3, seed=1, out=str(tmp_path))

    with pytest.raises(CommandError, match="--overwrite"):
        call_command("generate_cohort", patients=3, seed=2, out=str(tmp_path))
    call_command("generate_cohort", patients=3, seed=2, out=str(tmp_path), overwrite=True)


def test_a_bad_cutoff_date_is_named(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--cutoff"):
        call_command("generate_cohort", patients=3, out=str(tmp_path), cutoff="2026-13-01")


@pytest.mark.django_db
def test_generated_cohort_imports_through_the_fhir_intake(tmp_path: Path) -> None:
    call_command("generate_cohort", patients=30, seed=4, out=str(tmp_path))

    call_command("import_patients", str(tmp_path))

    expected = {o.patient_id: o for o in map(outcome_from_resources, generate(30, 4))}
    assert Patient.objects.count() == 30
    assert LabObservation.objects.filter(unit_as_recorded__in=["/mm3", "umol/L", "g/L"]).exists()
    assert MolecularFinding.objects.filter(present=False).exists()
    for follow_up in FollowUp.objects.select_related("patient"):
        outcome = expected[follow_up.patient.key]
        assert (follow_up.death_date is not None) == outcome.died
        assert follow_up.progression_date == outcome.progression_date
