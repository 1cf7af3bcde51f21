"""TrialMatch: clinical trial matching and cohort stratification."""

from .celery import app as celery_app

__all__ = ("celery_app",)
