"""The audit trail is append-only and tamper-evident (PROMISES 12, 14)."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from apps.audit import services as audit
from apps.audit.models import AuditEvent, AuditTrailIsAppendOnly

pytestmark = pytest.mark.django_db


def _seed(n: int = 3) -> list[AuditEvent]:
    return [audit.record(actor=None, actor_label="test", action=f"test.{i}", new={"i": i}) for i in range(n)]


def test_rows_are_chained_from_genesis():
    first, second, third = _seed()

    assert first.prev_hash == audit.GENESIS
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert list(audit.verify_chain()) == []


def test_saved_row_cannot_be_updated_or_deleted_through_the_model():
    (event,) = _seed(1)

    event.reason = "rewritten"
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()


def test_querysets_refuse_bulk_update_and_delete():
    _seed(2)

    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(action="test.0").update(reason="x")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 2


def _raw_update(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_audit_detects_a_row_altered_behind_the_applications_back():
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the trigger refuses the raw UPDATE itself; tested below")
    events = _seed(3)
    _raw_update("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["tampered", events[1].pk])

    with pytest.raises(CommandError, match="tampered"):
        call_command("verify_audit")
    assert [b.event_id for b in audit.verify_chain()] == [events[1].pk]


def test_verify_audit_detects_a_removed_row():
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the trigger refuses the raw DELETE itself; tested below")
    events = _seed(3)
    _raw_update("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])

    breaks = list(audit.verify_chain())

    assert [b.event_id for b in breaks] == [events[2].pk]
    assert "link" in breaks[0].problem


def test_postgres_trigger_refuses_raw_update_and_delete():
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only; SQLite relies on the hash chain")
    (event,) = _seed(1)

    for sql in (
        "UPDATE audit_auditevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _raw_update(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_audit_row_rolls_back_with_the_change_it_records():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=None, actor_label="test", action="test.doomed")
        raise RuntimeError("the change failed")

    assert not AuditEvent.objects.filter(action="test.doomed").exists()


def test_verify_audit_command_reports_an_intact_trail(capsys):
    _seed(2)

    call_command("verify_audit")

    assert "intact: 2 events" in capsys.readouterr().out
