"""Normalising ClinicalTrials.gov and CTML values: status, phase, sex, ages, ids, arm codes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .records import RecordError

# ClinicalTrials.gov API v2 OverallStatus enum.
OVERALL_STATUSES = frozenset(
    {
        "ACTIVE_NOT_RECRUITING",
        "COMPLETED",
        "ENROLLING_BY_INVITATION",
        "NOT_YET_RECRUITING",
        "RECRUITING",
        "SUSPENDED",
        "TERMINATED",
        "WITHDRAWN",
        "AVAILABLE",
        "NO_LONGER_AVAILABLE",
        "TEMPORARILY_NOT_AVAILABLE",
        "APPROVED_FOR_MARKETING",
        "WITHHELD",
        "UNKNOWN",
    }
)
CTML_STATUSES = {
    "OPEN_TO_ACCRUAL": "RECRUITING",
    "OPEN": "RECRUITING",
    "CLOSED_TO_ACCRUAL": "CLOSED",
    "CLOSED": "CLOSED",
}
# ClinicalTrials.gov API v2 Phase enum; multi-phase trials are joined with "/" (PHASE1/PHASE2).
PHASES = frozenset({"NA", "EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4"})
_PHASE_ALIASES = {
    "N_A": "NA",
    "NOT_APPLICABLE": "NA",
    "EARLY_PHASE_1": "EARLY_PHASE1",
    "PHASE_0": "EARLY_PHASE1",
    "I": "PHASE1",
    "II": "PHASE2",
    "III": "PHASE3",
    "IV": "PHASE4",
    "IB": "PHASE1",
    "PHASE_IB": "PHASE1",
}
SEXES = {"ALL": "ALL", "BOTH": "ALL", "FEMALE": "FEMALE", "MALE": "MALE"}
NCT_ID = re.compile(r"NCT\d{8}")
_AGE = re.compile(r"(\d+(?:\.\d+)?)\s*(years?|months?|weeks?|days?|hours?|minutes?)", re.IGNORECASE)
_YEARS_PER_UNIT = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / (24 * 365.25),
    "minute": 1 / (60 * 24 * 365.25),
}
_NO_LIMIT = {"", "N/A", "NA", "NONE", "NO LIMIT"}


def _key(value: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", value.upper()).strip("_")


def overall_status(value: Any, field: str) -> tuple[str, bool]:
    """(normalised status, known?) for a CT.gov v1/v2/XML status such as "Active, not recruiting"."""
    text = optional_str(value, field)
    if not text:
        return "", True
    key = _key(text)
    if key == "UNKNOWN_STATUS":
        key = "UNKNOWN"
    if key in OVERALL_STATUSES:
        return key, True
    return text, False


def ctml_status(value: Any, field: str) -> tuple[str, bool]:
    text = optional_str(value, field)
    if not text:
        return "", True
    key = _key(text)
    if key in CTML_STATUSES:
        return CTML_STATUSES[key], True
    return text, False


def phase(values: Iterable[Any], field: str) -> tuple[str, list[str]]:
    """(phases joined by "/", the parts kept verbatim because they are not in the enum)."""
    parts: list[str] = []
    unknown: list[str] = []
    for value in values:
        text = optional_str(value, field).strip()
        if not text:
            continue
        pieces = [text] if _phase_key(text) in PHASES else [piece.strip() for piece in text.split("/")]
        for piece in pieces:
            key = _phase_key(piece)
            if key in PHASES:
                parts.append(key)
            elif piece:
                parts.append(piece)
                unknown.append(piece)
    return "/".join(dict.fromkeys(parts)), unknown


def _phase_key(text: str) -> str:
    key = _key(text)
    key = _PHASE_ALIASES.get(key, key)
    return key.replace("_", "") if re.fullmatch(r"PHASE_\d", key) else key


def sex(value: Any, field: str) -> str:
    text = optional_str(value, field)
    if not text:
        return "ALL"
    try:
        return SEXES[text.upper()]
    except KeyError:
        raise RecordError(field, f"unknown sex {text!r}; expected All, Female or Male") from None


def age_years(value: Any, field: str) -> float | None:
    """'18 Years', '6 Months', '29 Days' -> years (4 decimals); 'N/A' or empty -> no limit."""
    text = optional_str(value, field).strip()
    if text.upper() in _NO_LIMIT:
        return None
    match = _AGE.fullmatch(text)
    if match is None:
        raise RecordError(field, f"cannot read age {text!r}; expected a number and a unit such as '18 Years'")
    unit = match.group(2).lower().rstrip("s")
    return round(float(match.group(1)) * _YEARS_PER_UNIT[unit], 4)


def check_age_range(minimum: float | None, maximum: float | None, field: str) -> None:
    if minimum is not None and maximum is not None and minimum > maximum:
        raise RecordError(
            field, f"minimum age ({minimum:g} years) is above the maximum age ({maximum:g} years)"
        )


def nct_id(value: Any, field: str) -> str:
    text = optional_str(value, field).strip()
    if not text:
        raise RecordError(field, "missing: every trial needs its NCT id")
    if not NCT_ID.fullmatch(text):
        raise RecordError(field, f"{text!r} is not an NCT id (NCT followed by 8 digits)")
    return text


def optional_str(value: Any, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RecordError(field, f"expected text, got {type(value).__name__}")
    return str(value)


def str_list(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise RecordError(field, f"expected a list of text, got {type(value).__name__}")
    return [optional_str(item, f"{field}[{i}]") for i, item in enumerate(value)]


def sponsor_name(value: Any, field: str) -> str | None:
    text = optional_str(value, field).strip()
    # Registries redact some sponsors as "[Redacted]": that is no organisation.
    if not text or (text.startswith("[") and text.endswith("]")):
        return None
    return text[:300]


class CodeAllocator:
    """Arm codes are unique per trial: cut to 190 characters, repeats numbered ("DOSE (2)")."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, code: str, fallback: str) -> str:
        code = code.strip()[:190] or fallback
        count = self._seen.get(code, 0) + 1
        self._seen[code] = count
        return code if count == 1 else f"{code} ({count})"
