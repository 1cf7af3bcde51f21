"""Readings that must not decide a pair: a criterion read here is kept, but made non-computable ("unknown:
needs review", with the reason in `review`) when the evidence says the reading cannot be what the trial means.

- Scoped: the criterion is for one cohort, part or arm ("(Cohort 1 only)", "Part B:"): applied to every
  patient it would exclude those it does not concern. A cohort's disease stays enforced (as an alternative).
- Contradicting: an exclusion that rules out what an inclusion criterion requires (the same rule, or a
  cancer type the inclusion criteria require): read literally no patient could qualify, so the text says
  something else ("chemotherapy for the treatment of metastatic NSCLC", "inhibitors of breast cancer
  resistance protein", an inclusion list repeated under the exclusion heading).
- Against the grain: an inclusion lab limit on the side where that lab is not limited (bilirubin at least
  1.5 x ULN, neutrophils at most 1.5): a comparator or a clause misread.
- Not judged yet: an expression marker the matcher has no rule for ("AR expression >= 10%").
- Defining: the items of a list that says what a term means ("The following groups are not considered
  suitable for intensive chemotherapy:"), which another criterion uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from apps.vocab import oncotree

from .measurements import labs

_SCOPE_LABEL = re.compile(
    r"[\W\d]*(?:\w+\s+){0,2}?(?:cohorts?|arms?|parts?|groups?|phase|substudy)\s+[\w,/&-]{1,8}"
    r"(?:\s*(?:,|and|or|&)\s*[\w/-]{1,8})*[^.:;\n]{0,20}:",
    re.IGNORECASE,
)
# In the criterion's first sentence: "Prior HER2-targeted therapy (Cohort 1 only)".
_SCOPE_INSIDE = re.compile(
    r"^[^.;\n]*?(?:\((?:for\s+)?(?:cohorts?|arms?|parts?|groups?)\s+[\w\s,/&-]{1,20}\bonly\)"
    r"|\b(?:cohorts?|arms?|parts?)\s+[a-z0-9]{1,3}(?:\s*(?:,|and|or)\s*[a-z0-9]{1,3})*\s+only\b)"
)
# A list heading that says what a term means ("The following groups are not considered suitable for
# intensive chemotherapy:"): its items define the term another criterion uses.
_DEFINITION = re.compile(
    r"[\W\d]*(?:the\s+)?following\s+(?:[\w-]+\s+){0,3}(?:are|is)\s+(?:not\s+)?(?:considered|deemed|regarded"
    r"|defined)\b",
    re.IGNORECASE,
)
# Kinds a scope does not make unreliable: a cohort's disease is one of the trial's alternatives (parser
# `_attach_disease`), and groups are judged by their parts.
_UNSCOPED_KINDS = frozenset({"group", "other", "administrative", "diagnosis", "stage"})


def review(criteria: list[dict[str, Any]], text: str) -> None:
    """Mark, in place, the criteria whose reading must not decide a pair (module docstring)."""
    for c in _all(criteria):
        if c.get("children") and _DEFINITION.match(c["text"]):
            for leaf in _all(c["children"]):
                _unreliable(leaf, "defines a term the criteria use, not a requirement of its own")
    for c in _outside_alternatives(criteria):
        reason = _scoped(c, text)
        if reason:
            _unreliable(c, reason)
    required = _required(criteria)
    for c in criteria:
        if c["section"] == "exclusion":
            for leaf in _leaves(c, negated=c["negated"], through_any=True):
                reason = _contradiction(leaf, required)
                if reason:
                    _unreliable(leaf, reason)
    for c in _all(criteria):
        if c["kind"] == "expression" and str((c.get("rule") or {}).get("marker")) not in _JUDGED_MARKERS:
            _unreliable(c, "a marker the matcher cannot judge yet")
    for c in criteria:
        for leaf, polarity in _polarities(c, c["section"] == "inclusion"):
            reason = _against_the_grain(leaf, polarity)
            if reason:
                _unreliable(leaf, reason)


def _unreliable(c: dict[str, Any], reason: str) -> None:
    if not c.get("computable"):
        return
    c["computable"] = False
    c["confidence"] = min(float(c.get("confidence") or 0.5), 0.4)
    c["review"] = reason


_JUDGED_MARKERS = frozenset({"PD-L1", "HER2", "ER", "PR"})


def _all(criteria: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for c in criteria:
        yield c
        yield from _all(c.get("children") or [])


def _outside_alternatives(criteria: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every criterion not inside an any-group: a cohort among alternatives ("Cohort 1: ... or Cohort 2:
    ...") states that cohort's own requirement, which holds as one of the alternatives."""
    for c in criteria:
        yield c
        if c.get("operator", "all") == "all":
            yield from _outside_alternatives(c.get("children") or [])


def _scoped(c: dict[str, Any], text: str) -> str | None:
    own = text[c["span"][0] : c["span"][1]] if c.get("span") else c["text"]
    if c["kind"] in _UNSCOPED_KINDS:
        return None
    label = _SCOPE_LABEL.match(own)
    if label:
        return f"applies only to the cohort, arm or part its label names ({label.group().strip()!r})"
    inside = _SCOPE_INSIDE.search(own.lower())
    if inside:
        return "applies only to the cohort, arm or part it names"
    return None


def _leaves(c: dict[str, Any], *, negated: bool, through_any: bool = False) -> Iterator[dict[str, Any]]:
    """Leaves whose condition the criterion states as such: not under a negation, nor inside alternatives
    unless `through_any` (an exclusion of any of several things excludes each of them)."""
    if negated:
        return
    kids = c.get("children") or []
    if not kids:
        yield c
    elif through_any or c.get("operator", "all") == "all":
        for k in kids:
            yield from _leaves(k, negated=k["negated"], through_any=through_any)


def _rule_key(c: dict[str, Any]) -> tuple[str, str]:
    return c["kind"], repr(sorted((c.get("rule") or {}).items()))


def _required(criteria: list[dict[str, Any]]) -> dict[str, Any]:
    """What the inclusion criteria require as such: their rules, and the cancer types they name."""
    rules: set[tuple[str, str]] = set()
    cancers: set[str] = set()
    for c in criteria:
        if c["section"] != "inclusion":
            continue
        for leaf in _leaves(c, negated=c["negated"]):
            if not leaf.get("computable"):
                continue
            rules.add(_rule_key(leaf))
            if leaf["kind"] == "diagnosis":
                cancers |= set((leaf.get("rule") or {}).get("oncotree") or [])
    return {"rules": rules, "cancers": cancers}


def _contradiction(leaf: dict[str, Any], required: dict[str, Any]) -> str | None:
    if not leaf.get("computable") or leaf["kind"] in ("group", "other", "administrative", "pregnancy"):
        return None
    if _rule_key(leaf) in required["rules"]:
        return "excludes what an inclusion criterion requires"
    if leaf["kind"] == "diagnosis":
        codes = set((leaf.get("rule") or {}).get("oncotree") or [])
        if codes and _overlap(codes, required["cancers"]):
            return "excludes the cancer type the inclusion criteria require"
    return None


def _overlap(a: set[str], b: set[str]) -> bool:
    # Excluding a subtype of the required type ("AML" required, "acute promyelocytic leukemia" excluded) is
    # what trials do; excluding the required type itself or a broader one is not.
    return any(x == y or x in oncotree.ancestors(y) for x in a for y in b)


def _polarities(c: dict[str, Any], requires: bool) -> Iterator[tuple[dict[str, Any], bool]]:
    """Leaves outside alternatives with whether the trial requires their condition (True) or its absence."""
    requires = requires != bool(c["negated"])
    kids = c.get("children") or []
    if not kids:
        yield c, requires
    elif c.get("operator", "all") == "all":
        for k in kids:
            yield from _polarities(k, requires)


def _against_the_grain(leaf: dict[str, Any], requires: bool) -> str | None:
    rule = leaf.get("rule") or {}
    if leaf["kind"] != "measurement" or not leaf.get("computable") or rule.get("alternatives"):
        return None
    lab = next((lab for lab in labs().values() if str(lab.get("loinc")) == str(rule.get("loinc"))), None)
    side = (lab or {}).get("normal_side")
    low, high = rule.get("min") is not None, rule.get("max") is not None
    if low == high:
        return None
    # Which end the trial limits: an exclusion "bilirubin > 1.5 x ULN" limits it from above like an
    # inclusion "bilirubin <= 1.5 x ULN".
    limits_high = high if requires else low
    if side == "lower" and limits_high and rule.get("relative_to") != "ULN":
        return "limits from above a lab that eligibility limits from below"
    if side is None and not limits_high and rule.get("relative_to") == "ULN":
        return "requires a lab to be at least a multiple of its upper limit of normal"
    return None
