"""The workflow's rules as plain data: which moves are allowed and what each needs."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.screening import workflow
from apps.screening.workflow import Move

TODAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize(
    ("status", "to"),
    [
        ("new", "under_review"),
        ("under_review", "contacted"),
        ("contacted", "screening"),
        ("screening", "enrolled"),
        ("new", "deferred"),
        ("screening", "declined"),
        ("deferred", "under_review"),
        ("not_eligible", "under_review"),
    ],
)
def test_allowed_moves(status: str, to: str) -> None:
    assert to in workflow.allowed_moves(status)


@pytest.mark.parametrize(
    ("status", "to"), [("new", "enrolled"), ("new", "screening"), ("enrolled", "declined")]
)
def test_skipping_steps_or_leaving_an_enrolment_is_refused(status: str, to: str) -> None:
    change = Move(to=to, reason="x", consent_date=TODAY)

    assert "to" in workflow.problems(status, change, today=TODAY)


def test_not_eligible_needs_a_criterion_or_a_reason() -> None:
    assert workflow.problems("new", Move(to="not_eligible"), today=TODAY) == {
        "reason": "say why: pick the failing criterion or write the reason"
    }
    assert workflow.problems("new", Move(to="not_eligible", failing_criterion="I2"), today=TODAY) == {}
    assert workflow.problems("new", Move(to="not_eligible", reason="ECOG 3 at clinic"), today=TODAY) == {}


def test_declining_needs_a_reason_and_deferral_a_future_date() -> None:
    assert "reason" in workflow.problems("contacted", Move(to="declined", reason="  "), today=TODAY)
    assert "deferred_until" in workflow.problems("new", Move(to="deferred"), today=TODAY)
    assert "deferred_until" in workflow.problems(
        "new", Move(to="deferred", deferred_until=TODAY), today=TODAY
    )
    assert (
        workflow.problems(
            "new", Move(to="deferred", deferred_until=TODAY + dt.timedelta(days=1)), today=TODAY
        )
        == {}
    )


def test_enrolment_needs_consent_not_in_the_future_and_on_study_not_before_it() -> None:
    assert "consent_date" in workflow.problems("screening", Move(to="enrolled"), today=TODAY)
    late = Move(to="enrolled", consent_date=TODAY + dt.timedelta(days=1))
    assert "consent_date" in workflow.problems("screening", late, today=TODAY)
    backwards = Move(to="enrolled", consent_date=TODAY, on_study_date=TODAY - dt.timedelta(days=1))
    assert "on_study_date" in workflow.problems("screening", backwards, today=TODAY)


def test_every_status_maps_onto_a_fhir_research_subject_status() -> None:
    fhir_codes = {
        "candidate", "eligible", "follow-up", "ineligible", "not-registered", "off-study", "on-study",
        "on-study-intervention", "on-study-observation", "pending-on-study", "potential-candidate",
        "screening", "withdrawn",
    }  # fmt: skip

    assert set(workflow.FHIR_STATUS) == set(workflow.STATUSES)
    assert set(workflow.FHIR_STATUS.values()) <= fhir_codes
    assert workflow.FHIR_STATUS["enrolled"] == "on-study"
