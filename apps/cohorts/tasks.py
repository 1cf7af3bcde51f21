"""Cohort tasks: one service call each, ids only."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from apps.cohorts import services


@shared_task(
    name="cohorts.run_stratification",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def run_stratification(*, stratification_id: int) -> None:
    services.run_stratification(stratification_id=stratification_id)
