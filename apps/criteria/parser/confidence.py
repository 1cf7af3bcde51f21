"""Each requirement's confidence, computed from the evidence of its reading (not a number per kind), and the
threshold below which a reading does not decide a pair: it is kept, "unknown: needs review".

Evidence, each a factor on 1.0 (README, "Reliability of readings", has the table and how it was calibrated):
- coverage: the share of the criterion's content words that recognised entities cover (a sentence mostly
  unread may say more than its reading);
- an "or" / "and/or" the reading did not turn into alternatives, an "except" / "other than" / "unless" it
  did not scope, a conditional clause ("if", "provided that", "when");
- a lab limit with neither a recognised unit nor a limit relative to normal;
- disagreement of the rules and the tagger: entities only the tagger found, of types the reading's kind does
  not use.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# A reading at or above THRESHOLD may decide a pair; below it, the requirement is unknown and listed for
# review. Calibrated on the development sets (benchmarks/confidence_table.py).
THRESHOLD = 0.5

_WORD = re.compile(r"[a-z][a-z0-9-]{2,}")
_FUNCTION_TEXT = """
    the and for with who have has had must any all are was were been being not than that this these those
    from into within prior before after during other such per their they them its also only more less least
    most each both either neither will may can should shall would could does did patients patient participants
    participant subjects subject criteria criterion following defined including include includes eligible
    study trial enrollment enrolment entry screening documented confirmed known history evidence
    """
# words that carry no requirement of their own: not counted against coverage
_FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())
_OR = re.compile(r"\b(?:or|and/or)\b")
_EXCEPT = re.compile(r"\b(?:except|other\s+than|excluding|unless|with\s+the\s+exception)\b")
_CONDITIONAL = re.compile(r"\b(?:if|provided\s+(?:that)?|when|in\s+case|as\s+long\s+as)\b")
# Entity types each kind's reading is made of; a tagger-only entity of another type is disagreement.
_USES = {
    "alteration": {"gene", "variant", "biomarker", "cancer"},
    "expression": {"gene", "biomarker", "value"},
    "msi": {"biomarker"},
    "tmb": {"biomarker", "value"},
    "diagnosis": {"cancer", "stage"},
    "stage": {"cancer", "stage", "value"},
    "measurement": {"measurement", "value"},
    "condition": {"condition", "cancer", "value"},
    "prior_therapy": {"drug", "procedure", "value", "cancer"},
    "washout": {"drug", "procedure", "value"},
    "age": {"age", "value"},
    "performance_status": {"performance_status", "value"},
}
_FACTORS = {
    "unresolved_or": 0.85,
    "unscoped_except": 0.8,
    "conditional": 0.85,
    "no_unit": 0.7,
    "tagger_disagrees": 0.9,
}


def assign(criteria: list[dict[str, Any]], view: str) -> None:
    """Set, in place, every criterion's `confidence` (a group's: its least confident part) and make a
    computable reading below THRESHOLD unknown: needs review."""
    for c in criteria:
        _assign(c, view, c.get("entities") or [], in_any=False, excepted=False)


def _assign(
    c: dict[str, Any], view: str, entities: list[dict[str, Any]], *, in_any: bool, excepted: bool
) -> float:
    entities = c.get("entities") or entities
    kids = c.get("children") or []
    if kids:
        any_here = in_any or c.get("operator") == "any"
        scoped = excepted or any(k.get("negated") and k["span"] == c["span"] for k in kids)
        c["confidence"] = round(
            min(_assign(k, view, entities, in_any=any_here, excepted=scoped) for k in kids), 2
        )
        return float(c["confidence"])
    if c["kind"] in ("other", "administrative") or not c.get("computable"):
        return float(c.get("confidence") or 0.3)
    score, reasons = evidence(c, view, entities, in_any=in_any, excepted=excepted)
    c["confidence"] = round(score, 2)
    if score < THRESHOLD:
        c["computable"] = False
        c["review"] = "low confidence reading (" + ", ".join(reasons) + ")"
    return score


def evidence(
    c: dict[str, Any], view: str, entities: list[dict[str, Any]], *, in_any: bool, excepted: bool
) -> tuple[float, list[str]]:
    """The confidence of one requirement's reading and the evidence that lowered it."""
    a, b = c["span"]
    own = view[a:b]
    reasons: list[str] = []
    inside = [e for e in entities if a <= e["start"] < b]
    words = [m for m in _WORD.finditer(view, a, b) if m.group() not in _FUNCTION_WORDS]
    covered = sum(1 for m in words if any(e["start"] <= m.start() < e["end"] for e in inside))
    coverage = covered / len(words) if words else 1.0
    score = 0.75 + 0.25 * coverage
    if _OR.search(own) and not in_any and (c.get("rule") or {}).get("alternatives") in (None, []):
        score *= _FACTORS["unresolved_or"]
        reasons.append("an unread 'or'")
    if _EXCEPT.search(own) and not excepted:
        score *= _FACTORS["unscoped_except"]
        reasons.append("an unscoped exception")
    if _CONDITIONAL.search(own):
        score *= _FACTORS["conditional"]
        reasons.append("a conditional clause")
    rule = c.get("rule") or {}
    if c["kind"] == "measurement" and not rule.get("unit") and not rule.get("relative_to"):
        score *= _FACTORS["no_unit"]
        reasons.append("a lab limit without a unit")
    uses = _USES.get(c["kind"])
    if uses and any(e.get("source") == "tagger" and e["type"] not in uses for e in inside):
        score *= _FACTORS["tagger_disagrees"]
        reasons.append("the tagger reads another kind")
    reasons.append(f"{coverage:.0%} of the words read")
    return score, reasons


def leaves(criteria: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for c in criteria:
        kids = c.get("children") or []
        if kids:
            yield from leaves(kids)
        else:
            yield c
