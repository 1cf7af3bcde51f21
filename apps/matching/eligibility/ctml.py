"""MatchMiner CTML match trees (`and`/`or` nodes with `clinical` and `genomic` leaves) to criterion dicts, so
one evaluator serves parsed text and CTML alike. A leading "!" negates a value."""

from __future__ import annotations

import re
from typing import Any

from apps.matching.eligibility.base import CriteriaError

_COMPARE = re.compile(r"^\s*(>=|<=|==|>|<|=)?\s*(-?\d+(?:\.\d+)?)\s*$")
_CNV = {
    "amplification": "amplification",
    "high amplification": "amplification",
    "low amplification": "amplification",
    "gain": "amplification",
    "homozygous deletion": "homozygous deletion",
    "heterozygous deletion": "loss",
}
_CATEGORY = {"mutation": "mutation", "cnv": "cnv", "structural variation": "fusion", "any variation": "any"}


def _neg(value: Any) -> tuple[bool, str]:
    text = str(value).strip()
    return (True, text[1:].strip()) if text.startswith("!") else (False, text)


def _bounds(expr: str, where: str) -> dict[str, Any]:
    m = _COMPARE.match(expr)
    if m is None:
        raise CriteriaError(f"{where}: cannot read {expr!r} as a comparison such as >=18")
    op, number = m.group(1) or "==", float(m.group(2))
    if op in (">=", ">"):
        return {"min": number, "min_inclusive": op == ">="}
    if op in ("<=", "<"):
        return {"max": number, "max_inclusive": op == "<="}
    return {"min": number, "max": number}


def _leaf(cid: str, kind: str, rule: dict[str, Any], negated: bool = False, text: str = "") -> dict[str, Any]:
    return {
        "id": cid,
        "section": "inclusion",
        "text": text,
        "span": [0, 0],
        "kind": kind,
        "computable": True,
        "negated": negated,
        "entities": [],
        "rule": rule,
    }


def _group(cid: str, operator: str, children: list[dict[str, Any]]) -> dict[str, Any]:
    if len(children) == 1:
        return {**children[0], "id": cid}
    return {**_leaf(cid, "group", {}), "operator": operator, "children": children}


def _other(cid: str, key: str, value: Any) -> dict[str, Any]:
    return {**_leaf(cid, "other", {}, text=f"{key}: {value}"), "computable": False}


def _clinical(cid: str, fields: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key, raw in fields.items():
        lid = f"{cid}.{len(out) + 1}"
        negated, value = _neg(raw)
        if key == "age_numerical":
            out.append(_leaf(lid, "age", {**_bounds(value, f"{lid}: {key}"), "unit": "a"}, negated))
        elif key in ("oncotree_primary_diagnosis", "oncotree_primary_diagnosis_name"):
            rule: dict[str, Any] = {"oncotree": [value]}
            if value == "_SOLID_":
                rule = {"any_solid": True}
            elif value == "_LIQUID_":
                rule = {"any_hematologic": True}
            out.append(_leaf(lid, "diagnosis", rule, negated, text=value))
        elif key == "gender":
            out.append(_leaf(lid, "sex", {"sex": value.lower()}, negated))
        elif key in ("her2_status", "er_status", "pr_status") and value.lower() in ("positive", "negative"):
            marker = key.split("_")[0].upper()
            out.append(_leaf(lid, "expression", {"marker": marker, "result": value.lower()}, negated))
        elif key == "tmb_numerical":
            out.append(_leaf(lid, "tmb", _bounds(value, f"{lid}: {key}"), negated))
        else:
            out.append(_other(lid, key, raw))
    return out


def _genomic(cid: str, fields: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    gene = str(fields.get("hugo_symbol") or "").strip()
    for key in ("mmr_status", "ms_status"):
        if key in fields:
            negated, value = _neg(fields[key])
            high = value.upper() in ("MSI-H", "MMR-DEFICIENT")
            out.append(_leaf(f"{cid}.{len(out) + 1}", "msi", {"status": "MSI-H" if high else "MSS"}, negated))
    if gene and gene.lower() != "none":
        rule: dict[str, Any] = {"gene": gene}
        negated = False
        if "variant_category" in fields:
            negated, category = _neg(fields["variant_category"])
            rule["variant_class"] = _CATEGORY.get(category.lower(), "any")
        if "cnv_call" in fields:
            cnv_neg, call = _neg(fields["cnv_call"])
            negated = negated or cnv_neg
            rule["variant_class"] = _CNV.get(call.lower(), "cnv")
        if str(fields.get("variant_classification", "")).lower() == "in_frame_del":
            rule["variant_class"] = "deletion"
        partner = str(fields.get("fusion_partner_hugo_symbol") or "").strip()
        if partner and rule.get("variant_class") == "fusion":
            rule["partner"] = partner
        if "exon" in fields:
            rule["exon"] = int(fields["exon"])
        protein_neg = False
        for key in ("protein_change", "wildcard_protein_change"):
            if key in fields:
                protein_neg, rule["protein"] = _neg(fields[key])
        if protein_neg:  # a variant of the gene other than the named one
            base = {k: v for k, v in rule.items() if k != "protein"}
            out.append(_leaf(f"{cid}.{len(out) + 1}", "alteration", base, negated))
            out.append(_leaf(f"{cid}.{len(out) + 1}", "alteration", rule, True))
        else:
            out.append(_leaf(f"{cid}.{len(out) + 1}", "alteration", rule, negated))
    for key, raw in fields.items():
        if key.endswith("_signature") or key in ("true_variant_classification",):
            out.append(_other(f"{cid}.{len(out) + 1}", key, raw))
    return out


def _convert(node: Any, cid: str) -> dict[str, Any]:
    if isinstance(node, list):
        return _group(cid, "all", [_convert(n, f"{cid}.{i + 1}") for i, n in enumerate(node)])
    if not isinstance(node, dict) or len(node) != 1:
        raise CriteriaError(f"CTML node {cid}: expected one of and/or/clinical/genomic, got {node!r:.80}")
    ((key, value),) = node.items()
    if key in ("and", "or"):
        return _group(
            cid,
            "all" if key == "and" else "any",
            [_convert(n, f"{cid}.{i + 1}") for i, n in enumerate(value)],
        )
    if key == "clinical":
        return _group(cid, "all", _clinical(cid, value))
    if key == "genomic":
        return _group(cid, "all", _genomic(cid, value))
    raise CriteriaError(f"CTML node {cid}: unknown key {key!r}")


def ctml_to_criteria(match_tree: Any) -> list[dict[str, Any]]:
    """A CTML `match` value (a list of one root node, or the node) -> one inclusion criterion, id C1."""
    root = match_tree[0] if isinstance(match_tree, list) and len(match_tree) == 1 else match_tree
    return [_convert(root, "C1")]
