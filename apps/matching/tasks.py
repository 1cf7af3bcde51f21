"""Celery entry points of matching: each calls one service."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(
    name="matching.run_match_chunk",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def run_match_chunk(self: Any, *, run_id: int, chunk: int) -> None:
    services.execute_chunk(run_id=run_id, chunk=chunk)


@shared_task(name="matching.requeue_stalled_chunks", acks_late=False)
def requeue_stalled_chunks() -> int:
    """Periodic (Celery beat, `CELERY_BEAT_SCHEDULE`): re-send the chunks that stalled with a lost worker."""
    return services.requeue_all_stalled()


_RETRIED: dict[str, Any] = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 5,
}


@shared_task(name="matching.rematch_patients", **_RETRIED)
def rematch_patients(*, patient_ids: list[int]) -> None:
    """After an import committed: its created or changed patients against every recruiting trial."""
    services.rematch_patients(patient_ids)


@shared_task(name="matching.rematch_criteria_versions", **_RETRIED)
def rematch_criteria_versions(*, version_ids: list[int]) -> None:
    """After an import committed: the trials of its new criteria versions against every patient."""
    services.rematch_criteria_versions(version_ids)


@shared_task(name="matching.rematch_trials", **_RETRIED)
def rematch_trials(*, trial_ids: list[int]) -> None:
    """After an import committed: trials with an arm reopened against every patient."""
    services.rematch_trials(trial_ids)
