"""Eligibility criteria parser: free text in, the criteria.schema.json object out. Pure: no Django, no I/O."""

from __future__ import annotations

from typing import Any

from . import context, phenotypes, structure, tagger
from .text import matching_view

PARSER_VERSION = "0.1.0"

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
    _finish(criteria)
    _attach_disease(criteria, not any(_names_disease(c) for c in criteria if c["section"] == "inclusion"))
    return {"parser_version": PARSER_VERSION, "criteria": criteria}


def _finish(criteria: list[dict[str, Any]]) -> None:
    """Once negation is settled (context.apply): computable parts become children carrying the criterion's
    negation, and condition entities get their codes."""
    for c in criteria:
        facets = c.pop("facets", None)
        if facets:
            c["children"] = _facets(c, facets, c["id"], c["negated"])
        phenotypes.code_conditions(c["entities"])
        _finish(c.get("children", []))


def _names_disease(c: dict[str, Any]) -> bool:
    return c["kind"] in ("diagnosis", "stage") or any(_names_disease(k) for k in c.get("children", []))


def _attach_disease(criteria: list[dict[str, Any]], needed: bool) -> None:
    """A trial whose only statement of its cancer type (and stage) is inside a biomarker criterion ("BRAF
    V600E melanoma, stage IIIC or IV") gets them as inclusion criteria of their own right after it, sharing
    its span (ids I2.dx, I2.stage). Where another inclusion criterion names the disease, nothing is added."""
    i = 0
    while i < len(criteria):
        c = criteria[i]
        disease = c.pop("disease_facets", None)
        _attach_disease(c.get("children", []), needed)
        i += 1
        if disease and needed and c["section"] == "inclusion" and not c["negated"]:
            extra = _facets(c, disease, c["id"], False)
            for child, (kind, _) in zip(extra, disease, strict=True):
                child["id"] = f"{c['id']}.{'dx' if kind == 'diagnosis' else kind}"
            criteria[i:i] = extra
            i += len(extra)


def _facets(
    parent: dict[str, Any], facets: list[tuple[str, dict[str, Any]]], cid: str, negated: bool
) -> list[dict[str, Any]]:
    """Children sharing the parent's span, one per computable part; a part may be an any-group itself."""
    out = []
    for i, (kind, rule) in enumerate(facets):
        child = {
            "id": f"{cid}{chr(97 + i) if i < 26 else i}",
            "section": parent["section"],
            "text": parent["text"],
            "span": list(parent["span"]),
            "kind": kind,
            "computable": True,
            "negated": negated,
            "confidence": parent["confidence"],
            "rule": rule,
            "entities": [],
        }
        if kind == "group":
            child.update(operator=rule["operator"], rule={})
            child["children"] = _facets(child, rule["children_rules"], str(child["id"]), False)
        out.append(child)
    return out


def _criterion(
    text: str, view: str, node: structure.Node, cid: str, pending: tagger.Pending
) -> dict[str, Any]:
    from .classify import classify

    out = classify(text, view, node.start, node.end, pending)
    out = {
        "id": cid,
        "section": node.section,
        "text": text[node.start : node.end],
        "span": [node.start, node.end],
        **out,
    }
    if node.children:
        children = [
            _criterion(text, view, child, f"{cid}.{i}", pending) for i, child in enumerate(node.children, 1)
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
        if (
            own["kind"] not in ("other", "group", "administrative")
            and own["computable"]
            and "facets" not in own
        ):
            own["id"] = f"{cid}.0"
            if out["operator"] == "all":
                children.insert(0, own)
    return out
