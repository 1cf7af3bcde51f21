"""Pure trial importers: a file's bytes in, plain TrialRecords (or the problems refusing it) out.

No Django and no I/O here: the service layer reads files and saves records.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from . import ctgov, ctml, formats, tabular
from .records import (
    ArmRecord,
    FileRejected,
    ParsedFile,
    Problem,
    RecordError,
    TrialRecord,
    UnknownValue,
)

__all__ = [
    "ArmRecord",
    "ParsedFile",
    "Problem",
    "TrialRecord",
    "UnknownValue",
    "is_importable_name",
    "parse_file",
]

_NAMED_FOR_TRIAL = re.compile(r"(NCT\d{8})(?!\d)")
_EXPECTED = (
    "expected a ClinicalTrials.gov study (protocolSection), a search page (studies or FullStudiesResponse), "
    "a legacy <clinical_study>, or a CTML trial (protocol_no, treatment_list)"
)


def is_importable_name(name: str) -> bool:
    """Whether a file found while walking a folder is one we read (README, LICENSE, scripts are not)."""
    return PurePath(name).suffix.lower() in formats.SUFFIXES


def parse_file(name: str, data: bytes, *, max_bytes: int | None = None) -> ParsedFile:
    """Every trial in the file, or every problem found; a file with any problem yields no records."""
    parsed = ParsedFile(name=name)
    try:
        if max_bytes is not None and len(data) > max_bytes:
            raise FileRejected(f"the file is {len(data)} bytes, over the upload limit of {max_bytes} bytes")
        parsed.format = formats.kind_of(name, data)
        _read(parsed, data)
    except FileRejected as exc:
        parsed.problems.append(Problem(name, exc.record, exc.field, exc.message))
    if not parsed.problems:
        _check_file(parsed)
    if parsed.problems:
        parsed.records = []
    return parsed


def _read(parsed: ParsedFile, data: bytes) -> None:
    if parsed.format == "xml":
        document = formats.xml_document(data)
        if "clinical_study" not in document:
            root = next(iter(document))
            raise FileRejected(f"root element <{root}> is not a ClinicalTrials.gov <clinical_study>")
        study = document["clinical_study"]
        _add(parsed, 1, lambda label: ctgov.record_from_study(study, ctgov.XML, label))
        return
    text = formats.decode(data)
    if parsed.format == "csv":
        rows = formats.csv_rows(text)
        columns = tabular.column_map(list(rows[0].keys()) if rows else [])
        for i, row in enumerate(rows, start=1):
            if all(row.get(column) == column for column in columns.values()):
                continue  # a repeated header: several exports concatenated
            _add(
                parsed, i, lambda label, row=row: tabular.record_from_row(row, columns, label), prefix="row "
            )
        return
    docs = formats.json_documents(text) if parsed.format == "json" else formats.yaml_documents(text)
    studies: list[tuple[Any, str]] = []
    for d, doc in enumerate(docs):
        studies += _unpack(doc, f"document {d + 1}" if len(docs) > 1 else "")
    if not studies:
        raise FileRejected("no trials in the file")
    for i, (study, dialect) in enumerate(studies, start=1):
        _add(parsed, i, lambda label, study=study, dialect=dialect: _record(study, dialect, label))


def _unpack(doc: Any, where: str) -> list[tuple[Any, str]]:
    """The trial records in one JSON/YAML document, each with its dialect."""
    if isinstance(doc, list):
        out = []
        for i, item in enumerate(doc):
            out += _unpack(item, f"{where} item {i + 1}".strip())
        return out
    if not isinstance(doc, dict):
        raise FileRejected(f"{where or 'the document'} is a {type(doc).__name__}; {_EXPECTED}", field="")
    if "protocolSection" in doc:
        return [(doc, "v2")]
    if "studies" in doc:
        studies = doc["studies"]
        if not isinstance(studies, list):
            raise FileRejected(f"expected a list, got {type(studies).__name__}", field="studies")
        return [(study, "v2") for study in studies]
    if "FullStudiesResponse" in doc:
        response = doc["FullStudiesResponse"]
        full = response.get("FullStudies", []) if isinstance(response, dict) else None
        if not isinstance(full, list):
            raise FileRejected("expected a list of studies", field="FullStudiesResponse.FullStudies")
        return [(study, "v1") for study in full]
    if "trials" in doc and isinstance(doc["trials"], list | dict):
        return _unpack(doc["trials"], f"{where} trials".strip())
    if ctml.is_ctml(doc):
        return [(doc, "ctml")]
    keys = ", ".join(list(map(str, doc))[:6])
    raise FileRejected(f"not a trial: {where or 'an object'} with keys {keys}; {_EXPECTED}")


def _record(study: Any, dialect: str, label: str) -> TrialRecord:
    if dialect == "v2":
        return ctgov.record_from_study(study, ctgov.V2, label)
    if dialect == "v1":
        return ctgov.record_from_study(study, ctgov.V1, label)
    return ctml.record_from_ctml(study, label)


def _add(parsed: ParsedFile, index: int, build: Any, prefix: str = "#") -> None:
    label = f"{prefix}{index}"
    try:
        parsed.records.append(build(label))
    except RecordError as exc:
        label = f"{label} {exc.trial_id}" if exc.trial_id else label
        parsed.problems.append(Problem(parsed.name, label, exc.field, exc.message))


def _check_file(parsed: ParsedFile) -> None:
    """Checks across records: one trial once per file; a file named for a trial holds that trial."""
    first_seen: dict[str, str] = {}
    for record in parsed.records:
        if record.trial_id in first_seen:
            parsed.problems.append(
                Problem(
                    parsed.name,
                    record.label,
                    "trial id",
                    f"{record.trial_id} appears twice in the file (also {first_seen[record.trial_id]})",
                )
            )
        first_seen.setdefault(record.trial_id, record.label)
    named = _NAMED_FOR_TRIAL.match(PurePath(parsed.name).name)
    if named and len(parsed.records) == 1 and parsed.records[0].source == "ctgov":
        record = parsed.records[0]
        if record.trial_id != named.group(1):
            parsed.problems.append(
                Problem(
                    parsed.name,
                    record.label,
                    "nct_id",
                    f"the file is named for {named.group(1)} but holds {record.trial_id}",
                )
            )
