"""`manage.py import_patients`: summary on stdout, the full report with --json, progress on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from .builders import bundle, condition, lab, patient, write


@pytest.mark.django_db
def test_command_prints_a_json_report_with_counts(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "b.json", bundle(patient(), condition(), lab("o1", "99999-9", 1, "mg")))

    call_command("import_patients", str(path), "--json")

    report = json.loads(capsys.readouterr().out)
    (unit,) = report["units"]
    assert report["ok"] and unit["status"] == "imported"
    assert unit["resources"] == {"Patient": 1, "Condition": 1, "Observation": 1}
    assert unit["rows"]["labobservation.created"] == 1
    assert unit["unmapped"] == {"unknown-loinc: 99999-9": 1}


@pytest.mark.django_db
def test_command_shows_progress_on_stderr_when_asked(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "b.json", bundle(patient(), condition()))

    call_command("import_patients", str(path), "--progress")

    captured = capsys.readouterr()
    assert "b.json: imported" in captured.out
    assert "res" in captured.err
