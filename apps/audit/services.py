"""The one way to write audit rows, and the check of their hash chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEvent

GENESIS = "0" * 64
_ADVISORY_LOCK_KEY = 7_240_311  # serialises chain appends on PostgreSQL


def _canonical(event: AuditEvent) -> str:
    body = {
        "at": event.at.isoformat(),
        "kind": event.kind,
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "field": event.field,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "reason": event.reason,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def _digest(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event).encode()).hexdigest()


def record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    kind: str = AuditEvent.Kind.CHANGE,
    actor_label: str = "",
    object_type: str = "",
    object_id: str | int = "",
    field: str = "",
    old: Any = None,
    new: Any = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row inside the caller's transaction; if the caller rolls back, so does the row.

    Never put patient identifiers or clinical free text in `details`.
    """
    user = actor if actor is not None and actor.is_authenticated else None
    label = actor_label or (user.get_username() if user is not None else "system")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        last = AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first()
        event = AuditEvent(
            at=timezone.now(),
            kind=kind,
            actor=user,
            actor_label=label[:150],
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            field=field,
            old_value=old,
            new_value=new,
            reason=reason,
            details=details or {},
            prev_hash=last or GENESIS,
        )
        # JSON round trip so the hash covers exactly what the database stores.
        event.old_value = json.loads(json.dumps(old, default=str))
        event.new_value = json.loads(json.dumps(new, default=str))
        event.details = json.loads(json.dumps(event.details, default=str))
        event.hash = _digest(event)
        event.save()
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    problem: str


def verify_chain() -> Iterator[ChainBreak]:
    """Yield every row whose content or link no longer matches the chain."""
    expected_prev = GENESIS
    for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=2000):
        if event.prev_hash != expected_prev:
            yield ChainBreak(event.pk, "link to the previous row is broken (a row was removed or reordered)")
        if _digest(event) != event.hash:
            yield ChainBreak(event.pk, "content does not match its hash (the row was altered)")
        expected_prev = event.hash


def verify_and_record() -> int:
    """Verify the chain and append the outcome as an audit row; returns the number of problems."""
    breaks = list(verify_chain())
    record(
        actor=None,
        actor_label="audit.verify_chain",
        action="audit.verify",
        details={"events": AuditEvent.objects.count(), "problems": [b.event_id for b in breaks][:100]},
    )
    return len(breaks)
