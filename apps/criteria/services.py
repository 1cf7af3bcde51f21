"""Parse criteria versions into parsed revisions, apply and record reviewers' corrections, re-parse and
approve versions (audited)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.audit import services as audit
from apps.matching import services as matching
from apps.matching.eligibility import ctml_to_criteria
from apps.trials.models import CriteriaVersion, ParsedRevision

from . import plausibility
from .models import CriteriaCorrection
from .parser import PARSER_VERSION, parse

_EDITABLE = ("kind", "rule", "negated", "section", "computable", "operator", "children", "text", "span")


def _walk(criteria: list[dict[str, Any]]) -> Iterable[tuple[list[dict[str, Any]], int, dict[str, Any]]]:
    for i, c in enumerate(criteria):
        yield criteria, i, c
        yield from _walk(c.get("children", []))


def apply_corrections(parsed: dict[str, Any], corrections: Iterable[CriteriaCorrection]) -> dict[str, Any]:
    """A copy of `parsed` with the corrections applied in order; ones naming a missing id are skipped."""
    out = copy.deepcopy(parsed)
    criteria: list[dict[str, Any]] = out.setdefault("criteria", [])
    for corr in corrections:
        payload = dict(corr.payload or {})
        if corr.action == CriteriaCorrection.Action.ADD:
            new = {
                "id": corr.criterion_id,
                "section": payload.get("section", "inclusion"),
                "text": payload.get("text", ""),
                "span": payload.get("span", [0, 0]),
                "kind": payload.get("kind", "other"),
                "computable": payload.get("computable", True),
                "negated": bool(payload.get("negated", False)),
                "entities": [],
                "rule": payload.get("rule", {}),
                "corrected": True,
            }
            criteria.append(new)
            continue
        for siblings, i, c in list(_walk(criteria)):
            if c["id"] != corr.criterion_id:
                continue
            if corr.action == CriteriaCorrection.Action.DROP:
                del siblings[i]
            else:
                c.update({k: v for k, v in payload.items() if k in _EDITABLE})
                c["corrected"] = True
                c["confidence"] = 1.0
            break
    return out


def parse_version(
    version: CriteriaVersion, *, cause: str = ParsedRevision.Cause.PARSE, user: User | None = None
) -> CriteriaVersion:
    """Parse the version's text, re-apply its corrections and store the result as the version's next parsed
    revision (its current one), with the reading's plausibility flags (a cohort flag of a match run is kept:
    only approval answers it). Not audited here: its callers are."""
    parsed = apply_corrections(
        parse(version.text or ""), CriteriaCorrection.objects.filter(criteria_version=version)
    )
    with transaction.atomic():
        last = version.revisions.aggregate(n=Max("number"))["n"] or 0
        revision = ParsedRevision.objects.create(
            criteria_version=version,
            number=last + 1,
            parsed=parsed,
            parser_version=PARSER_VERSION,
            cause=cause,
            created_by=user,
        )
        trial = version.trial
        kept = [f for f in version.review_flags or [] if f.get("rule") == plausibility.COHORT]
        version.review_flags = kept + plausibility.reading_flags(
            parsed.get("criteria", []) + _structured_criteria(version.structured),
            title=" ".join(t for t in (trial.title, trial.official_title) if t),
            conditions=[str(c) for c in trial.conditions or []],
        )
        version.parsed = parsed
        version.parser_version = PARSER_VERSION
        version.current_revision = revision
        version.save(update_fields=["parsed", "parser_version", "current_revision", "review_flags"])
    return version


def _structured_criteria(structured: Any) -> list[dict[str, Any]]:
    """The criteria of a record's structured match trees (CTML: the protocol's and every arm's)."""
    if not isinstance(structured, dict):
        return []
    trees = [structured.get("match")] + [
        arm.get("match") for arm in structured.get("arms") or [] if isinstance(arm, dict)
    ]
    out: list[dict[str, Any]] = []
    for tree in trees:
        if tree:
            try:
                out.extend(ctml_to_criteria(tree))
            except (KeyError, TypeError, ValueError):
                continue  # matching reports a broken tree when it reads it; here it just enforces nothing
    return out


@transaction.atomic
def reparse(version: CriteriaVersion, *, actor: User | AnonymousUser | None) -> CriteriaVersion:
    """Parse the version's text again with the current parser (its corrections re-applied) into a new
    revision, audited."""
    before = {"revision": _revision_number(version), "parser_version": version.parser_version}
    parse_version(
        version, cause=ParsedRevision.Cause.REPARSE, user=actor if isinstance(actor, User) else None
    )
    audit.record(
        actor=actor,
        action="trials.criteria_reparsed",
        object_type="trial",
        object_id=version.trial.trial_id,
        field="parser_version",
        old=before,
        new={"revision": _revision_number(version), "parser_version": version.parser_version},
        details={"version": version.number, "criteria": len((version.parsed or {}).get("criteria", []))},
    )
    matching.rematch_later(criteria_version_ids=[version.pk])
    return version


def _revision_number(version: CriteriaVersion) -> int | None:
    revision = version.current_revision
    return revision.number if revision is not None else None


def correct(
    version: CriteriaVersion,
    *,
    user: User,
    criterion_id: str,
    action: str,
    payload: dict[str, Any],
    reason: str,
) -> CriteriaCorrection:
    """Record a correction, re-apply all corrections to the stored parse and write one audit row."""
    if action not in CriteriaCorrection.Action.values:
        raise ValueError(f"unknown correction action {action!r}; expected add, edit or drop")
    if not reason.strip():
        raise ValueError("a correction needs a reason")
    with transaction.atomic():
        before = _find(version.parsed or {}, criterion_id)
        corr = CriteriaCorrection.objects.create(
            criteria_version=version,
            criterion_id=criterion_id,
            action=action,
            payload=payload,
            author=user,
            reason=reason,
        )
        parse_version(version, cause=ParsedRevision.Cause.CORRECTION, user=user)
        audit.record(
            actor=user,
            action="criteria.correct",
            object_type="trials.CriteriaVersion",
            object_id=version.pk,
            field=f"parsed:{criterion_id}",
            old=before,
            new={"action": action, **payload},
            reason=reason,
        )
        matching.rematch_later(criteria_version_ids=[version.pk])  # results follow the corrected parse
    return corr


def approve(version: CriteriaVersion, *, user: User) -> CriteriaVersion:
    with transaction.atomic():
        old = version.approved_at.isoformat() if version.approved_at else None
        version.approved_by = user
        version.approved_at = timezone.now()
        version.save(update_fields=["approved_by", "approved_at"])
        audit.record(
            actor=user,
            action="criteria.approve",
            object_type="trials.CriteriaVersion",
            object_id=version.pk,
            field="approved_at",
            old=old,
            new=version.approved_at.isoformat(),
        )
        if version.review_flags:
            matching.rematch_later(criteria_version_ids=[version.pk])  # the review cap is lifted
    return version


def _find(parsed: dict[str, Any], criterion_id: str) -> dict[str, Any] | None:
    for _, _, c in _walk(parsed.get("criteria", [])):
        if c["id"] == criterion_id:
            return {k: c.get(k) for k in ("kind", "rule", "negated", "section")}
    return None
