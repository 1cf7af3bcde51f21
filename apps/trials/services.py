"""Trial intake: import files of trials, one transaction and one audit row per file; criteria versions."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.text import slugify

from apps.accounts.models import Site, Sponsor
from apps.audit import services as audit
from apps.audit.reasons import safe_reason
from apps.matching import selectors as matching_selectors
from apps.matching import services as matching
from apps.screening import services as screening

from . import importers
from .importers import ArmRecord, Problem, TrialRecord
from .models import Arm, CriteriaVersion, Trial, TrialLocation, TrialQuerySet, text_digest

ACTOR_LABEL = "import_trials"


@dataclass
class FileReport:
    """What importing one file did; a rejected file saved nothing."""

    file: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_versions: int = 0
    rejected: bool = False
    errors: list[dict[str, str]] = field(default_factory=list)
    unknown_values: list[dict[str, str]] = field(default_factory=list)
    parse_failures: list[dict[str, str]] = field(default_factory=list)

    @property
    def trials(self) -> int:
        return self.created + self.updated + self.unchanged

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "new_versions": self.new_versions,
        }


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> list[FileReport]:
        return [f for f in self.files if f.rejected]

    @property
    def ok(self) -> bool:
        return not self.rejected

    def totals(self) -> dict[str, int]:
        keys = ("created", "updated", "unchanged", "new_versions")
        totals = {key: sum(getattr(f, key) for f in self.files) for key in keys}
        totals["files"] = len(self.files)
        totals["rejected_files"] = len(self.rejected)
        return totals

    def extend(self, other: ImportReport) -> None:
        self.files += other.files
        self.skipped += other.skipped

    def as_dict(self) -> dict[str, Any]:
        return {
            "totals": self.totals(),
            "files": [asdict(f) for f in self.files],
            "skipped": self.skipped,
        }


def import_paths(
    paths: Iterable[str | os.PathLike[str]], *, actor: User | AnonymousUser | None = None
) -> ImportReport:
    """`import_path` for each of several files or folders, one report."""
    report = ImportReport()
    for path in paths:
        report.extend(import_path(path, actor=actor))
    return report


def import_path(path: str | os.PathLike[str], *, actor: User | AnonymousUser | None = None) -> ImportReport:
    """Import a file, or every trial file under a folder (recursively, in name order).

    Files are independent: each is saved in its own transaction or rejected whole.
    """
    root = Path(path)
    report = ImportReport()
    if root.is_dir():
        for candidate in sorted(p for p in root.rglob("*") if p.is_file()):
            if any(part.startswith(".") for part in candidate.relative_to(root).parts):
                continue
            if importers.is_importable_name(candidate.name):
                report.files.append(_import_file(candidate, actor))
            else:
                report.skipped.append(str(candidate))
    elif root.is_file():
        report.files.append(_import_file(root, actor))
    else:
        report.files.append(_rejected(str(root), [Problem(str(root), "", "", "no such file or folder")]))
    return report


def import_bytes(name: str, data: bytes, *, actor: User | AnonymousUser | None = None) -> ImportReport:
    """Import one uploaded file's content (the admin upload); `name` says its format by suffix."""
    return ImportReport(files=[_import_content(name, data, actor)])


def _import_file(path: Path, actor: User | AnonymousUser | None) -> FileReport:
    name = str(path)
    limit = settings.MAX_UPLOAD_BYTES
    try:
        size = path.stat().st_size
        if size > limit:
            return _rejected(
                name,
                [Problem(name, "", "", f"the file is {size} bytes, over the upload limit of {limit} bytes")],
            )
        data = path.read_bytes()
    except OSError as exc:
        return _rejected(name, [Problem(name, "", "", f"cannot read the file: {exc.strerror}")])
    return _import_content(name, data, actor)


def _rejected(name: str, problems: Iterable[Problem]) -> FileReport:
    """A refused file, audited (PROMISES 12): its name and how many problems, not their text."""
    report = FileReport(file=name, rejected=True, errors=[p.as_dict() for p in problems])
    audit.record(
        actor=None,
        actor_label=ACTOR_LABEL,
        action="trials.import_rejected",
        object_type="file",
        object_id=Path(name).name[:200],
        details={"errors": len(report.errors)},
    )
    return report


def _import_content(name: str, data: bytes, actor: User | AnonymousUser | None) -> FileReport:
    parsed = importers.parse_file(name, data, max_bytes=settings.MAX_UPLOAD_BYTES)
    if not parsed.ok:
        return _rejected(name, parsed.problems)
    report = FileReport(file=name)
    report.unknown_values = [u.as_dict() for r in parsed.records for u in r.unknown_values]
    current = ""
    try:
        with transaction.atomic():
            for record in parsed.records:
                current = record.label
                _save_trial(record, name, actor, report)
            audit.record(
                actor=actor,
                actor_label=ACTOR_LABEL,
                action="trials.import",
                object_type="file",
                object_id=Path(name).name[:200],
                details={**report.counts(), "trials": report.trials, "format": parsed.format},
            )
    except (DatabaseError, ValidationError) as exc:
        # The reason names the error class and constraint, never the exception text (PROMISES 22).
        return _rejected(name, [Problem(name, current, "", f"could not be saved: {safe_reason(exc)}")])
    return report


def _save_trial(
    record: TrialRecord, file_name: str, actor: User | AnonymousUser | None, report: FileReport
) -> None:
    sponsor = Sponsor.objects.get_or_create(name=record.sponsor)[0] if record.sponsor else None
    values: dict[str, Any] = {
        "source": record.source,
        "title": record.title,
        "official_title": record.official_title,
        "phase": record.phase[:60],
        "overall_status": record.overall_status[:40],
        "sponsor": sponsor,
        "conditions": record.conditions,
        "min_age_years": record.min_age_years,
        "max_age_years": record.max_age_years,
        "sex": record.sex,
        "eligibility_text": record.eligibility_text,
        "source_file": file_name[-500:],
        "raw": record.raw,
    }
    trial = Trial.objects.filter(trial_id=record.trial_id).first()
    reopened = trial is not None and _reopens(trial.overall_status, values["overall_status"])
    if trial is None:
        trial = Trial(trial_id=record.trial_id, **values)
        trial.full_clean(validate_unique=False, validate_constraints=False)
        trial.save()
        created = True
        changed = True
        changed_fields = []
    else:
        created = False
        # Where a trial came from follows its content: the same record from another file changes nothing.
        changed_fields = [
            name for name, value in values.items() if name != "source_file" and getattr(trial, name) != value
        ]
        if changed_fields:
            changed_fields.append("source_file")
        for name in changed_fields:
            setattr(trial, name, values[name])
        changed = bool(changed_fields)
        if changed:
            trial.full_clean(validate_unique=False, validate_constraints=False)
            trial.save(update_fields=[*changed_fields, "updated_at"])
    if reopened:
        screening.notify_reopened(trial=trial)
    changed |= _sync_arms(trial, record.arms)
    changed |= _sync_sites(trial, record.sites)
    if _new_version_if_changed(trial, record, actor, report):
        report.new_versions += 1
        changed = True
    if created:
        report.created += 1
    elif changed:
        if not changed_fields:
            trial.save(update_fields=["updated_at"])
        report.updated += 1
    else:
        report.unchanged += 1


def _reopens(old: str, new: str) -> bool:
    """A trial that had closed (not a new one) opens to accrual again."""
    opened = ("RECRUITING", "ENROLLING_BY_INVITATION")
    return bool(old) and old not in TrialQuerySet.RECRUITING_STATUSES and new in opened


def _sync_arms(trial: Trial, records: list[ArmRecord]) -> bool:
    """Make the trial's arms exactly `records` (matched by code); True if anything changed."""
    existing = {arm.code: arm for arm in trial.arms.all()}
    wanted = {record.code for record in records}
    changed = False
    stale = [arm.pk for code, arm in existing.items() if code not in wanted]
    if stale:
        # An arm that results point at is closed, never deleted (deleting it would delete them).
        kept = matching_selectors.arms_with_results(stale)
        closing = Arm.objects.filter(pk__in=kept).exclude(status=Arm.Status.CLOSED)
        changed |= bool(closing.update(status=Arm.Status.CLOSED))
        deleted, _ = Arm.objects.filter(pk__in=set(stale) - kept).delete()
        changed |= bool(deleted)
    saved: dict[str, Arm] = {}
    for record in records:
        parent = saved.get(record.parent_code) if record.parent_code else None
        values = {
            "kind": record.kind,
            "parent": parent,
            "description": record.description,
            "status": record.status,
            "eligibility_text": record.eligibility_text,
            "match_tree": record.match_tree,
        }
        arm = existing.get(record.code)
        if arm is None:
            arm = Arm.objects.create(trial=trial, code=record.code, **values)
            changed = True
        else:
            differing = [name for name, value in values.items() if getattr(arm, name) != value]
            if arm.status == Arm.Status.CLOSED and record.status == Arm.Status.OPEN:
                matching.rematch_later(trial_ids=[trial.pk])  # reopened: its patients may match again
            if differing:
                reopened = arm.status == Arm.Status.CLOSED and record.status == Arm.Status.OPEN
                for name in differing:
                    setattr(arm, name, values[name])
                arm.save(update_fields=differing)
                changed = True
                if reopened:
                    screening.notify_reopened(trial=trial, arm=arm)
        saved[record.code] = arm
    return changed


def site_code(facility: str) -> str:
    """A stable slug for a facility name (40 characters); names without Latin letters get a digest."""
    slug = slugify(facility)[:40].strip("-")
    return slug or "site-" + hashlib.sha256(facility.encode()).hexdigest()[:12]


def _sync_sites(trial: Trial, facilities: list[str]) -> bool:
    """The trial's locations are exactly `facilities`; `trial.sites` are those that are the centre's own
    sites (an existing `Site` with the facility's code). No `Site` is ever created from a registry record."""
    wanted: dict[str, str] = {}
    for facility in facilities:
        name = facility.strip()[:300]
        if name:
            wanted.setdefault(name, site_code(name))
    own = dict(Site.objects.filter(code__in=set(wanted.values())).values_list("code", "pk"))
    existing = {loc.facility: loc for loc in trial.locations.all()}
    changed = False
    stale = [loc.pk for name, loc in existing.items() if name not in wanted]
    if stale:
        TrialLocation.objects.filter(pk__in=stale).delete()
        changed = True
    new = [
        TrialLocation(trial=trial, facility=name, site_id=own.get(code))
        for name, code in wanted.items()
        if name not in existing
    ]
    if new:
        TrialLocation.objects.bulk_create(new)
        changed = True
    for name, loc in existing.items():
        if name in wanted and loc.site_id != own.get(wanted[name]):
            loc.site_id = own.get(wanted[name])
            loc.save(update_fields=["site"])
            changed = True
    sites = set(own.values())
    if sites != set(trial.sites.values_list("pk", flat=True)):
        trial.sites.set(sites)
        changed = True
    return changed


def _new_version_if_changed(
    trial: Trial, record: TrialRecord, actor: User | AnonymousUser | None, report: FileReport
) -> bool:
    """Version N+1 when the eligibility text or the structured criteria changed; earlier ones stay."""
    created, failure = new_version_if_changed(
        trial,
        text=record.eligibility_text,
        structured=record.structured,
        actor=actor,
        actor_label=ACTOR_LABEL,
    )
    if failure:
        report.parse_failures.append({"record": record.label, "message": failure})
    return created


def new_version_if_changed(
    trial: Trial,
    *,
    text: str,
    structured: Any,
    actor: User | AnonymousUser | None,
    actor_label: str = "",
) -> tuple[bool, str]:
    """Version N+1 (parsed, audited) when `text` or `structured` differ from the current version's; returns
    whether one was made and why parsing it failed ("" when it did not)."""
    latest = trial.current_version()
    if latest is not None and latest.text == text and latest.structured == structured:
        return False, ""
    version = CriteriaVersion.objects.create(
        trial=trial,
        number=1 if latest is None else latest.number + 1,
        text=text,
        text_sha256=text_digest(text),
        structured=structured,
    )
    failure = _parse_criteria(version)
    matching.rematch_later(criteria_version_ids=[version.pk])
    audit.record(
        actor=actor,
        actor_label=actor_label,
        action="trials.criteria_version_created",
        object_type="trial",
        object_id=trial.trial_id,
        field="criteria_version",
        old=None if latest is None else {"number": latest.number, "text_sha256": latest.text_sha256},
        new={"number": version.number, "text_sha256": version.text_sha256},
    )
    return True, failure


def _parse_criteria(version: CriteriaVersion) -> str:
    """Run the criteria parser on a new version; returns why it failed ("" on success)."""
    try:
        from apps.criteria.services import parse_version
    except ModuleNotFoundError as missing:
        if missing.name != "apps.criteria.services":
            raise
        parse_version = _parse_with_parser_only
    try:
        with transaction.atomic():  # a savepoint: a failed parse leaves the import's transaction usable
            parse_version(version)
    except Exception as exc:  # a parser bug must not make a valid trial unimportable
        return f"criteria parser failed: {type(exc).__name__}"
    return ""


def _parse_with_parser_only(
    version: CriteriaVersion, *, cause: str = "parse", user: Any = None
) -> CriteriaVersion:
    from apps.criteria.parser import PARSER_VERSION, parse

    version.parsed = parse(version.text)
    version.parser_version = PARSER_VERSION
    version.save(update_fields=["parsed", "parser_version"])
    return version
