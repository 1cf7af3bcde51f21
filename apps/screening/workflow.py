"""The match workflow as plain data (no Django): statuses, allowed moves, what each move requires, and the
mapping onto FHIR R4 ResearchSubject.status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

NEW = "new"
UNDER_REVIEW = "under_review"
CONTACTED = "contacted"
SCREENING = "screening"
ENROLLED = "enrolled"
NOT_ELIGIBLE = "not_eligible"
DECLINED = "declined"
DEFERRED = "deferred"

LABELS = {
    NEW: "New",
    UNDER_REVIEW: "Under review",
    CONTACTED: "Contacted",
    SCREENING: "Screening",
    ENROLLED: "Enrolled",
    NOT_ELIGIBLE: "Not eligible",
    DECLINED: "Declined",
    DEFERRED: "Deferred",
}
STATUSES = tuple(LABELS)

# FHIR R4 ResearchSubject.status (http://hl7.org/fhir/research-subject-status).
FHIR_STATUS = {
    NEW: "potential-candidate",
    UNDER_REVIEW: "potential-candidate",
    CONTACTED: "candidate",
    SCREENING: "screening",
    ENROLLED: "on-study",
    NOT_ELIGIBLE: "ineligible",
    DECLINED: "not-registered",
    DEFERRED: "candidate",
}

# Any open status may also end (not eligible, declined) or wait (deferred).
_FORWARD = {NEW: UNDER_REVIEW, UNDER_REVIEW: CONTACTED, CONTACTED: SCREENING, SCREENING: ENROLLED}
OPEN = (NEW, UNDER_REVIEW, CONTACTED, SCREENING)
CLOSED = (ENROLLED, NOT_ELIGIBLE, DECLINED)
AWAITING_DECISION = (NEW, UNDER_REVIEW)


def allowed_moves(status: str) -> tuple[str, ...]:
    """Where a match in `status` may go next."""
    if status in _FORWARD:
        return (_FORWARD[status], NOT_ELIGIBLE, DECLINED, DEFERRED)
    if status in (NOT_ELIGIBLE, DECLINED, DEFERRED):
        return (UNDER_REVIEW,)  # reopened, e.g. when a deferral is due
    return ()


@dataclass(frozen=True)
class Move:
    """What a person asks for: the target status and what it needs."""

    to: str
    reason: str = ""
    failing_criterion: str = ""
    deferred_until: dt.date | None = None
    consent_date: dt.date | None = None
    on_study_date: dt.date | None = None


def problems(status: str, move: Move, *, today: dt.date) -> dict[str, str]:
    """{field: message} of everything wrong with `move` from `status`; empty when it may be made."""
    out: dict[str, str] = {}
    if move.to not in LABELS:
        return {"to": f"unknown status {move.to!r}"}
    if move.to not in allowed_moves(status):
        allowed = ", ".join(LABELS[s] for s in allowed_moves(status)) or "none: the workflow has ended"
        out["to"] = (
            f"a match that is {LABELS[status].lower()} cannot become {LABELS[move.to].lower()}"
            f" (allowed: {allowed})"
        )
    if move.to == NOT_ELIGIBLE and not (move.reason.strip() or move.failing_criterion):
        out["reason"] = "say why: pick the failing criterion or write the reason"
    if move.to == DECLINED and not move.reason.strip():
        out["reason"] = "say why the patient declined"
    if move.to == DEFERRED:
        if move.deferred_until is None:
            out["deferred_until"] = "a deferred match needs the date it returns to the worklist"
        elif move.deferred_until <= today:
            out["deferred_until"] = "the date a deferral ends must be in the future"
    if move.to == ENROLLED:
        if move.consent_date is None:
            out["consent_date"] = "an enrolment needs the consent date"
        elif move.consent_date > today:
            out["consent_date"] = "the consent date cannot be in the future"
        if move.on_study_date is not None and move.consent_date and move.on_study_date < move.consent_date:
            out["on_study_date"] = "the on-study date cannot precede consent"
    return out
