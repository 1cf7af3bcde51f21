"""A malformed file is refused whole: nothing saved, and every error names file, line or entry, and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.patients import services as patients

from .builders import bundle, condition, lab, patient, write, write_ndjson


def _refused(paths: list[Path], row_counts) -> list[dict]:
    before = row_counts()
    report = patients.import_paths(paths)
    assert not report.ok
    assert row_counts() == before
    return [p.as_dict() for p in report.errors]


@pytest.mark.django_db
def test_bad_json_is_refused_with_its_line(tmp_path: Path, row_counts) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"resourceType": "Bundle",\n "entry": [\n  {"resource": }\n]}')

    errors = _refused([path], row_counts)

    assert errors[0]["file"] == "broken.json"
    assert errors[0]["code"] == "json"
    assert errors[0]["line"] == 3


@pytest.mark.django_db
def test_bad_ndjson_line_refuses_the_whole_export(tmp_path: Path, row_counts) -> None:
    folder = write_ndjson(tmp_path / "export", [patient("p1"), patient("p2")])
    good = json.dumps(condition("c1", subject="Patient/p1"))
    (folder / "Condition.000.ndjson").write_text(f"{good}\n{good.replace('c1', 'c2')}\n{{not json\n")

    errors = _refused([folder], row_counts)

    assert errors == [
        {"file": "export/Condition.000.ndjson", "code": "json", "line": 3, "message": errors[0]["message"]}
    ]


@pytest.mark.django_db
def test_wrong_resource_type_is_refused(tmp_path: Path, row_counts) -> None:
    path = write(tmp_path / "patient.json", patient())

    errors = _refused([path], row_counts)

    assert errors[0]["field"] == "resourceType"
    assert errors[0]["code"] == "resource-type"


@pytest.mark.django_db
def test_resource_of_another_type_in_an_ndjson_file_is_refused(tmp_path: Path, row_counts) -> None:
    folder = write_ndjson(tmp_path / "export", [patient("p1")])
    (folder / "Condition.000.ndjson").write_text(json.dumps(patient("p2")) + "\n")

    errors = _refused([folder], row_counts)

    assert (errors[0]["file"], errors[0]["line"], errors[0]["field"]) == (
        "export/Condition.000.ndjson",
        1,
        "resourceType",
    )


@pytest.mark.django_db
def test_invalid_date_is_refused_naming_the_field(tmp_path: Path, row_counts) -> None:
    path = write(tmp_path / "b.json", bundle(patient(birthDate="1960-02-30"), condition()))

    errors = _refused([path], row_counts)

    assert (errors[0]["entry"], errors[0]["field"]) == (0, "Patient.birthDate")


@pytest.mark.django_db
def test_missing_subject_is_refused(tmp_path: Path, row_counts) -> None:
    obs = lab("o1", "751-8", 3.9, "10*3/uL")
    del obs["subject"]
    path = write(tmp_path / "b.json", bundle(patient(), obs))

    errors = _refused([path], row_counts)

    assert (errors[0]["entry"], errors[0]["field"], errors[0]["code"]) == (
        1,
        "Observation.subject",
        "required",
    )


@pytest.mark.django_db
def test_missing_required_element_is_refused(tmp_path: Path, row_counts) -> None:
    obs = lab("o1", "751-8", 3.9, "10*3/uL")
    del obs["status"]
    path = write(tmp_path / "b.json", bundle(patient(), obs))

    errors = _refused([path], row_counts)

    assert errors[0]["field"] == "Observation.status"


@pytest.mark.django_db
def test_reference_to_a_resource_not_in_the_bundle_is_refused(tmp_path: Path, row_counts) -> None:
    path = write(tmp_path / "b.json", bundle(patient(), condition(subject="urn:uuid:someone-else")))

    errors = _refused([path], row_counts)

    assert (errors[0]["entry"], errors[0]["field"], errors[0]["code"]) == (
        1,
        "Condition.subject.reference",
        "reference",
    )


@pytest.mark.django_db
def test_reference_to_a_patient_missing_from_the_export_is_refused(tmp_path: Path, row_counts) -> None:
    folder = write_ndjson(tmp_path / "export", [patient("p1"), condition("c1", subject="Patient/nobody")])

    errors = _refused([folder], row_counts)

    assert (errors[0]["file"], errors[0]["line"]) == ("export/Condition.000.ndjson", 1)


@pytest.mark.django_db
def test_file_over_the_upload_limit_is_refused(tmp_path: Path, row_counts, settings) -> None:
    settings.MAX_UPLOAD_BYTES = 100
    path = write(tmp_path / "big.json", bundle(patient(), condition()))

    errors = _refused([path], row_counts)

    assert errors[0]["code"] == "too-large"


@pytest.mark.django_db
def test_ndjson_export_on_disk_is_streamed_whatever_its_size(tmp_path: Path, settings) -> None:
    settings.MAX_UPLOAD_BYTES = 100
    folder = write_ndjson(tmp_path / "export", [patient("p1"), condition("c1", subject="Patient/p1")])

    report = patients.import_paths([folder])

    assert report.ok, report.as_dict()


@pytest.mark.django_db
def test_one_bad_entry_leaves_nothing_of_its_file_saved(tmp_path: Path, row_counts) -> None:
    bad = lab("o2", "751-8", 3.9, "10*3/uL")
    bad["effectiveDateTime"] = "2026-13-01"
    path = write(tmp_path / "b.json", bundle(patient(), condition(), lab("o1", "777-3", 200, "10*3/uL"), bad))

    errors = _refused([path], row_counts)

    assert [(e["entry"], e["field"]) for e in errors] == [(3, "Observation.effectiveDateTime")]


@pytest.mark.django_db
def test_a_refused_file_does_not_stop_the_others(tmp_path: Path, row_counts) -> None:
    good = write(tmp_path / "good.json", bundle(patient("good"), condition(subject="urn:uuid:good")))
    bad = write(
        tmp_path / "bad.json", {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Nope"}}]}
    )

    report = patients.import_paths([good, bad])

    assert [u.status for u in report.units] == ["imported", "rejected"]
    assert row_counts()["Patient"] == 1


@pytest.mark.django_db
def test_command_exits_non_zero_and_prints_errors_as_json(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "b.json", bundle(patient(), condition(subject="urn:uuid:x")))

    with pytest.raises(CommandError):
        call_command("import_patients", str(path))

    errors = json.loads(capsys.readouterr().err)["errors"]
    assert errors[0]["field"] == "Condition.subject.reference"


@pytest.mark.django_db
def test_no_patient_identifier_reaches_the_logs_or_audit(tmp_path: Path, caplog) -> None:
    from apps.audit.models import AuditEvent

    good = write(tmp_path / "good.json", bundle(patient(), condition()))
    bad = write(tmp_path / "bad.json", bundle(patient("p2"), condition(subject="urn:uuid:x")))

    with caplog.at_level("DEBUG"):
        patients.import_paths([good, bad])

    audit = json.dumps(list(AuditEvent.objects.values()), default=str)
    for text in (caplog.text, audit):
        assert "ZZCANARY-MRN-0001" not in text
        assert "Testcase" not in text
        assert "1960-04-02" not in text


@pytest.mark.django_db
def test_a_refused_file_is_audited_with_counts_and_codes_only(tmp_path: Path) -> None:
    from apps.audit.models import AuditEvent

    path = tmp_path / "broken.json"
    path.write_text('{"resourceType": "Bundle",\n "entry": [\n  {"resource": "ZZCANARY-MRN-0001"}\n]}')

    report = patients.import_paths([path])

    assert not report.ok
    [row] = AuditEvent.objects.filter(action="patients.import_rejected")
    assert row.object_id == "broken.json"
    assert row.details["problems"] == len(report.errors) and row.details["codes"]
    assert "ZZCANARY" not in str(row.details)
