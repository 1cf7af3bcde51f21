"""Failure reasons safe to store and show (PROMISES 22): the error class and the constraint or field names,
never the exception's text, which can quote row values (PostgreSQL's "Failing row contains (...)")."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# SQLite names the constraint or the columns, never values: "UNIQUE constraint failed: trials_trial.trial_id".
_SQLITE = re.compile(r"^(UNIQUE|CHECK|NOT NULL|FOREIGN KEY) constraint failed(?:: ([\w., ]+))?$")


def safe_reason(exc: BaseException) -> str:
    kind = type(exc).__name__
    if isinstance(exc, ValidationError):
        fields = sorted(exc.error_dict) if hasattr(exc, "error_dict") else []
        return f"{kind} on field(s) {', '.join(fields)}" if fields else kind
    cause = exc.__cause__ or exc.__context__
    diag = getattr(cause, "diag", None)
    if diag is not None:
        name = getattr(diag, "constraint_name", None) or getattr(diag, "column_name", None)
        table = getattr(diag, "table_name", None)
        if name:
            return f"{kind} on constraint {name}" + (f" of {table}" if table else "")
        return kind
    match = _SQLITE.match(str(exc).strip())
    if match:
        what = match.group(2)
        return f"{kind}: {match.group(1)} constraint" + (f" {what}" if what else "")
    return kind
