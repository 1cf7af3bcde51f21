"""Export of the current results (JSON per match-export.schema.json, or CSV), audited as an access."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.db.models import Count, Max, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone

from apps.audit import services as audit
from apps.audit.models import AuditEvent
from apps.patients.models import Patient
from apps.trials.models import Arm, CriteriaVersion, Trial

from ..models import IneligibleBlock, Match, MatchQuerySet, VerdictPattern
from . import ineligible

FORMATS = ("json", "csv")
CSV_COLUMNS = [
    "trial",
    "arm",
    "patient",
    "status",
    "score",
    "molecular_fit",
    "phenotypic_fit",
    "rank",
    "rank_for_patient",
    "unknown_count",
    "first_failing",
    "missing",
]


class ExportError(ValueError):
    """The export cannot be made as asked; the message names the unknown trial or option."""


def _check_statuses(statuses: list[str] | None) -> None:
    unknown = [s for s in statuses or [] if s not in Match.Status.values]
    if unknown:
        raise ExportError(f"unknown status(es): {', '.join(unknown)}; use {', '.join(Match.Status.values)}")


def _check_trial(trial: str | None) -> None:
    if trial is not None and not Trial.objects.filter(trial_id=trial).exists():
        raise ExportError(f"unknown trial id: {trial}")


def current_matches(*, trial: str | None = None, statuses: list[str] | None = None) -> MatchQuerySet:
    """Stored `Match` rows (eligible and possible pairs) computed with each trial's current criteria
    version, ranked within each trial arm. Ineligible pairs are in the packed blocks."""
    latest = (
        CriteriaVersion.objects.filter(trial=OuterRef("trial"))
        .values("trial")
        .annotate(n=Max("number"))
        .values("n")
    )
    qs = Match.objects.filter(criteria_version__number=Subquery(latest))
    _check_trial(trial)
    if trial is not None:
        qs = qs.filter(trial__trial_id=trial)
    _check_statuses(statuses)
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs.select_related("trial", "arm", "patient", "pattern").ranked()


def _current_blocks(trial: str | None) -> QuerySet[IneligibleBlock]:
    latest = (
        CriteriaVersion.objects.filter(trial=OuterRef("trial"))
        .values("trial")
        .annotate(n=Max("number"))
        .values("n")
    )
    qs = IneligibleBlock.objects.filter(criteria_version__number=Subquery(latest))
    if trial is not None:
        qs = qs.filter(trial__trial_id=trial)
    return qs


class _Names:
    """Patient keys and verdict patterns by primary key, read in batches and kept for the export."""

    def __init__(self) -> None:
        self.keys: dict[int, str] = {}
        self.patterns: dict[int, tuple[list[Any], list[str]]] = {}

    def patients(self, pks: set[int]) -> dict[int, str]:
        wanted = sorted(pks - self.keys.keys())
        for start in range(0, len(wanted), 900):
            self.keys.update(
                Patient.objects.filter(pk__in=wanted[start : start + 900]).values_list("pk", "key")
            )
        return self.keys

    def verdicts(self, pks: set[int]) -> dict[int, tuple[list[Any], list[str]]]:
        wanted = sorted(pks - self.patterns.keys())
        for start in range(0, len(wanted), 900):
            rows = VerdictPattern.objects.filter(pk__in=wanted[start : start + 900])
            self.patterns.update((pk, (v, m)) for pk, v, m in rows.values_list("pk", "verdicts", "missing"))
        return self.patterns


def _actionable_raw(trial_pk: int | None) -> Iterator[tuple[Any, ...]]:
    """Current eligible and possible rows with each pair's rank among its patient's current results
    (eligible first, by score, then trial id and arm code), computed by the database when read; ordered
    by trial id. For one trial, the window still spans all trials of that trial's patients."""
    m = connection.ops.quote_name(Match._meta.db_table)
    t = connection.ops.quote_name(Trial._meta.db_table)
    a = connection.ops.quote_name(Arm._meta.db_table)
    latest: dict[int, tuple[int, int]] = {}
    for trial, number, pk in CriteriaVersion.objects.values_list("trial_id", "number", "pk"):
        if trial not in latest or number > latest[trial][0]:
            latest[trial] = (number, pk)
    current = ", ".join(str(int(pk)) for _, pk in latest.values()) or "NULL"  # our own integer keys
    scope = ""
    # Byte order, as Python sorts the trial ids the rows are merged with.
    collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    params: list[Any] = []
    if trial_pk is not None:
        scope = f"AND m.patient_id IN (SELECT patient_id FROM {m} WHERE trial_id = %s)"
        params.append(trial_pk)
    sql = f"""
        WITH ranked AS (
            SELECT m.trial_id, t.trial_id AS trial_name, a.code AS arm_code, m.patient_id, m.status, m.score,
                m.molecular_fit, m.phenotypic_fit, m.unknown_count, m.as_of, m.criteria_version_id,
                m.pattern_id,
                ROW_NUMBER() OVER (
                    PARTITION BY m.patient_id
                    ORDER BY m.status, m.score DESC, t.trial_id, COALESCE(a.code, '')
                ) AS rank_for_patient
            FROM {m} m JOIN {t} t ON t.id = m.trial_id LEFT JOIN {a} a ON a.id = m.arm_id
            WHERE m.criteria_version_id IN ({current}) AND m.status IN ('eligible', 'possible') {scope}
        )
        SELECT * FROM ranked {"WHERE trial_id = %s" if trial_pk is not None else ""}
        ORDER BY trial_name{collate}, trial_id
    """
    if trial_pk is not None:
        params.append(trial_pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            batch = cursor.fetchmany(5000)
            if not batch:
                return
            yield from batch


def _actionable_rows(raw: list[tuple[Any, ...]], names: _Names, statuses: set[str]) -> list[dict[str, Any]]:
    """One trial's eligible and possible rows, ranked within each arm (eligible first, by score, patient)."""
    keys = names.patients({r[3] for r in raw})
    patterns = names.verdicts({r[11] for r in raw})
    order = {Match.Status.ELIGIBLE.value: 0, Match.Status.POSSIBLE.value: 1}
    raw = sorted(raw, key=lambda r: (r[2] or "", order[r[4]], -r[5], keys[r[3]]))
    rows: list[dict[str, Any]] = []
    position: Counter[str | None] = Counter()
    for _, trial_id, arm, patient, status, score, mfit, pfit, unknown, as_of, version, pattern, rfp in raw:
        position[arm] += 1
        if status not in statuses:
            continue
        verdicts, missing = patterns[pattern]
        rows.append(
            {
                "trial": trial_id,
                "arm": arm,
                "patient": keys[patient],
                "status": status,
                "score": score,
                "molecular_fit": mfit,
                "phenotypic_fit": pfit,
                "rank": position[arm],
                "rank_for_patient": rfp,
                "criteria": [
                    {"id": str(v.get("id")), "verdict": v.get("verdict"), "evidence": v.get("evidence")}
                    for v in verdicts
                ],
                "missing": list(missing),
                "unknown_count": unknown,
                "first_failing": None,
                "as_of": as_of if isinstance(as_of, str) else as_of.isoformat(),
                "criteria_version": version,
            }
        )
    return rows


def _ineligible_rows(trial_pk: int, trial_id: str, names: _Names) -> list[dict[str, Any]]:
    """The trial's current ineligible pairs as export rows; per arm ranked after its eligible and possible
    pairs (by score, then patient)."""
    blocks = _current_blocks(None).filter(trial_id=trial_pk)
    found = list(ineligible.entries(blocks))
    if not found:
        return []
    arm_codes = dict(Arm.objects.filter(trial_id=trial_pk).values_list("pk", "code"))
    actionable: Counter[tuple[int | None, int]] = Counter(
        {
            (arm, version): n
            for arm, version, n in Match.objects.filter(
                trial_id=trial_pk, criteria_version_id__in={e.criteria_version_id for e in found}
            )
            .values_list("arm_id", "criteria_version_id")
            .annotate(n=Count("pk"))
            .order_by()
        }
    )
    keys = names.patients({e.patient_id for e in found})
    found.sort(key=lambda e: (e.arm_id or 0, -e.score, keys[e.patient_id]))
    rows: list[dict[str, Any]] = []
    position: Counter[int | None] = Counter()
    for entry in found:
        position[entry.arm_id] += 1
        rows.append(
            {
                "trial": trial_id,
                "arm": arm_codes.get(entry.arm_id) if entry.arm_id is not None else None,
                "patient": keys[entry.patient_id],
                "status": Match.Status.INELIGIBLE.value,
                "score": entry.score,
                "molecular_fit": entry.molecular_fit,
                "phenotypic_fit": entry.phenotypic_fit,
                "rank": actionable[(entry.arm_id, entry.criteria_version_id)] + position[entry.arm_id],
                "rank_for_patient": None,
                "criteria": [{"id": entry.first_failing, "verdict": "not_met", "evidence": None}],
                "missing": [],
                "unknown_count": entry.unknown_count,
                "first_failing": entry.first_failing,
                "as_of": entry.as_of.isoformat(),
                "criteria_version": entry.criteria_version_id,
            }
        )
    return rows


def current_rows(*, trial: str | None = None, statuses: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every current pair of the asked statuses (default all) as export rows, trial by trial (by id), within
    a trial by arm code and rank: each arm's eligible and possible pairs (stored `Match` rows, ranked now),
    then its ineligible pairs rebuilt from the packed blocks, with their first failing criterion."""
    _check_trial(trial)
    _check_statuses(statuses)
    wanted = set(statuses or Match.Status.values)
    stored_statuses = wanted - {Match.Status.INELIGIBLE}
    trials = Trial.objects.all() if trial is None else Trial.objects.filter(trial_id=trial)
    ordered = sorted(trials.values_list("pk", "trial_id"), key=lambda t: t[1])
    names = _Names()
    stream: Iterator[tuple[Any, ...]] = iter(())
    if stored_statuses:
        stream = _actionable_raw(None if trial is None else ordered[0][0] if ordered else -1)
    pending = next(stream, None)
    for trial_pk, trial_id in ordered:
        raw: list[tuple[Any, ...]] = []
        # Skip rows of trials not listed (none: every trial is), gather this trial's rows.
        while pending is not None and pending[1] < trial_id:
            pending = next(stream, None)
        while pending is not None and pending[0] == trial_pk:
            raw.append(pending)
            pending = next(stream, None)
        rows = _actionable_rows(raw, names, stored_statuses) if raw else []
        if Match.Status.INELIGIBLE in wanted:
            rows.extend(_ineligible_rows(trial_pk, trial_id, names))
        rows.sort(key=lambda r: (r["arm"] or "", r["rank"], r["patient"]))
        yield from rows


def as_dict(match: Match) -> dict[str, Any]:
    """One stored match as an export row, without ranks (for a page showing a single pair)."""
    return {
        "trial": match.trial.trial_id,
        "arm": match.arm.code if match.arm is not None else None,
        "patient": match.patient.key,
        "status": match.status,
        "score": match.score,
        "molecular_fit": match.molecular_fit,
        "phenotypic_fit": match.phenotypic_fit,
        "criteria": [
            {"id": str(v.get("id")), "verdict": v.get("verdict"), "evidence": v.get("evidence")}
            for v in match.verdicts
        ],
        "missing": match.missing,
        "unknown_count": match.unknown_count,
        "first_failing": None,
        "as_of": match.as_of.isoformat(),
        "criteria_version": match.criteria_version_id,
    }


def _count(trial: str | None, statuses: list[str] | None) -> int:
    wanted = set(statuses or Match.Status.values)
    count = 0
    if wanted - {Match.Status.INELIGIBLE}:
        count += current_matches(trial=trial, statuses=sorted(wanted - {Match.Status.INELIGIBLE})).count()
    if Match.Status.INELIGIBLE in wanted:
        count += _current_blocks(trial).aggregate(n=Sum("size"))["n"] or 0
    return count


def _json_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield '{"generated_at": ' + json.dumps(timezone.now().isoformat()) + ', "matches": ['
    for i, row in enumerate(rows):
        yield ("\n" if i == 0 else ",\n") + json.dumps(row)
    yield "\n]}\n"


def _csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        row["missing"] = "; ".join(row["missing"])
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_matches(
    out: io.TextIOBase | Any,
    *,
    fmt: str = "json",
    trial: str | None = None,
    statuses: list[str] | None = None,
    user: User | AnonymousUser | None = None,
) -> int:
    """Write the ranked current results to `out`; one access audit row (PROMISES 12-13). Returns the count."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use json or csv")
    _check_trial(trial)
    _check_statuses(statuses)
    with transaction.atomic():
        count = _count(trial, statuses)
        audit.record(
            actor=user,
            actor_label="" if user is not None else "export_matches",
            kind=AuditEvent.Kind.ACCESS,
            action="matching.export",
            object_type="trials.Trial" if trial else "",
            object_id=trial or "",
            details={"format": fmt, "statuses": statuses or "all", "rows": count},
        )
    for piece in (_json_lines if fmt == "json" else _csv_lines)(current_rows(trial=trial, statuses=statuses)):
        out.write(piece)
    return count
