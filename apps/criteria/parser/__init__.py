"""Eligibility criteria parser: free text in, the criteria.schema.json object out. Pure: no Django, no I/O."""

from __future__ import annotations

from typing import Any

from . import structure, tagger
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
    return {"parser_version": PARSER_VERSION, "criteria": criteria}


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
    facets = out.pop("facets", None)
    if facets:
        out["children"] = [
            {
                "id": f"{cid}{chr(97 + i) if i < 26 else i}",
                "section": node.section,
                "text": out["text"],
                "span": list(out["span"]),
                "kind": kind,
                "computable": True,
                "negated": out["negated"],
                "confidence": out["confidence"],
                "rule": rule,
                "entities": [],
            }
            for i, (kind, rule) in enumerate(facets)
        ]
    if node.children:
        children = [
            _criterion(text, view, child, f"{cid}.{i}", pending) for i, child in enumerate(node.children, 1)
        ]
        own = dict(out)
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
            and "children" not in own
        ):
            own["id"] = f"{cid}.0"
            own.pop("children", None)
            if out["operator"] == "all":
                children.insert(0, own)
    return out
