"""Criterion kind, negation, rule and entities for one criterion's text."""

from __future__ import annotations

from typing import Any


def classify(text: str, view: str, start: int, end: int) -> dict[str, Any]:
    return {"kind": "other", "computable": False, "negated": False, "confidence": 0.2, "entities": []}
