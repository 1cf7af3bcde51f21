"""Matching workflows: runs and their chunks, stored results, explanations, export, incremental re-matching.

Use through the package: `from apps.matching import services as matching; matching.request_run(...)`.
"""

from .explain import (
    explain,
    on_criteria_version,
    on_patient_changed,
    rematch_after_import,
    rematch_criteria_versions,
    rematch_patients,
    rematch_trials,
    run_summary,
)
from .export import FORMATS as EXPORT_FORMATS
from .export import ExportError, current_matches, current_rows, export_matches
from .features import mark_stale as mark_features_stale
from .plans import CriteriaError, Plan, plans_for
from .rematch import rematch_later
from .results import StoredPair, stored_pairs
from .runs import (
    MatchRequestError,
    chunk_size,
    execute_chunk,
    fail_run,
    request_run,
    requeue_all_stalled,
    requeue_stalled,
    wait_for_run,
)

__all__ = [
    "EXPORT_FORMATS",
    "CriteriaError",
    "ExportError",
    "MatchRequestError",
    "Plan",
    "StoredPair",
    "chunk_size",
    "current_matches",
    "current_rows",
    "execute_chunk",
    "explain",
    "export_matches",
    "fail_run",
    "mark_features_stale",
    "on_criteria_version",
    "on_patient_changed",
    "plans_for",
    "rematch_after_import",
    "rematch_criteria_versions",
    "rematch_later",
    "rematch_patients",
    "rematch_trials",
    "request_run",
    "requeue_all_stalled",
    "requeue_stalled",
    "run_summary",
    "stored_pairs",
    "wait_for_run",
]
