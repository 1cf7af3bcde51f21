"""Eligibility criteria parser: free text in, the criteria.schema.json object out. Pure: no Django, no I/O."""

from __future__ import annotations

import re
from typing import Any

from . import confidence, context, phenotypes, reliability, structure, tagger
from .text import matching_view
from .version import content_version

# Changes whenever the parser's output can change: a hash of its code and data (see version.py).
PARSER_VERSION = content_version()

__all__ = ["PARSER_VERSION", "CriteriaInputError", "parse"]


class CriteriaInputError(ValueError):
    """The input is not text (bytes, None, a number...)."""


def parse(text: str) -> dict[str, Any]:
    """Parse eligibility text into criteria; never raises on a str, deterministic."""
    if not isinstance(text, str):
        raise CriteriaInputError(f"criteria text must be a str, got {type(text).__name__}")
    view = matching_view(text)
    nodes = structure.split(text, view)
    criteria: list[dict[str, Any]] = []
    counters = {"inclusion": 0, "exclusion": 0}
    pending: tagger.Pending = []
    for node in nodes:
        counters[node.section] += 1
        prefix = "I" if node.section == "inclusion" else "E"
        criteria.append(_criterion(text, view, node, f"{prefix}{counters[node.section]}", pending))
    tagger.resolve(pending)
    context.apply(criteria)
    _restated_exclusions(criteria, view)
    _since_in_inclusion(criteria, view, negated=False)
    _finish(criteria)
    _attach_disease(criteria)
    reliability.review(criteria, text)
    confidence.assign(criteria, view)
    return {"parser_version": PARSER_VERSION, "criteria": criteria}


_MODAL_NOT = re.compile(
    r"[\s*\-•·+\d.)]*(?:the\s+)?(?:patients?|participants?|subjects?)?\s*"
    r"(?:cannot|can\s*not|must\s+not|should\s+not|may\s+not|shall\s+not)\b"
)


def _restated_exclusions(criteria: list[dict[str, Any]], view: str) -> None:
    """An exclusion criterion written as a prohibition ("The participant cannot have ever received an EGFR
    TKI", "Patients must not have received prior chemotherapy") excludes what it names: its "not" restates
    that it is an exclusion and does not negate it a second time."""
    for c in criteria:
        if (
            c["section"] == "exclusion"
            and c["negated"]
            and _MODAL_NOT.match(view, c["span"][0], c["span"][1])
        ):
            c["negated"] = False


# A wash-out stated as time elapsed since the therapy ("at least 14 days since", "discontinued ... 4 weeks
# prior", "T-DXd: >= 3 weeks" under a wash-out heading), not as a recent exposure ("within 6 months").
_SINCE = re.compile(
    r"\b(?:at\s+least|minimum|more\s+than|greater\s+than|discontinu\w*|stopp?ed|completed|elapsed|since"
    r"|wash[- ]?out)\b|≥|>=|>"
)
_WITHIN_WORD = re.compile(r"\bwithin\b")


def _since_in_inclusion(criteria: list[dict[str, Any]], view: str, *, negated: bool) -> None:
    """An inclusion wash-out asks for time elapsed since the therapy: its condition ("exposed recently",
    SEMANTICS.md) must not hold, so the criterion is negated."""
    for c in criteria:
        under = negated or bool(c["negated"])
        if c["kind"] == "washout" and c["section"] == "inclusion" and not under:
            own = view[c["span"][0] : c["span"][1]]
            if _SINCE.search(own) and not _WITHIN_WORD.search(own):
                c["negated"] = True
        _since_in_inclusion(c.get("children") or [], view, negated=under)


def _finish(criteria: list[dict[str, Any]]) -> None:
    """Once negation is settled (context.apply): computable parts become children carrying the criterion's
    negation, and condition entities get their codes."""
    for c in criteria:
        facets = c.pop("facets", None)
        if facets:
            c["children"] = _facets(c, facets, c["id"], c["negated"])
        _negate_once(c)
        phenotypes.code_conditions(c["entities"])
        _finish(c.get("children", []))


def _negate_once(c: dict[str, Any]) -> None:
    """A negated list whose heading has a rule of its own (child ".0") rules out the heading's rule and every
    item: "Must not have received prior anti-VEGF therapy:" + items -> not any of them. The heading's rule
    does not repeat the negation, or NOT would apply twice."""
    kids = c.get("children") or []
    if (
        c["kind"] == "group"
        and c["negated"]
        and kids
        and kids[0]["id"] == f"{c['id']}.0"
        and kids[0]["negated"]
    ):
        kids[0]["negated"] = False
        c["operator"] = "any"


def _stated(criteria: list[dict[str, Any]]) -> set[str]:
    """Disease kinds an inclusion criterion states as a requirement of its own: a diagnosis with a cancer
    type (not a bare "tumor"), a stage with stage groups."""
    out: set[str] = set()
    for c in criteria:
        rule = c.get("rule") or {}
        if c["kind"] == "diagnosis" and (
            rule.get("oncotree") or rule.get("any_solid") or rule.get("any_hematologic")
        ):
            out.add("diagnosis")
        if c["kind"] == "stage" and rule.get("stages"):
            out.add("stage")
        if not c["negated"] and c.get("operator", "all") == "all":
            out |= _stated(c.get("children", []))
    return out


def _attach_disease(criteria: list[dict[str, Any]]) -> None:
    """A trial whose only statement of its cancer type (and stage) is inside another inclusion criterion (a
    biomarker: "BRAF V600E melanoma, stage IIIC or IV"; a stage: "MBC, current stage IV") gets them as
    inclusion criteria of their own right after it, sharing its span (ids I2.dx, I2.stage). Where several
    criteria name cancer types (cohorts), each such criterion accepts any of them. Where an inclusion
    criterion states the disease itself, nothing is added."""
    tops = [c for c in criteria if c["section"] == "inclusion"]
    needed = {"diagnosis", "stage"} - _stated(tops)
    sources = _disease_sources(criteria)
    merged = {
        kind: _merge([f[1] for c, facets in sources for f in facets if f[0] == kind and len(f) == 2])
        for kind in needed
    }
    # what an "except" removes from every criterion's accepted cancer types ("solid tumors except BTC")
    excepts = [f[1] for _, facets in sources for f in facets if len(f) == 3]
    excepted = _merge(excepts) if excepts else None
    for c, facets in reversed(sources):
        parts: list[tuple[Any, ...]] = [
            (f[0], merged[f[0]]) for f in facets if len(f) == 2 and f[0] in needed and f[0] != c["kind"]
        ]
        if excepted and any(p[0] == "diagnosis" for p in parts):
            parts.append(("diagnosis", excepted, "except"))
        siblings = c.pop("_siblings")
        if parts:
            extra = _facets(c, parts, c["id"], False)
            for child, part in zip(extra, parts, strict=True):
                suffix = "dx" if part[0] == "diagnosis" else part[0]
                child["id"] = f"{c['id']}.{suffix}{'.except' if len(part) == 3 else ''}"
            at = next(i for i, x in enumerate(siblings) if x is c) + 1
            siblings[at:at] = extra


def _disease_sources(criteria: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[Any]]]:
    """Inclusion criteria (also inside all-of lists) that name a disease beside their own requirement, with
    their disease facets; every criterion's `disease_facets` is removed."""
    out: list[tuple[dict[str, Any], list[Any]]] = []
    for c in criteria:
        facets = c.pop("disease_facets", None)
        if facets and c["section"] == "inclusion" and not c["negated"]:
            c["_siblings"] = criteria
            out.append((c, facets))
        inner = _disease_sources(c.get("children", []))
        if not c["negated"] and c.get("operator", "all") == "all":
            out.extend(inner)
        else:
            for child, _ in inner:
                child.pop("_siblings")
    return out


def _merge(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """Several criteria's cancer types (or stages) as one requirement: any of them."""
    if not rules or "stages" in rules[0]:
        stages = [s for r in rules for s in r.get("stages", [])]
        statuses = [s for r in rules for s in r.get("status", [])]
        return {"stages": list(dict.fromkeys(stages)), "status": list(dict.fromkeys(statuses))}
    return {
        "oncotree": sorted({code for r in rules for code in r.get("oncotree", [])}),
        "any_solid": any(r.get("any_solid") for r in rules),
        "any_hematologic": any(r.get("any_hematologic") for r in rules),
        "status": list(dict.fromkeys(s for r in rules for s in r.get("status", []))),
    }


def _facets(
    parent: dict[str, Any], facets: list[tuple[Any, ...]], cid: str, negated: bool
) -> list[dict[str, Any]]:
    """Children sharing the parent's span, one per computable part (kind, rule[, "except" | "excluded"]); a
    part may be an any-group itself. An exception ("other than G12C") is negated; so is a part an inclusion
    criterion says is not eligible ("exon 20 insertions are not eligible"), which in an exclusion criterion
    only repeats what excludes and is left out."""
    out = []
    for i, (kind, rule, *ruled_out) in enumerate(facets):
        if ruled_out == ["excluded"] and parent["section"] == "exclusion":
            continue
        child = {
            "id": f"{cid}{chr(97 + i) if i < 26 else i}",
            "section": parent["section"],
            "text": parent["text"],
            "span": list(parent["span"]),
            "kind": kind,
            "computable": True,
            # A group carries its criterion's negation; its parts do not repeat it (NOT applied twice).
            "negated": (negated and parent["kind"] != "group") or bool(ruled_out and ruled_out[0]),
            "confidence": parent["confidence"],
            "rule": rule,
            "entities": [],
        }
        if kind == "group":
            child.update(operator=rule["operator"], rule={})
            child["children"] = _facets(child, rule["children_rules"], str(child["id"]), False)
        out.append(child)
    return out


# What a heading of an any-of list may require beside one of its items ("NPM1m AML with at least one of the
# following:"); a heading of another kind only introduces the list ("a woman must be either:").
_DISEASE_OR_MARKER = frozenset({"alteration", "expression", "msi", "tmb", "diagnosis", "stage", "group"})
_WASHOUT_HEADING = re.compile(r"\bwash[- ]?out\b")
_NOTE_ITEM = re.compile(r"[\s*\-•·+]*(?:please\s+)?(?:note|n\.?b\.?)\s*:")


def _criterion(
    text: str, view: str, node: structure.Node, cid: str, pending: tagger.Pending, heading: str | None = None
) -> dict[str, Any]:
    from .classify import THERAPY_KINDS, classify

    out = classify(text, view, node.start, node.end, pending, heading=heading, section=node.section)
    out = {
        "id": cid,
        "section": node.section,
        "text": text[node.start : node.end],
        "span": [node.start, node.end],
        **out,
    }
    # A note under a criterion ("Note: recurrent stage IV disease ... is considered eligible") annotates it.
    items = [child for child in node.children if not _NOTE_ITEM.match(view, child.start, child.end)]
    if items:
        # Items under a therapy heading ("Prior treatment with any of the following:", "Washout defined as:")
        # are therapies or windows even when they do not say so themselves ("Any anti-PD-1 agent").
        context = out["kind"] if out["kind"] in THERAPY_KINDS else None
        if context is None and _WASHOUT_HEADING.search(view, node.start, node.end):
            context = "washout"
        children = [
            _criterion(text, view, child, f"{cid}.{i}", pending, context) for i, child in enumerate(items, 1)
        ]
        own = dict(out)
        out.pop("facets", None)
        out.update(
            kind="group",
            operator=node.group_operator or "all",
            children=children,
            computable=all(c["computable"] for c in children),
            rule={},
        )
        if (own["kind"] not in ("other", "group", "administrative") or "facets" in own) and own["computable"]:
            own["id"] = f"{cid}.0"
            if out["operator"] == "all":
                children.insert(0, own)
            elif node.section == "inclusion" and own["kind"] in _DISEASE_OR_MARKER:
                # "NPM1m AML with at least one of the following:" requires its own reading and one item
                listed = {**out, "id": f"{cid}.any", "children": children}
                listed.pop("disease_facets", None)
                own.pop("disease_facets", None)
                out.update(operator="all", children=[own, listed])
    return out
