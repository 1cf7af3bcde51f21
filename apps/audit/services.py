"""The one way to write audit rows, and the check of their hash chain."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.utils import timezone

from .models import AuditCheckpoint, AuditEvent

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
    """Yield every row whose content or link no longer matches the chain, and every checkpoint whose rows
    are no longer all there (the newest rows removed) or whose signature does not match."""
    expected_prev = GENESIS
    for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=2000):
        if event.prev_hash != expected_prev:
            yield ChainBreak(event.pk, "link to the previous row is broken (a row was removed or reordered)")
        if _digest(event) != event.hash:
            yield ChainBreak(event.pk, "content does not match its hash (the row was altered)")
        expected_prev = event.hash
    yield from _verify_checkpoints()


def _signature(last_event_id: int, last_hash: str, events: int) -> str:
    key = hashlib.sha256(b"trialmatch-audit-checkpoint:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, f"{last_event_id}:{last_hash}:{events}".encode(), hashlib.sha256).hexdigest()


def _verify_checkpoints() -> Iterator[ChainBreak]:
    for checkpoint in AuditCheckpoint.objects.order_by("pk"):
        expected = _signature(checkpoint.last_event_id, checkpoint.last_hash, checkpoint.events)
        if not hmac.compare_digest(expected, checkpoint.signature):
            yield ChainBreak(
                checkpoint.last_event_id, f"checkpoint {checkpoint.pk} is not signed by this server"
            )
            continue
        head = AuditEvent.objects.filter(pk=checkpoint.last_event_id).values_list("hash", flat=True).first()
        covered = AuditEvent.objects.filter(pk__lte=checkpoint.last_event_id).count()
        if head != checkpoint.last_hash or covered != checkpoint.events:
            yield ChainBreak(
                checkpoint.last_event_id,
                f"rows covered by checkpoint {checkpoint.pk} are missing: {covered} of {checkpoint.events} "
                "(the newest rows were removed)",
            )


@transaction.atomic
def checkpoint() -> AuditCheckpoint:
    """Sign the chain's current head (and append it to AUDIT_ANCHOR_FILE when set)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
    last = AuditEvent.objects.order_by("-pk").values_list("pk", "hash").first()
    last_id, last_hash = last if last is not None else (0, GENESIS)
    events = AuditEvent.objects.filter(pk__lte=last_id).count()
    row = AuditCheckpoint.objects.create(
        at=timezone.now(),
        last_event_id=last_id,
        last_hash=last_hash,
        events=events,
        signature=_signature(last_id, last_hash, events),
    )
    anchor = getattr(settings, "AUDIT_ANCHOR_FILE", "")
    if anchor:
        with open(anchor, "a", encoding="utf-8") as out:
            out.write(
                json.dumps(
                    {
                        "at": row.at.isoformat(),
                        "last_event_id": last_id,
                        "last_hash": last_hash,
                        "events": events,
                        "signature": row.signature,
                    }
                )
                + "\n"
            )
    return row


def verify_and_record() -> int:
    """Verify the chain and append the outcome as an audit row; returns the number of problems."""
    breaks = list(verify_chain())
    record(
        actor=None,
        actor_label="audit.verify_chain",
        action="audit.verify",
        details={"events": AuditEvent.objects.count(), "problems": [b.event_id for b in breaks][:100]},
    )
    checkpoint()
    return len(breaks)
