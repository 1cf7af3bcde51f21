"""Parser lexicons loaded once from apps/criteria/data: headings, conditions, biomarkers, drug classes."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@cache
def load_yaml(name: str) -> Any:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def _heading_patterns() -> list[tuple[str, re.Pattern[str]]]:
    data = load_yaml("headings.yaml")
    return [
        (section, re.compile(p, re.IGNORECASE))
        for section in ("exclusion", "inclusion")
        for p in data[section]
    ]


def heading_section(core: str) -> str | None:
    """'inclusion' or 'exclusion' when the (stripped, lower-cased) line is a section heading."""
    if len(core) > 160:
        return None
    for section, pattern in _heading_patterns():
        if pattern.fullmatch(core):
            return section
    return None
