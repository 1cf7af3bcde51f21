"""Check the audit trail's hash chain; exit non-zero if any row was altered, removed or reordered."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.audit import services as audit
from apps.audit.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain (PROMISES 14)."

    def handle(self, *args: Any, **options: Any) -> None:
        breaks = list(audit.verify_chain())
        if breaks:
            for b in breaks:
                self.stderr.write(f"audit event {b.event_id}: {b.problem}")
            raise CommandError(f"audit trail tampered: {len(breaks)} problem(s)")
        self.stdout.write(f"audit trail intact: {AuditEvent.objects.count()} events")
