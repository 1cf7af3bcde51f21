"""Parse criteria versions, apply and record reviewers' corrections, approve versions (audited)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from apps.audit import services as audit
from apps.trials.models import CriteriaVersion

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


def parse_version(version: CriteriaVersion) -> CriteriaVersion:
    """Parse the version's text, re-apply its corrections, store the result on the version."""
    parsed = parse(version.text or "")
    version.parsed = apply_corrections(parsed, CriteriaCorrection.objects.filter(criteria_version=version))
    version.parser_version = PARSER_VERSION
    version.save(update_fields=["parsed", "parser_version"])
    return version


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
        parse_version(version)
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
    return version


def _find(parsed: dict[str, Any], criterion_id: str) -> dict[str, Any] | None:
    for _, _, c in _walk(parsed.get("criteria", [])):
        if c["id"] == criterion_id:
            return {k: c.get(k) for k in ("kind", "rule", "negated", "section")}
    return None
