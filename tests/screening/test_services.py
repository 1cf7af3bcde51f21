"""Moving matches through the workflow writes the change, its history line and one audit row together."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from apps.audit.models import AuditEvent
from apps.patients.models import Patient
from apps.screening import services as screening
from apps.screening.models import Screening, ScreeningEvent, VerdictFlag
from apps.screening.workflow import Move
from tests.coordinator.world import build_clinic

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


def test_a_move_is_saved_with_history_and_exactly_one_audit_row(
    django_capture_on_commit_callbacks: Any,
) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    patient = clinic.own[0]
    before = AuditEvent.objects.count()

    screening.move(
        user=clinic.alice,
        patient=patient,
        trial=clinic.trial,
        arm=None,
        change=Move(to="under_review"),
        today=TODAY,
    )
    s = screening.move(
        user=clinic.alice, patient=patient, trial=clinic.trial, arm=None,
        change=Move(to="not_eligible", failing_criterion="I2", reason="ECOG 3 today"), today=TODAY,
    )  # fmt: skip

    assert (s.status, s.failing_criterion, s.fhir_status) == ("not_eligible", "I2", "ineligible")
    assert [e.new_value for e in screening.history(s)] == ["not_eligible", "under_review"]
    rows = AuditEvent.objects.filter(action="screening.status_changed").order_by("pk")
    assert AuditEvent.objects.count() == before + 2
    assert [(r.old_value, r.new_value) for r in rows] == [
        ("new", "under_review"),
        ("under_review", "not_eligible"),
    ]
    assert "criterion I2" in rows.last().reason  # type: ignore[union-attr]


def test_a_refused_move_changes_nothing(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)

    with pytest.raises(screening.WorkflowError) as refused:
        screening.move(
            user=clinic.alice,
            patient=clinic.own[0],
            trial=clinic.trial,
            arm=None,
            change=Move(to="enrolled"),
            today=TODAY,
        )

    assert "to" in refused.value.problems and "consent_date" in refused.value.problems
    assert Screening.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="screening.").exists()


def test_a_bulk_move_is_all_or_nothing(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    first, second = clinic.own[0], clinic.own[1]
    screening.move(
        user=clinic.alice,
        patient=first,
        trial=clinic.trial,
        arm=None,
        change=Move(to="under_review"),
        today=TODAY,
    )
    screening.move(
        user=clinic.alice,
        patient=second,
        trial=clinic.trial,
        arm=None,
        change=Move(to="declined", reason="moved away"),
        today=TODAY,
    )

    with pytest.raises(screening.WorkflowError, match=second.key):
        screening.move_many(
            user=clinic.alice, pairs=[(first, clinic.trial, None), (second, clinic.trial, None)],
            change=Move(to="contacted"), today=TODAY,
        )  # fmt: skip

    assert screening.find(first, clinic.trial).status == "under_review"  # type: ignore[union-attr]
    assert screening.find(second, clinic.trial).status == "declined"  # type: ignore[union-attr]


def test_a_deferred_match_is_due_once_its_date_has_come(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    until = TODAY + dt.timedelta(days=30)
    screening.move(
        user=clinic.alice,
        patient=clinic.own[0],
        trial=clinic.trial,
        arm=None,
        change=Move(to="deferred", deferred_until=until),
        today=TODAY,
    )
    mine = Patient.objects.visible_to(clinic.alice)

    assert not screening.due_deferrals(mine, today=until - dt.timedelta(days=1)).exists()
    assert [s.patient.key for s in screening.due_deferrals(mine, today=until)] == [clinic.own[0].key]
    assert not screening.due_deferrals(Patient.objects.visible_to(clinic.dave), today=until).exists()


def test_notes_stay_out_of_the_audit_trail_and_flags_join_the_review_queue(
    django_capture_on_commit_callbacks: Any,
) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    patient = clinic.own[1]

    screening.add_note(
        user=clinic.alice, patient=patient, trial=clinic.trial, arm=None, text="Discussed at tumour board"
    )
    screening.flag_verdict(
        user=clinic.alice,
        patient=patient,
        trial=clinic.trial,
        arm=None,
        criterion_id="I2",
        verdict="unknown",
        comment="ECOG is in the letter",
    )

    assert ScreeningEvent.objects.get(kind="note").text == "Discussed at tumour board"
    audited = AuditEvent.objects.filter(action__in=["screening.note_added", "screening.verdict_flagged"])
    assert audited.count() == 2
    assert not any("tumour board" in str(e.details) or "letter" in str(e.details) for e in audited)
    assert VerdictFlag.objects.get().criterion_id == "I2"
    with pytest.raises(screening.WorkflowError):
        screening.add_note(user=clinic.alice, patient=patient, trial=clinic.trial, arm=None, text="   ")
