"""Fact rows inserted with one prepared statement: same values back, defaults filled, constraints enforced."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from apps.patients.bulk import insert_rows
from apps.patients.models import Patient, PerformanceStatus, Therapy


@pytest.mark.django_db
def test_inserted_rows_read_back_with_dates_json_and_defaults() -> None:
    patient = Patient.objects.create(key="p1")
    row = {
        "patient_id": patient.pk,
        "source_file": "export/MedicationStatement.000.ndjson",
        "source_id": "MedicationStatement/m1",
        "drug_name": "Osimertinib",
        "drugbank_id": "DB09330",
        "rxnorm": "1721560",
        "drug_classes": ["EGFR inhibitor"],
        "start_date": dt.date(2025, 1, 2),
        "end_date": None,
        "status": "active",
    }

    assert insert_rows(Therapy, [row]) == 1

    therapy = Therapy.objects.get()
    assert (therapy.drug_classes, therapy.start_date, therapy.end_date) == (
        ["EGFR inhibitor"],
        dt.date(2025, 1, 2),
        None,
    )
    assert therapy.line_of_therapy is None


@pytest.mark.django_db
def test_the_database_still_refuses_a_row_breaking_a_constraint() -> None:
    patient = Patient.objects.create(key="p1")
    row = {"patient_id": patient.pk, "source_id": "Observation/o1", "scale": "ECOG", "value": 7}

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(PerformanceStatus, [row])

    assert PerformanceStatus.objects.count() == 0
