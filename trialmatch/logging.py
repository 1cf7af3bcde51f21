"""Logging filters."""

from __future__ import annotations

import logging


class DropClientErrorTracebacks(logging.Filter):
    """Django logs a PermissionDenied or Http404 with its traceback (exc_info); for a client error (4xx) the
    traceback says nothing useful and may quote what was looked up, so keep the one-line message only."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
