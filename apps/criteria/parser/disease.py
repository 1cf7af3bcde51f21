"""Which cancer names in a criterion state the trial's own disease, for the diagnosis requirement a biomarker
or stage criterion carries beside its own ("BRAF V600E melanoma", "MBC, current stage IV"). Left out: names in
a part scoped to one cohort ("Cohorts 5 and 6 only: ... melanoma"), in a condition ("For lung adenocarcinoma
patients, ..."; "as defined by ASCO/CAP for breast cancer") and in an exclusion ("tumors with any component
of SCLC are excluded", "solid tumors other than CRC")."""

from __future__ import annotations

import re

from .entities import Entity

_SCOPED = re.compile(
    r"[\W\d]*(?:\w+\s+){0,2}?(?:cohorts?|arms?|parts?|groups?|phase|substudy)\b[^.:;\n]{0,30}:"
)
_SENTENCE = re.compile(r"[.;:](?:\s|$)|\n\s*\n")
_CONDITION_BEFORE = re.compile(
    r"\b(?:(?:for|in|among|if|when)\s+(?:patients?|participants?|subjects?|those|cases|women|men)\s+(?:with\s+)?"
    r"(?:[\w/+-]+\s+){0,3}|(?:for|if|when)\s+(?:[\w/+-]+\s+)?)$"
)
_EXCEPTION_BEFORE = re.compile(
    r"(?:\b(?:other\s+than|except(?:\s+for)?|excluding|with\s+the\s+exception\s+of|besides)\s+(?:[\w/+-]+\s+){0,2}"
    r"|\bnon-?\s*)$"
)
_EXCLUDED_AFTER = re.compile(
    r"[^.;:]{0,80}?\b(?:(?:are|is|will\s+be)\s+(?:excluded|ineligible|not\s+(?:eligible|allowed|permitted)))\b"
)


def stating(view: str, start: int, end: int, ents: list[Entity]) -> list[Entity] | None:
    """`ents` without the cancer names that do not state the trial's disease; None for a cohort's part."""
    if _SCOPED.match(view, start, end):
        return None
    return [e for e in ents if e.type != "cancer" or _states(view, start, end, e)]


def _states(view: str, start: int, end: int, cancer: Entity) -> bool:
    breaks = [m.end() for m in _SENTENCE.finditer(view, start, cancer.start)]
    head = max([start, *breaks])
    before = view[head : cancer.start]
    if _CONDITION_BEFORE.search(before) or _EXCEPTION_BEFORE.search(before):
        return False
    return not _EXCLUDED_AFTER.match(view, cancer.end, end)
