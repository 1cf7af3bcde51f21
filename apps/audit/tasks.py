"""Scheduled checks of the audit trail."""

from celery import shared_task

from . import services


@shared_task(name="audit.verify_chain")
def verify_chain() -> int:
    return services.verify_and_record()
