"""Build the matcher's plain `PatientRecord`s from the database, in bulk: one query per fact table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from apps.patients.models import (
    Biomarker,
    Diagnosis,
    FollowUp,
    LabObservation,
    MolecularFinding,
    Patient,
    PerformanceStatus,
    PregnancyStatus,
    Procedure,
    Therapy,
)

from .records import (
    BiomarkerFact,
    DiagnosisFact,
    FindingFact,
    LabFact,
    PatientRecord,
    PerformanceFact,
    PregnancyFact,
    ProcedureFact,
    TherapyFact,
)


def _by_patient(rows: Iterable[dict[str, Any]], build: Any) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        patient_id = row.pop("patient_id")
        grouped[patient_id].append(build(row))
    return grouped


def _diagnosis(row: dict[str, Any]) -> DiagnosisFact:
    return DiagnosisFact(
        category=row["category"],
        code_system=row["code_system"],
        code=row["code"],
        display=row["display"],
        oncotree_code=row["oncotree_code"],
        stage=row["stage"],
        histology=row["histology"],
        clinical_status=row["clinical_status"],
        is_primary=row["is_primary"],
        codes=tuple(row["codes"] or ()),
        source=row["source_id"],
        date=row["onset_date"],
    )


def _lab(row: dict[str, Any]) -> LabFact:
    return LabFact(
        loinc=row["loinc"],
        value=row["value"],
        unit=row["unit"],
        ref_low=row["ref_low"],
        ref_high=row["ref_high"],
        display=row["display"],
        source=row["source_id"],
        date=row["effective_date"],
    )


def _performance(row: dict[str, Any]) -> PerformanceFact:
    return PerformanceFact(
        scale=row["scale"], value=row["value"], source=row["source_id"], date=row["effective_date"]
    )


def _finding(row: dict[str, Any]) -> FindingFact:
    return FindingFact(
        gene=row["gene"],
        present=row["present"],
        protein_change=row["protein_change"],
        protein_short=row["protein_short"],
        codon=row["codon"],
        dna_change=row["dna_change"],
        exon=row["exon"],
        variant_class=row["variant_class"],
        partner_gene=row["partner_gene"],
        vaf=row["vaf"],
        origin=row["origin"],
        source=row["source_id"],
        date=row["effective_date"],
    )


def _biomarker(row: dict[str, Any]) -> BiomarkerFact:
    return BiomarkerFact(
        marker=row["marker"],
        value_number=row["value_number"],
        result=row["result"],
        scoring=row["scoring"],
        clone=row["clone"],
        value_text=row["value_text"],
        source=row["source_id"],
        date=row["effective_date"],
    )


def _therapy(row: dict[str, Any]) -> TherapyFact:
    return TherapyFact(
        drug_name=row["drug_name"],
        drugbank_id=row["drugbank_id"],
        drug_classes=tuple(row["drug_classes"] or ()),
        end_date=row["end_date"],
        line=row["line_of_therapy"],
        status=row["status"],
        rxnorm=row["rxnorm"],
        source=row["source_id"],
        date=row["start_date"],
    )


def _procedure(row: dict[str, Any]) -> ProcedureFact:
    return ProcedureFact(
        kind=row["kind"],
        code_system=row["code_system"],
        code=row["code"],
        display=row["display"],
        source=row["source_id"],
        date=row["performed_date"],
    )


def _pregnancy(row: dict[str, Any]) -> PregnancyFact:
    return PregnancyFact(status=row["status"], source=row["source_id"], date=row["effective_date"])


_FACTS: list[tuple[str, Any, tuple[str, ...], Any]] = [
    (
        "diagnoses",
        Diagnosis,
        (
            "category",
            "code_system",
            "code",
            "display",
            "oncotree_code",
            "stage",
            "histology",
            "clinical_status",
            "is_primary",
            "codes",
            "source_id",
            "onset_date",
        ),
        _diagnosis,
    ),
    (
        "labs",
        LabObservation,
        ("loinc", "value", "unit", "ref_low", "ref_high", "display", "source_id", "effective_date"),
        _lab,
    ),
    ("performance", PerformanceStatus, ("scale", "value", "source_id", "effective_date"), _performance),
    (
        "findings",
        MolecularFinding,
        (
            "gene",
            "present",
            "protein_change",
            "protein_short",
            "codon",
            "dna_change",
            "exon",
            "variant_class",
            "partner_gene",
            "vaf",
            "origin",
            "source_id",
            "effective_date",
        ),
        _finding,
    ),
    (
        "biomarkers",
        Biomarker,
        ("marker", "value_number", "result", "scoring", "clone", "value_text", "source_id", "effective_date"),
        _biomarker,
    ),
    (
        "therapies",
        Therapy,
        (
            "drug_name",
            "drugbank_id",
            "drug_classes",
            "end_date",
            "line_of_therapy",
            "status",
            "rxnorm",
            "source_id",
            "start_date",
        ),
        _therapy,
    ),
    (
        "procedures",
        Procedure,
        ("kind", "code_system", "code", "display", "source_id", "performed_date"),
        _procedure,
    ),
    ("pregnancy", PregnancyStatus, ("status", "source_id", "effective_date"), _pregnancy),
]

# Keeps each IN (...) list under SQLite's bound-parameter limit and PostgreSQL plans cheap.
_BATCH = 900


def build_records(patient_ids: Iterable[int]) -> list[PatientRecord]:
    """Records for these patients (by primary key), in the order of their keys; missing ids are skipped.

    One query per fact table and batch of patients, whatever the number of patients (no N+1).
    """
    ids = sorted(set(patient_ids))
    records: list[PatientRecord] = []
    for start in range(0, len(ids), _BATCH):
        records.extend(_build_batch(ids[start : start + _BATCH]))
    records.sort(key=lambda r: r.key)
    return records


def _build_batch(ids: list[int]) -> list[PatientRecord]:
    patients = list(
        Patient.objects.filter(pk__in=ids).values_list("pk", "key", "sex", "identity__birth_date")
    )
    deaths = dict(FollowUp.objects.filter(patient_id__in=ids).values_list("patient_id", "death_date"))
    facts: dict[str, dict[int, list[Any]]] = {}
    for name, model, fields, build in _FACTS:
        rows = model.objects.filter(patient_id__in=ids).order_by("pk").values("patient_id", *fields)
        facts[name] = _by_patient(rows, build)
    return [
        PatientRecord(
            key=key,
            sex=sex,
            birth_date=birth_date,
            death_date=deaths.get(pk),
            **{name: tuple(facts[name].get(pk, ())) for name, *_ in _FACTS},
        )
        for pk, key, sex, birth_date in patients
    ]


def build_record(patient: Patient) -> PatientRecord:
    return build_records([patient.pk])[0]
