"""Patient intake: FHIR R4 Bundle JSON and bulk-export NDJSON into patients and their facts.

A unit is one Bundle file, or all NDJSON files of one folder (their resources reference each other). A
unit is imported in one transaction, with its audit row, or not at all (PROMISES 16); re-importing it
changes nothing (PROMISES 17). Logs and audit rows carry counts only, never patient data (PROMISES 22).
Large units are validated by worker processes ahead of the import (fhir/parallel.py); facts are written
in batches (store.py).
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from tqdm import tqdm

from apps.accounts.models import Site
from apps.audit import services as audit
from apps.matching import services as matching
from apps.matching.models import MatchRun

from .fhir.common import iter_references
from .fhir.facts import Location, Problem, ReadError
from .fhir.mapping import read_resource, subject_reference
from .fhir.parallel import Errors, default_workers, validated
from .fhir.references import BROKEN, RESOLVED, ReferenceIndex
from .fhir.sources import Entry, bundle_entries, load_bundle, ndjson_entries, ndjson_type
from .fhir.validation import CLINICAL_TYPES
from .models import Patient
from .placement import Organization, organization_of, place
from .store import FactWriter

logger = logging.getLogger(__name__)
MAX_PROBLEMS = 100
# Units with fewer resources are validated in this process: starting workers costs about a second.
PARALLEL_FROM = 5_000
# Resource types whose content becomes facts or follow-up dates: their references must resolve. Other
# types are validated and counted, and their references are not followed.
READ_TYPES = CLINICAL_TYPES | {"Patient", "Encounter"}
Actor = Any  # a user (or None for the command line), as apps.audit.services.record takes it


@dataclass
class FileReport:
    """The outcome of one unit: imported (with counts) or rejected (with problems, nothing saved)."""

    name: str
    files: list[str]
    status: str = "imported"
    resources: Counter[str] = field(default_factory=Counter)
    not_stored: Counter[str] = field(default_factory=Counter)
    rows: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)  # "kind: value" -> count
    problems: list[Problem] = field(default_factory=list)
    sites: Counter[str] = field(default_factory=Counter)  # site code -> the unit's patients there
    without_site: int = 0  # the unit's patients no site's coordinators see
    patient_ids: set[int] = field(default_factory=set)  # created or changed
    organizations: dict[str, Organization | None] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "imported"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "files": self.files,
            "status": self.status,
            "resources": dict(self.resources),
            "read_not_stored": dict(self.not_stored),
            "rows": dict(sorted(self.rows.items())),
            "unmapped": dict(sorted(self.notes.items())),
            "errors": [p.as_dict() for p in self.problems],
            "sites": dict(sorted(self.sites.items())),
            "without_site": self.without_site,
        }


@dataclass
class ImportReport:
    units: list[FileReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(u.ok for u in self.units)

    @property
    def errors(self) -> list[Problem]:
        return [p for u in self.units for p in u.problems]

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "units": [u.as_dict() for u in self.units], "skipped": self.skipped}


@dataclass
class _Unit:
    name: str
    kind: str  # "bundle" | "ndjson"
    paths: list[Path] = field(default_factory=list)
    data: bytes | None = None


class _Rejected(Exception):
    pass


# --- public API --------------------------------------------------------------------------------------
def import_paths(
    paths: Iterable[str | Path],
    *,
    actor: Actor = None,
    progress: bool = False,
    workers: int | None = None,
    default_site: Site | None = None,
) -> ImportReport:
    """Import Bundle files, NDJSON files or folders of either; each unit commits or is refused on its own.

    `workers`: processes validating resources ahead of the import (default: one fewer than the CPUs,
    at most 4; 0 validates in this process). The outcome is the same whatever the number.
    A patient's site is its managingOrganization's (placement.py), else `default_site` if it has none.
    """
    report = ImportReport()
    workers = default_workers() if workers is None else workers
    for unit in _discover([Path(p) for p in paths], report):
        report.units.append(
            _import_unit(unit, actor=actor, progress=progress, workers=workers, default_site=default_site)
        )
    return report


def import_bytes(
    name: str, data: bytes, *, actor: Actor = None, default_site: Site | None = None
) -> ImportReport:
    """Import one uploaded file (a Bundle, or NDJSON when the name ends in .ndjson)."""
    kind = "ndjson" if name.lower().endswith(".ndjson") else "bundle"
    unit = _Unit(Path(name).name, kind, data=data)
    return ImportReport(units=[_import_unit(unit, actor=actor, default_site=default_site)])


def upload(name: str, data: bytes, *, user: Actor, site: Site | None) -> tuple[ImportReport, MatchRun | None]:
    """A coordinator's upload: import the file (patients without a managing organization of a known site go
    to `site`, the uploader's), then match its created or changed patients against all recruiting trials."""
    report = import_bytes(name, data, actor=user, default_site=site)
    changed = sorted({pk for unit in report.units for pk in unit.patient_ids})
    if not report.ok or not changed:
        return report, None
    runs = matching.rematch_after_import(patients=Patient.objects.filter(pk__in=changed))
    return report, (runs[0] if runs else None)


# --- units -------------------------------------------------------------------------------------------
def _discover(paths: list[Path], report: ImportReport) -> Iterator[_Unit]:
    loose_ndjson: dict[Path, list[Path]] = {}
    for path in paths:
        if path.is_dir():
            yield from _discover_folder(path, report)
        elif path.suffix.lower() == ".ndjson":
            loose_ndjson.setdefault(path.parent, []).append(path)
        elif path.suffix.lower() == ".json" or not path.exists():
            yield _Unit(path.name, "bundle", [path])
        else:
            report.skipped.append(str(path))
    for folder, files in loose_ndjson.items():
        yield _Unit(folder.name or str(folder), "ndjson", sorted(files))


def _discover_folder(folder: Path, report: ImportReport) -> Iterator[_Unit]:
    children = sorted(folder.iterdir())
    ndjson = [p for p in children if p.is_file() and p.suffix.lower() == ".ndjson"]
    if ndjson:
        yield _Unit(folder.name, "ndjson", ndjson)
    for child in children:
        if child.is_dir():
            yield from _discover_folder(child, report)
        elif child.suffix.lower() == ".json":
            yield _Unit(child.name, "bundle", [child])
        elif child.suffix.lower() != ".ndjson":
            report.skipped.append(str(child))


def _label(unit: _Unit, path: Path | None) -> str:
    if unit.kind == "ndjson" and path is not None and unit.data is None:
        return f"{unit.name}/{path.name}"
    return unit.name


def _size_problems(unit: _Unit) -> list[Problem]:
    limit = settings.MAX_UPLOAD_BYTES
    sizes = [(unit.name, len(unit.data))] if unit.data is not None else []
    problems = []
    for path in unit.paths:
        if not path.is_file():
            problems.append(Problem(_label(unit, path), "file not found", code="not-found"))
            continue
        if unit.kind == "bundle":  # read whole into memory; NDJSON files on disk are streamed, any size
            sizes.append((_label(unit, path), path.stat().st_size))
    for name, size in sizes:
        if size > limit:
            problems.append(
                Problem(name, f"file is {size} bytes, over the limit of {limit}", code="too-large")
            )
    return problems


def _entries(unit: _Unit, bundle: list[Any] | None) -> Iterator[Entry]:
    """Every entry of the unit, Patient resources first."""
    if unit.kind == "bundle":
        yield from bundle_entries(unit.name, bundle or [])
        return
    if unit.data is not None:
        yield from ndjson_entries(unit.name, io.BytesIO(unit.data))
        return
    ordered = sorted(unit.paths, key=lambda p: (ndjson_type(p.name) != "Patient", p.name))
    for path in ordered:
        with path.open("rb") as stream:
            yield from ndjson_entries(_label(unit, path), stream)


def _import_unit(
    unit: _Unit, *, actor: Actor, progress: bool = False, workers: int = 0, default_site: Site | None = None
) -> FileReport:
    report = FileReport(unit.name, [_label(unit, p) for p in unit.paths] or [unit.name])
    report.problems = _size_problems(unit)
    bundle: list[Any] | None = None
    if not report.problems and unit.kind == "bundle":
        raw = unit.data if unit.data is not None else unit.paths[0].read_bytes()
        bundle, report.problems = load_bundle(unit.name, raw)
    if report.problems:
        return _refuse(report, actor)
    index, medications, organizations, total = _index(unit, bundle, report)
    if report.problems:
        return _refuse(report, actor)
    writer = FactWriter()
    stream = validated(_entries(unit, bundle), workers if total >= PARALLEL_FROM else 0)
    try:
        with transaction.atomic():
            entries = tqdm(stream, total=total, disable=not progress, unit="res", desc=unit.name, leave=False)
            for entry, errors in entries:
                _import_entry(entry, errors, index, medications, organizations, writer, report)
                if len(report.problems) >= MAX_PROBLEMS:
                    break
            if report.problems:
                raise _Rejected
            writer.finish()
            report.rows.update(writer.counts)
            report.patient_ids = set(writer.changed)
            report.sites, report.without_site = place(report.organizations, default_site)
            matching.mark_features_stale(writer.changed)
            matching.rematch_later(patient_ids=writer.changed)
            audit.record(
                actor=actor,
                actor_label="import_patients",
                action="patients.import",
                object_type="file",
                object_id=unit.name[:200],
                details={
                    "resources": dict(report.resources),
                    "rows": dict(report.rows),
                    "sites": dict(report.sites),
                    "without_site": report.without_site,
                },
            )
    except _Rejected:
        return _refuse(report, actor)
    except DatabaseError as exc:
        report.problems.append(
            Problem(unit.name, f"database refused the data: {type(exc).__name__}", code="database")
        )
        return _refuse(report, actor)
    finally:
        stream.close()  # stops the validating workers now, also after a break or an error
    logger.info("import_patients: %s imported, %d resources", unit.name, sum(report.resources.values()))
    return report


def _refuse(report: FileReport, actor: Actor) -> FileReport:
    report.status = "rejected"
    report.rows.clear()
    # Counts and problem codes only: a problem's message can quote what the file says (PROMISES 22).
    audit.record(
        actor=actor,
        actor_label="import_patients",
        action="patients.import_rejected",
        object_type="file",
        object_id=report.name[:200],
        details={"problems": len(report.problems), "codes": sorted({p.code for p in report.problems})},
    )
    logger.warning("import_patients: %s rejected with %d errors", report.name, len(report.problems))
    return report


def _index(
    unit: _Unit, bundle: list[Any] | None, report: FileReport
) -> tuple[ReferenceIndex, dict[str, Any], dict[str, Any], int]:
    """First pass: which resources the unit holds (for references), its Medications and Organizations by
    key and fullUrl; unreadable lines and entries."""
    index = ReferenceIndex()
    medications: dict[str, Any] = {}
    organizations: dict[str, Any] = {}
    total = 0
    for entry in _entries(unit, bundle):
        total += 1
        if entry.problem is not None:
            report.problems.append(entry.problem)
        elif entry.resource is not None:
            rtype = str(entry.resource.get("resourceType") or "")
            rid = str(entry.resource.get("id") or "")
            if not rid and not entry.full_url:
                report.problems.append(
                    Problem.at(entry.where, "resource has no id", f"{rtype}.id", "required")
                )
                continue
            if index.key_for(rtype, rid, entry.full_url) in index.ids:
                report.problems.append(
                    Problem.at(entry.where, f"duplicate {rtype} id", f"{rtype}.id", "duplicate")
                )
            key = index.add(rtype, rid, entry.full_url)
            kept = {"Medication": medications, "Organization": organizations}.get(rtype)
            if kept is not None:
                kept[key] = entry.resource
                if entry.full_url:
                    kept[entry.full_url] = entry.resource
        if len(report.problems) >= MAX_PROBLEMS:
            break
    return index, medications, organizations, total


def _import_entry(
    entry: Entry,
    errors: Errors,
    index: ReferenceIndex,
    medications: dict[str, Any],
    organizations: dict[str, Any],
    writer: FactWriter,
    report: FileReport,
) -> None:
    resource, where = entry.resource, entry.where
    if resource is None:
        return
    rtype = str(resource["resourceType"])
    report.resources[rtype] += 1
    problems = [Problem.at(where, msg, path, "invalid") for path, msg in errors]
    for path, ref in iter_references(resource, rtype) if rtype in READ_TYPES else ():
        if path.startswith("Patient.link"):
            continue  # links to other records of the person are not read
        status, _ = index.resolve(ref, writer.known_patient)
        if status == BROKEN:
            problems.append(
                Problem.at(where, "reference to a resource not in this file or export", path, "reference")
            )
    subject_key = ""
    subject = subject_reference(resource)
    if subject:
        status, target = index.resolve(subject, writer.known_patient)
        if status == RESOLVED and target.startswith("Patient/"):
            subject_key = target.removeprefix("Patient/")
        elif status != BROKEN:
            problems.append(
                Problem.at(
                    where, "subject is not a Patient of this file or export", f"{rtype}.subject", "reference"
                )
            )
    elif rtype in CLINICAL_TYPES:
        problems.append(
            Problem.at(where, "required element is missing (the patient)", f"{rtype}.subject", "required")
        )
    if problems or report.problems:
        report.problems.extend(problems)
        return
    source_id = index.add(rtype, str(resource.get("id") or ""), entry.full_url)
    patient_key = source_id.removeprefix("Patient/") if rtype == "Patient" else ""
    try:
        reading = read_resource(
            resource,
            source_id,
            f"Patient/{subject_key}",
            patient_key=patient_key[:64],
            medications=medications,
        )
    except ReadError as exc:
        report.problems.append(Problem.at(where, exc.message, f"{rtype}.{exc.path}", "invalid"))
        return
    if not reading.stored:
        report.not_stored[rtype] += 1
    for note in reading.notes:
        report.notes[f"{note.kind}: {note.value}"] += 1
    source_file = where.file
    for fact in reading.facts:
        if rtype == "Patient":
            writer.add_patient(fact, source_file)
            report.organizations[fact.key] = _organization(fact.managing_organization, index, organizations)
            continue
        if hasattr(fact, "condition") and fact.condition:
            status, target = index.resolve(fact.condition)
            fact.condition = target if status == RESOLVED else ""
        writer.add(fact, subject_key, source_file)


def _organization(
    reference: dict[str, Any] | None, index: ReferenceIndex, organizations: dict[str, Any]
) -> Organization | None:
    if reference is None:
        return None
    _, target = index.resolve(str(reference.get("reference") or ""))
    return organization_of(reference, organizations.get(target))


__all__ = ["FileReport", "ImportReport", "Location", "import_bytes", "import_paths", "upload"]
