"""Every shared FHIR file and development bundle has a definite outcome; spot checks of mapped values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from apps.audit.models import AuditEvent
from apps.patients import services as patients
from apps.patients.models import (
    Biomarker,
    Diagnosis,
    FollowUp,
    LabObservation,
    MolecularFinding,
    Patient,
    PerformanceStatus,
    Therapy,
)

SHARED = Path(settings.TRIALMATCH_SHARED_DATA)
DEV = SHARED / "eval" / "matching_dev" / "patients"
MCODE = SHARED / "fhir" / "mcode-bundles"

# The mCODE extraction-framework fixtures are templates: most carry placeholder dates ("YYYY-MM-DD"),
# DSTU2 elements, or point at a patient (`urn:uuid:mrn-1`) that no bundle holds. Those are refused as a
# whole, naming entry and field; the rest import.
MCODE_OUTCOMES = {
    "condition-bundle.json": ("rejected", "Condition.subject"),
    "csv-adverse-event-bundle.json": ("imported", ""),
    "csv-appointment-bundle.json": ("imported", ""),
    "csv-cancer-disease-status-bundle.json": ("rejected", "Observation.subject.reference"),
    "csv-clinical-trial-information-bundle.json": ("imported", ""),
    "csv-condition-bundle.json": ("rejected", "Condition.extension[0].valueDateTime"),
    "csv-ctc-adverse-event-bundle.json": ("imported", ""),
    "csv-encounter-bundle.json": ("rejected", "Encounter.subject.reference"),
    "csv-medication-administration-bundle.json": (
        "rejected",
        "MedicationAdministration.effectivePeriod.start",
    ),
    "csv-medication-request-bundle.json": ("rejected", "MedicationRequest.authoredOn"),
    "csv-observation-bundle.json": ("rejected", "Observation.subject.reference"),
    "csv-patient-bundle.json": ("imported", ""),
    "csv-procedure-bundle.json": ("rejected", "Procedure.subject.reference"),
    "csv-staging-bundle.json": ("rejected", "Observation.subject.reference"),
    "csv-treatment-plan-change-bundle.json": ("imported", ""),
    "extended-patient-bundle.json": ("imported", ""),
    "patient-bundle.json": ("rejected", "Patient.name[0].family"),
    "surgical-radiation-procedure-bundle.json": ("rejected", "Procedure.subject.reference"),
}


def test_every_mcode_fixture_is_listed() -> None:
    assert sorted(p.name for p in MCODE.glob("*.json")) == sorted(MCODE_OUTCOMES)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MCODE_OUTCOMES))
def test_mcode_fixture_imports_or_is_refused_naming_the_field(name: str, row_counts) -> None:
    status, field = MCODE_OUTCOMES[name]
    before = row_counts()

    report = patients.import_paths([MCODE / name])

    assert [u.status for u in report.units] == [status]
    if status == "rejected":
        assert field in {p.path for p in report.errors}
        assert all(p.file == name and p.entry is not None for p in report.errors)
        assert row_counts() == before


@pytest.mark.django_db
def test_synthea_bulk_export_folder_imports_as_one_unit() -> None:
    report = patients.import_paths([SHARED / "fhir" / "synthea-10-patients"])

    (unit,) = report.units
    assert unit.ok, unit.problems[:3]
    assert unit.resources["Patient"] == 13
    assert unit.not_stored == {"Encounter": 1215, "AllergyIntolerance": 11}
    assert Patient.objects.count() == 13
    assert Therapy.objects.count() == 1745
    assert Diagnosis.objects.count() == 555
    assert FollowUp.objects.filter(death_date__isnull=False).exists()
    assert not FollowUp.objects.filter(last_known_alive__gt=models_f("death_date")).exists()
    assert AuditEvent.objects.filter(action="patients.import", object_id="synthea-10-patients").count() == 1


def models_f(name: str):
    from django.db.models import F

    return F(name)


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(DEV.glob("*.json")), ids=lambda p: p.stem)
def test_development_bundle_imports(path: Path) -> None:
    report = patients.import_paths([path])

    assert report.ok, report.errors[:3]
    patient = Patient.objects.get(key=path.stem)
    assert patient.identity.name.startswith(path.stem)
    assert patient.diagnosiss.filter(is_primary=True).count() == 1
    assert patient.follow_up.last_known_alive is not None


def _import(*names: str) -> None:
    report = patients.import_paths([DEV / f"{n}.json" for n in names])
    assert report.ok, report.errors[:3]


@pytest.mark.django_db
def test_egfr_exon19_deletion_is_read_to_short_form_and_exon() -> None:
    _import("NCT04181060-elig")

    finding = MolecularFinding.objects.get(patient__key="NCT04181060-elig", gene="EGFR")
    assert finding.present
    assert finding.protein_change == "p.Leu747_Thr751del"
    assert finding.protein_short == "L747_T751del"
    assert finding.exon == 19
    assert finding.codon == 747
    assert finding.dna_change == "c.2239_2253del"
    assert finding.vaf == pytest.approx(0.33)
    assert finding.origin == "somatic"


@pytest.mark.django_db
def test_ecog_is_read_from_integer_and_from_loinc_answer_code() -> None:
    _import("NCT04181060-elig", "NCT03377387-excluded")

    assert PerformanceStatus.objects.get(patient__key="NCT04181060-elig").value == 1
    assert PerformanceStatus.objects.get(patient__key="NCT03377387-excluded").value == 2


@pytest.mark.django_db
def test_karnofsky_is_read() -> None:
    _import("NCT06007937-elig")

    ps = PerformanceStatus.objects.get(patient__key="NCT06007937-elig")
    assert (ps.scale, ps.value) == ("KPS", 90)


@pytest.mark.django_db
def test_absolute_neutrophil_count_is_kept_in_canonical_unit_with_reference_range() -> None:
    _import("NCT04181060-elig")

    anc = LabObservation.objects.get(patient__key="NCT04181060-elig", loinc="751-8")
    assert (anc.value, anc.unit, anc.ref_low, anc.ref_high) == (3.9, "10*3/uL", 1.8, 7.7)


@pytest.mark.django_db
def test_estrogen_receptor_positive_for_endometrial_patient() -> None:
    _import("NCT05154487-elig")

    er = Biomarker.objects.get(patient__key="NCT05154487-elig", marker="ER")
    assert er.result == "positive"
    assert er.value_number == 90 or er.value_number is not None


@pytest.mark.django_db
def test_fusion_is_one_finding_per_partner_gene() -> None:
    _import("NCT06007937-elig")

    rows = {f.gene: f for f in MolecularFinding.objects.filter(patient__key="NCT06007937-elig")}
    assert set(rows) == {"EML4", "ALK"}
    assert rows["ALK"].variant_class == "FUSION"
    assert rows["ALK"].partner_gene == "EML4"
    assert rows["EML4"].partner_gene == "ALK"


@pytest.mark.django_db
def test_absent_result_is_a_negative_finding_for_each_tested_gene() -> None:
    _import("NCT03093116-nomarker")

    rows = MolecularFinding.objects.filter(patient__key="NCT03093116-nomarker")
    assert {r.gene for r in rows} == {"ALK", "ROS1", "NTRK1", "NTRK2", "NTRK3"}
    assert {(r.present, r.variant_class) for r in rows} == {(False, "NEGATIVE")}


@pytest.mark.django_db
def test_msi_her2_and_medication_classes_are_read() -> None:
    _import("NCT06006923-elig", "NCT03377387-nomarker", "NCT06006923-excluded")

    assert Biomarker.objects.get(patient__key="NCT06006923-elig", marker="MSI").result == "MSI-H"
    her2 = Biomarker.objects.filter(patient__key="NCT03377387-nomarker")
    assert {(b.marker, b.result) for b in her2} >= {("HER2-IHC", "1+"), ("HER2-ISH", "not-amplified")}
    nivo = Therapy.objects.get(patient__key="NCT06006923-excluded", rxnorm="1597876")
    assert nivo.drugbank_id == "DB09035"
    assert str(nivo.start_date) == "2026-09-15"


@pytest.mark.django_db
def test_primary_cancer_gets_stage_from_condition_summary() -> None:
    _import("NCT05154487-elig")

    primary = Diagnosis.objects.get(patient__key="NCT05154487-elig", is_primary=True)
    assert primary.stage == "IVB"
    assert primary.category == "cancer"


@pytest.mark.django_db
def test_reimporting_the_development_set_changes_nothing(row_counts) -> None:
    patients.import_paths([DEV])
    before = row_counts()
    snapshot = json.dumps(
        [list(m.objects.order_by("pk").values()) for m in (LabObservation, MolecularFinding)], default=str
    )

    report = patients.import_paths([DEV])

    after = row_counts()
    assert report.ok
    assert {k: v for k, v in after.items() if k != "AuditEvent"} == {
        k: v for k, v in before.items() if k != "AuditEvent"
    }
    assert all(v == 0 for u in report.units for k, v in u.rows.items() if not k.endswith(".unchanged"))
    assert snapshot == json.dumps(
        [list(m.objects.order_by("pk").values()) for m in (LabObservation, MolecularFinding)], default=str
    )
