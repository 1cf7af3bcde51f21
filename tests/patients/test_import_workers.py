"""Validation in worker processes: the same report, rows and refusals as validating in the importer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.patients import services
from apps.patients.fhir.parallel import default_workers, validated
from apps.patients.fhir.sources import ndjson_entries

from .builders import condition, lab, patient, write_ndjson


def _export(folder: Path, *, broken: bool = False) -> Path:
    resources: list[dict[str, Any]] = [patient(f"p{i}") for i in range(3)]
    resources += [condition(f"c{i}", subject=f"Patient/p{i % 3}") for i in range(6)]
    resources += [lab(f"o{i}", "718-7", 13.0 + i, "g/dL", subject=f"Patient/p{i % 3}") for i in range(30)]
    if broken:
        resources[20]["effectiveDateTime"] = "2024-13-45"
        resources[25]["status"] = 7
    return write_ndjson(folder, resources)


@pytest.mark.django_db
def test_an_export_validated_by_workers_imports_the_same_rows(
    tmp_path: Path, monkeypatch, row_counts
) -> None:
    monkeypatch.setattr(services, "PARALLEL_FROM", 0)
    folder = _export(tmp_path / "export")

    report = services.import_paths([folder], workers=2)

    assert report.ok, report.as_dict()
    (unit,) = report.units
    assert unit.rows["labobservation.created"] == 30
    assert row_counts()["LabObservation"] == 30


@pytest.mark.django_db
def test_workers_refuse_an_export_with_the_same_errors(tmp_path: Path, monkeypatch, row_counts) -> None:
    folder = _export(tmp_path / "export", broken=True)
    before = row_counts()
    in_process = services.import_paths([folder], workers=0)
    monkeypatch.setattr(services, "PARALLEL_FROM", 0)

    with_workers = services.import_paths([folder], workers=2)

    assert [p.as_dict() for p in with_workers.errors] == [p.as_dict() for p in in_process.errors]
    assert {e["line"] for e in (p.as_dict() for p in with_workers.errors)} == {12, 17}
    assert row_counts() == before


def test_entries_keep_their_order_and_a_value_json_text_cannot_carry_is_validated_here() -> None:
    lines = [f'{{"resourceType": "Patient", "id": "p{i}", "gender": "female"}}'.encode() for i in range(600)]
    lines[300] = b'{"resourceType": "Patient", "id": "p300", "birthDate": NaN}'

    out = list(validated(ndjson_entries("Patient.000.ndjson", lines), workers=1))

    assert [e.resource["id"] for e, _ in out if e.resource] == [f"p{i}" for i in range(600)]
    assert [i for i, (_, errors) in enumerate(out) if errors] == [300]


def test_default_workers_leave_the_importer_a_cpu() -> None:
    assert 0 <= default_workers() <= 4
