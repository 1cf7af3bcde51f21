"""Numeric bounds from value matches: comparator, inclusiveness, units, multiples of ULN/LLN, durations."""

from __future__ import annotations

import re
from typing import Any

from .entities import WORD_NUM

_LT_INCL = re.compile(
    r"<\s?/?\s?=|=\s?<|≤|≦|up\s+to|not\s+(?:to\s+)?exceed|no\s+(?:more|greater|higher)\s+than|not\s+(?:more|greater|higher)|maximum|at\s+most"
    r"|(?:less|lower|fewer)\s+than\s+or\s+equal"
)
_LT = re.compile(r"<|less|lower|below|under")
_GT_INCL = re.compile(
    r">\s?/?\s?=|=\s?>|≥|≧|at\s+least|minimum|no\s+(?:less|lower|fewer)|not\s+(?:less|lower|fewer)"
    r"|(?:greater|more|higher)\s+than\s+or\s+equal"
)
_GT = re.compile(r">|greater|more|higher|above|over|exceeding")
_DAYS = {"day": 1, "week": 7, "wk": 7, "month": 30, "year": 365, "yr": 365, "hour": 1 / 24, "hr": 1 / 24}


def number(raw: str | None) -> float | None:
    if raw is None:
        return None
    raw = raw.strip().lower()
    if raw in WORD_NUM:
        return float(WORD_NUM[raw])
    if raw == "@number":
        return None
    try:
        return float(raw.replace(",", ""))
    except ValueError:
        return None


def _clean(x: float | None) -> float | int | None:
    if x is None:
        return None
    return int(x) if float(x).is_integer() else round(x, 6)


def bounds(m: re.Match[str], *, default_direction: str | None = None) -> dict[str, Any]:
    """min/max/min_inclusive/max_inclusive from one VALUE match (values as written, no unit conversion)."""
    cmp = (m.group("cmp") or "").strip()
    trail = (m.group("trail") or "").strip()
    lo, hi = number(m.group("num")), number(m.group("num2"))
    out: dict[str, Any] = {"min": None, "max": None, "min_inclusive": True, "max_inclusive": True}
    if hi is not None and not cmp:
        out.update(min=_clean(lo), max=_clean(hi))
        return out
    direction = default_direction
    inclusive = True
    if _LT_INCL.match(cmp):
        direction = "max"
    elif _GT_INCL.match(cmp):
        direction = "min"
    elif _LT.match(cmp):
        direction, inclusive = "max", False
    elif _GT.match(cmp):
        direction, inclusive = "min", False
    if re.search(r"more|greater|higher|above|older", trail):
        direction, inclusive = "min", True
    elif re.search(r"less|lower|below|fewer|younger", trail):
        direction, inclusive = "max", True
    if direction == "max":
        out.update(max=_clean(lo), max_inclusive=inclusive)
    elif direction == "min":
        out.update(min=_clean(lo), min_inclusive=inclusive)
    else:
        out.update(min=_clean(lo), max=_clean(lo))
    return out


def relative(m: re.Match[str]) -> str | None:
    unit = (m.group("unit") or "").lower()
    if "uln" in unit or "upper" in unit:
        return "ULN"
    if "lln" in unit or "lower" in unit:
        return "LLN"
    return None


def unit_key(m: re.Match[str]) -> str:
    key = (
        re.sub(r"\s+", "", (m.group("unit") or "").lower())
        .replace("µ", "u")
        .replace("μ", "u")
        .replace("³", "3")
    )
    # Powers of ten however written ("x109/l" with its caret lost, "10e9/l", "*10^9/l") as "x10^9/l".
    return re.sub(r"^(?:x|\*)?10(?:\^|e|\*)?(\d+)/", r"x10^\1/", key)


def days(m: re.Match[str]) -> float | None:
    """The value as a duration in days, when its unit is a time unit."""
    n = number(m.group("num"))
    unit = (m.group("unit") or "").lower()
    for word, factor in _DAYS.items():
        if re.search(rf"\b{word}s?\b", unit) and n is not None:
            return round(n * factor, 4)
    return None


def convert(rule: dict[str, Any], factor: float) -> None:
    for k in ("min", "max"):
        if rule.get(k) is not None:
            rule[k] = _clean(rule[k] * factor)
