"""A real Celery worker process on Redis runs tasks against the real PostgreSQL."""

import pytest

from apps.audit import services as audit
from apps.audit import tasks
from apps.audit.models import AuditEvent

from .conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_worker_process_runs_audit_verification_task_against_postgres(start_worker):
    start_worker()
    audit.record(actor=None, actor_label="test", action="test.seed")

    tasks.verify_chain.delay()

    wait_for(lambda: AuditEvent.objects.filter(action="audit.verify").exists(), what="the worker's audit row")
    row = AuditEvent.objects.get(action="audit.verify")
    assert row.details == {"events": 1, "problems": []}
