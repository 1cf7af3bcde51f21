"""Criteria dicts (criteria.schema.json) to a tree of prepared rules, read once per criteria version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.matching.eligibility import vocab
from apps.matching.eligibility.base import NA, Bounds, CriteriaError, U, words
from apps.matching.eligibility.clinical import (
    Age,
    Diagnosis,
    Performance,
    Pregnancy,
    Sex,
    Stage,
    condition_from,
    parse_stage,
    scale_of,
)
from apps.matching.eligibility.labs import measurement_from
from apps.matching.eligibility.markers import marker_from
from apps.matching.eligibility.molecular import LEVELS, Alteration, Msi, Tmb, alteration_from
from apps.matching.eligibility.therapy import DrugSet, PriorTherapy, Washout, drug_set

MOLECULAR_KINDS = frozenset({"alteration", "tmb", "msi"})
UNANSWERABLE = {
    "life_expectancy": "life expectancy",
    "measurable_disease": "measurable disease (RECIST)",
    "histology": "histology",
    "other": "review of the criterion",
}


@dataclass(frozen=True)
class Node:
    id: str
    kind: str
    negated: bool = False
    operator: str = "all"
    children: tuple[Node, ...] = ()
    leaf: Any = None
    fixed: int | None = None
    missing: str | None = None
    text: str = ""

    @property
    def molecular(self) -> bool:
        """Counts toward molecular fit: a non-negated molecular leaf or group of them."""
        if self.negated or self.fixed is not None:
            return False
        if self.leaf is not None:
            return self.kind in MOLECULAR_KINDS
        return any(c.molecular for c in self.children)

    @property
    def mentions_molecular(self) -> bool:
        return self.kind in MOLECULAR_KINDS or any(c.mentions_molecular for c in self.children)

    @property
    def level(self) -> float:
        return LEVELS[self.leaf.level] if isinstance(self.leaf, Alteration) else 1.0


@dataclass(frozen=True)
class Top:
    node: Node
    exclusion: bool


@dataclass(frozen=True)
class Criteria:
    """One criteria version, prepared. `problems` lists criteria that could not be read (kept as unknown)."""

    tops: tuple[Top, ...]
    problems: tuple[str, ...] = ()


def prepare(criteria: list[dict[str, Any]] | Criteria, *, strict: bool = True) -> Criteria:
    """Read criteria dicts; strict: raise CriteriaError on an unreadable criterion, else keep it unknown."""
    if isinstance(criteria, Criteria):
        return criteria
    if not isinstance(criteria, list):
        raise CriteriaError(f"criteria: expected a list of criterion objects, got {type(criteria).__name__}")
    problems: list[str] = []
    tops = []
    for i, item in enumerate(criteria):
        if not isinstance(item, dict):
            raise CriteriaError(f"criteria[{i}]: expected an object")
        section = str(item.get("section") or "inclusion")
        if section not in ("inclusion", "exclusion"):
            raise CriteriaError(f"criterion {item.get('id', i)}: field 'section': {section!r}")
        tops.append(
            Top(_node(item, str(item.get("id") or f"#{i}"), strict, problems), section == "exclusion")
        )
    return Criteria(tuple(tops), tuple(problems))


def _node(item: dict[str, Any], cid: str, strict: bool, problems: list[str]) -> Node:
    kind = str(item.get("kind") or "other")
    negated = bool(item.get("negated", False))
    text = str(item.get("text") or "")
    if kind == "administrative":
        return Node(cid, kind, negated, fixed=NA, text=text)
    if kind == "group" and item.get("children"):
        operator = str(item.get("operator") or "all")
        if operator not in ("all", "any"):
            raise CriteriaError(f"criterion {cid}: field 'operator': {operator!r} is not all or any")
        children = tuple(
            _node(child, str(child.get("id") or f"{cid}.{j + 1}"), strict, problems)
            for j, child in enumerate(item["children"])
        )
        return Node(cid, kind, negated, operator, children, text=text)
    if not item.get("computable", True) or kind in UNANSWERABLE or kind == "group":
        # A criterion may say what would decide it ("missing"): the review cap of a flagged trial does.
        missing = str(item.get("missing") or "") or UNANSWERABLE.get(
            kind, f"review: {text[:80]}" if text else "review of the criterion"
        )
        return Node(cid, kind, negated, fixed=U, missing=missing, text=text)
    rule = item.get("rule") or {}
    if not isinstance(rule, dict):
        raise CriteriaError(f"criterion {cid}: field 'rule': expected an object")
    try:
        leaf = leaf_of(kind, rule, f"criterion {cid}: rule")
    except CriteriaError as exc:
        if strict:
            raise
        problems.append(str(exc))
        return Node(cid, kind, negated, fixed=U, missing=f"review: {text[:80] or kind}", text=text)
    if leaf is None:
        return Node(cid, kind, negated, fixed=U, missing=UNANSWERABLE["other"], text=text)
    return Node(cid, kind, negated, leaf=leaf, text=text)


def leaf_of(kind: str, rule: dict[str, Any], where: str) -> Any:
    if kind == "age":
        unit = str(rule.get("unit") or "a").lower()
        return Age(Bounds.of(rule, where), months=unit in ("mo", "month", "months"))
    if kind == "sex":
        return Sex(str(rule.get("sex") or "all").lower())
    if kind == "diagnosis":
        codes = []
        for name in words(rule.get("oncotree")):
            code = vocab.cancer_code(name)
            if code is None:
                raise CriteriaError(f"{where}: field 'oncotree': unknown cancer type {name!r}")
            codes.append(code)
        solid, heme = bool(rule.get("any_solid")), bool(rule.get("any_hematologic"))
        return Diagnosis(tuple(sorted(set(codes))), solid, heme) if codes or solid or heme else None
    if kind == "stage":
        stages = [parse_stage(s) for s in words(rule.get("stages"))]
        if not stages or any(s is None for s in stages):
            raise CriteriaError(f"{where}: field 'stages': expected stage groups such as III, IIIB, IV")
        return Stage(tuple(s for s in stages if s is not None))
    if kind == "alteration":
        return alteration_from(rule, where)
    if kind == "tmb":
        return Tmb(Bounds.of(rule, where))
    if kind == "msi":
        status = str(rule.get("status") or "MSI-H").upper()
        return Msi(high=status in ("MSI-H", "DMMR", "MMR-DEFICIENT", "MSI-HIGH"))
    if kind == "expression":
        return marker_from(rule, where)
    if kind == "performance_status":
        return Performance(scale_of(str(rule.get("scale") or "ECOG")), Bounds.of(rule, where))
    if kind == "measurement":
        if not rule.get("loinc"):
            return None
        return measurement_from(rule, where, condition_from)
    if kind == "prior_therapy":
        return PriorTherapy(
            drug_set(rule),
            _int(rule, "min_lines"),
            _int(rule, "max_lines"),
            _int(rule, "within_days"),
            str(rule.get("setting") or "").lower(),
        )
    if kind == "washout":
        drugs = DrugSet((), (), ()) if rule.get("any_anticancer") else drug_set(rule)
        days = _int(rule, "days")
        if days is None:
            raise CriteriaError(f"{where}: field 'days': a washout needs a number of days")
        return Washout(drugs, days)
    if kind == "condition":
        return condition_from(rule, where)
    if kind == "pregnancy":
        statuses = words(rule.get("status")) or ("pregnant", "lactating")
        return Pregnancy(tuple(s.lower().replace("breastfeeding", "lactating") for s in statuses))
    return None


def _int(rule: dict[str, Any], name: str) -> int | None:
    value = rule.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise CriteriaError(f"field {name!r}: expected a whole number, got {value!r}") from exc
