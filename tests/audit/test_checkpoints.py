"""PROMISES 14: removing the newest audit rows is detected through signed checkpoints of the chain's head,
which every scheduled verification (Celery beat) writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from apps.audit import services as audit
from apps.audit import tasks
from apps.audit.models import AuditCheckpoint, AuditEvent

pytestmark = pytest.mark.django_db


def _seed(n: int) -> list[AuditEvent]:
    return [audit.record(actor=None, action=f"test.{i}", object_type="thing", object_id=i) for i in range(n)]


def test_removing_the_newest_rows_passes_the_chain_but_not_the_checkpoint() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the trigger refuses the raw DELETE itself")
    _seed(4)
    assert tasks.verify_chain() == 0  # the scheduled task: verifies, then checkpoints the head
    newest = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True)[:2]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id IN (%s, %s)", list(newest))

    breaks = list(audit.verify_chain())

    assert len(breaks) == 1 and "newest rows were removed" in breaks[0].problem
    with pytest.raises(CommandError, match="tampered"):
        call_command("verify_audit")


def test_a_checkpoint_not_signed_by_this_server_is_reported() -> None:
    _seed(2)
    head = AuditEvent.objects.order_by("-pk").first()
    assert head is not None
    AuditCheckpoint.objects.create(
        at=head.at, last_event_id=head.pk, last_hash=head.hash, events=2, signature="0" * 64
    )

    breaks = list(audit.verify_chain())

    assert [b.problem for b in breaks] == [
        f"checkpoint {AuditCheckpoint.objects.get().pk} is not signed by this server"
    ]


def test_checkpoints_are_append_only_and_copied_to_the_anchor_file(tmp_path: Path, settings: Any) -> None:
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "anchor.jsonl")
    _seed(3)

    row = audit.checkpoint()

    line = json.loads((tmp_path / "anchor.jsonl").read_text().splitlines()[-1])
    assert line["last_event_id"] == row.last_event_id and line["signature"] == row.signature
    with pytest.raises(Exception, match="cannot be"):
        row.delete()
    with pytest.raises(Exception, match="cannot be"):
        AuditCheckpoint.objects.all().update(events=0)


def test_verification_is_scheduled_with_celery_beat() -> None:
    from trialmatch.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["verify-audit-chain"]

    assert entry["task"] == tasks.verify_chain.name
    assert entry["task"] in app.tasks
    assert 0 < entry["schedule"] <= 24 * 3600
