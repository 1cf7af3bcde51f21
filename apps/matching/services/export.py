"""Export of the current results (JSON per match-export.schema.json, or CSV), audited as an access."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from apps.audit import services as audit
from apps.audit.models import AuditEvent
from apps.trials.models import CriteriaVersion, Trial

from ..models import Match, MatchQuerySet

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


def current_matches(*, trial: str | None = None, statuses: list[str] | None = None) -> MatchQuerySet:
    """Results computed with each trial's current criteria version, ranked within each trial arm."""
    latest = (
        CriteriaVersion.objects.filter(trial=OuterRef("trial"))
        .values("trial")
        .annotate(n=Max("number"))
        .values("n")
    )
    qs = Match.objects.filter(criteria_version__number=Subquery(latest))
    if trial is not None:
        if not Trial.objects.filter(trial_id=trial).exists():
            raise ExportError(f"unknown trial id: {trial}")
        qs = qs.filter(trial__trial_id=trial)
    if statuses:
        unknown = [s for s in statuses if s not in Match.Status.values]
        if unknown:
            raise ExportError(
                f"unknown status(es): {', '.join(unknown)}; use {', '.join(Match.Status.values)}"
            )
        qs = qs.filter(status__in=statuses)
    return qs.select_related("trial", "arm", "patient").ranked()


def _criteria(match: Match) -> list[dict[str, Any]]:
    if match.status != Match.Status.INELIGIBLE:
        return [
            {"id": str(v.get("id")), "verdict": v.get("verdict"), "evidence": v.get("evidence")}
            for v in match.verdicts
        ]
    return [{"id": match.first_failing, "verdict": "not_met", "evidence": None}]


def as_dict(match: Match) -> dict[str, Any]:
    return {
        "trial": match.trial.trial_id,
        "arm": match.arm.code if match.arm is not None else None,
        "patient": match.patient.key,
        "status": match.status,
        "score": match.score,
        "molecular_fit": match.molecular_fit,
        "phenotypic_fit": match.phenotypic_fit,
        "rank": match.rank_in_trial or 1,
        "rank_for_patient": match.rank_for_patient,
        "criteria": _criteria(match),
        "missing": list(match.missing),
        "unknown_count": match.unknown_count,
        "first_failing": match.first_failing or None,
        "as_of": match.as_of.isoformat(),
        "criteria_version": match.criteria_version_id,
    }


def _json_lines(matches: MatchQuerySet) -> Iterator[str]:
    yield '{"generated_at": ' + json.dumps(timezone.now().isoformat()) + ', "matches": ['
    for i, match in enumerate(matches.iterator(chunk_size=2000)):
        yield ("\n" if i == 0 else ",\n") + json.dumps(as_dict(match))
    yield "\n]}\n"


def _csv_lines(matches: MatchQuerySet) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for match in matches.iterator(chunk_size=2000):
        row = as_dict(match)
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
    matches = current_matches(trial=trial, statuses=statuses)
    with transaction.atomic():
        count = matches.count()
        audit.record(
            actor=user,
            actor_label="" if user is not None else "export_matches",
            kind=AuditEvent.Kind.ACCESS,
            action="matching.export",
            object_type="trials.Trial" if trial else "",
            object_id=trial or "",
            details={"format": fmt, "statuses": statuses or "all", "rows": count},
        )
    for piece in (_json_lines if fmt == "json" else _csv_lines)(matches):
        out.write(piece)
    return count
