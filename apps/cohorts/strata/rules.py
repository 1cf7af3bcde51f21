"""Rule- and attribute-based stratification: each patient record to one named subgroup, deterministically.

A rule is a plain dict (stored as the stratification's parameters), checked by `parse_rule`:

    {"rule": "gene", "genes": ["TP53", "STK11"]}  mutant / wild-type (all tested, none detected) / untested
    {"rule": "egfr"}                              the gene rule for EGFR
    {"rule": "tmb", "threshold": 10}              TMB >= 10 vs < 10 mut/Mb, untested
    {"rule": "pdl1_tps", "cuts": [1, 50]}         PD-L1 TPS < 1 / 1-49 / >= 50, untested
    {"rule": "msi"}                               MSI-H (or dMMR) vs MSS (MSI-L, pMMR), untested
    {"attribute": "stage" | "ecog" | "sex" | "age" | "lines" | "cancer_type" | "treatment", ...}

Groups come in a fixed order, the reference (the group a Cox model compares against) first.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from apps.matching.records import PatientRecord

from . import facts

UNKNOWN = "unknown"
BIOMARKER_RULES = ("gene", "egfr", "tmb", "pdl1_tps", "msi")
ATTRIBUTES = ("stage", "ecog", "sex", "age", "lines", "cancer_type", "treatment")


class StrataInputError(ValueError):
    """Bad stratification parameters, with a message naming the field."""


@dataclass(frozen=True)
class Rule:
    name: str
    order: tuple[str, ...]
    label: Callable[[PatientRecord], str]
    describe: str

    def assign(self, records: Sequence[PatientRecord]) -> Assignment:
        labels = {r.key: self.label(r) for r in records}
        present = set(labels.values())
        order = tuple(g for g in self.order if g in present) + tuple(sorted(present - set(self.order)))
        return Assignment(groups=order, labels=labels, details={"rule": self.describe})


@dataclass(frozen=True)
class Assignment:
    """Every patient's subgroup; `groups` ordered with the reference first."""

    groups: tuple[str, ...]
    labels: dict[str, str]
    details: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        values = list(self.labels.values())
        return {g: values.count(g) for g in self.groups}


def _number(params: Mapping[str, Any], name: str, default: float) -> float:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise StrataInputError(f"parameters: field '{name}': {value!r} is not a number")
    return float(value)


def _cuts(params: Mapping[str, Any], name: str, default: Sequence[float]) -> tuple[float, ...]:
    value = params.get(name, list(default))
    if not isinstance(value, list | tuple) or not value:
        raise StrataInputError(f"parameters: field '{name}': expected a non-empty list of numbers")
    cuts = tuple(_number({name: v}, name, 0) for v in value)
    if list(cuts) != sorted(set(cuts)):
        raise StrataInputError(f"parameters: field '{name}': cut points must increase: {list(value)}")
    return cuts


def _fmt(value: float) -> str:
    return f"{value:g}"


def _bands(cuts: tuple[float, ...], prefix: str = "") -> tuple[str, ...]:
    """Labels of [-inf, c1), [c1, c2), ..., [ck, inf) for integer-valued cut points: <c1, c1-(c2-1), >=ck."""
    labels = [f"{prefix}< {_fmt(cuts[0])}"]
    for low, high in itertools.pairwise(cuts):
        upper = high - 1 if float(high).is_integer() and float(low).is_integer() else high
        labels.append(f"{prefix}{_fmt(low)}-{_fmt(upper)}")
    labels.append(f"{prefix}>= {_fmt(cuts[-1])}")
    return tuple(labels)


def _band_of(value: float, cuts: tuple[float, ...], labels: tuple[str, ...]) -> str:
    return labels[sum(value >= c for c in cuts)]


def _gene_rule(genes: Sequence[str]) -> Rule:
    name = "/".join(genes)
    order = (f"{name} wild-type", f"{name} mutant", f"{name} untested")

    def label(record: PatientRecord) -> str:
        return f"{name} {facts.gene_status(record, genes)}"

    return Rule(
        f"{name} status",
        order,
        label,
        f"{name}: mutant if a variant is detected in any of them; wild-type if every one was tested and "
        "none detected; untested otherwise (an untested gene is never negative)",
    )


def _tmb_rule(threshold: float) -> Rule:
    low, high, untested = f"TMB < {_fmt(threshold)}", f"TMB >= {_fmt(threshold)}", "TMB untested"

    def label(record: PatientRecord) -> str:
        fact = facts.latest_marker(record, "TMB")
        if fact is None or fact.value_number is None:
            return untested
        return high if fact.value_number >= threshold else low

    return Rule("TMB", (low, high, untested), label, f"latest TMB (mut/Mb) >= {_fmt(threshold)} vs below")


def _pdl1_rule(cuts: tuple[float, ...]) -> Rule:
    labels = _bands(cuts, "TPS ")
    untested = "PD-L1 TPS untested"

    def label(record: PatientRecord) -> str:
        fact = facts.latest_marker(record, "PD-L1", "TPS")
        if fact is None or fact.value_number is None:
            return untested
        return _band_of(fact.value_number, cuts, labels)

    return Rule("PD-L1 TPS", (*labels, untested), label, "latest PD-L1 tumour proportion score (%) in bands")


def _msi_rule() -> Rule:
    high = {"MSI-H", "dMMR"}
    stable = {"MSS", "MSI-L", "pMMR"}

    def label(record: PatientRecord) -> str:
        results = [facts.latest_marker(record, m) for m in ("MSI", "MMR")]
        found = {r.result for r in results if r is not None}
        if found & high:
            return "MSI-H"
        if found & stable:
            return "MSS"
        return "MSI untested"

    return Rule("MSI", ("MSS", "MSI-H", "MSI untested"), label, "MSI-H or dMMR vs MSS, MSI-L or pMMR")


def biomarker_rule(params: Mapping[str, Any]) -> Rule:
    rule = params.get("rule")
    if rule == "egfr":
        return _gene_rule(["EGFR"])
    if rule == "gene":
        genes = params.get("genes")
        if (
            not isinstance(genes, list)
            or not genes
            or not all(isinstance(g, str) and g.strip() for g in genes)
        ):
            raise StrataInputError("parameters: field 'genes': expected a non-empty list of gene symbols")
        return _gene_rule([g.strip().upper() for g in genes])
    if rule == "tmb":
        return _tmb_rule(_number(params, "threshold", 10))
    if rule == "pdl1_tps":
        return _pdl1_rule(_cuts(params, "cuts", (1, 50)))
    if rule == "msi":
        return _msi_rule()
    raise StrataInputError(f"parameters: field 'rule': {rule!r} is not one of {', '.join(BIOMARKER_RULES)}")


def _capped(value: int | None, top: int | None, unit: str = "") -> str:
    if value is None:
        return UNKNOWN
    if top is not None and value >= top:
        return f"{top}+{unit}"
    return f"{value}{unit}"


def attribute_rule(params: Mapping[str, Any]) -> Rule:
    attribute = params.get("attribute")
    if attribute == "stage":
        return Rule(
            "stage",
            ("0", "I", "II", "III", "IV", UNKNOWN),
            lambda r: facts.stage(r) or UNKNOWN,
            "main stage group of the primary cancer",
        )
    if attribute == "sex":
        return Rule("sex", ("female", "male", "other", "unknown"), lambda r: r.sex or UNKNOWN, "sex")
    if attribute == "cancer_type":
        return Rule(
            "cancer type", (), lambda r: facts.cancer_type(r) or UNKNOWN, "OncoTree code of the primary"
        )
    if attribute == "ecog":
        top = int(_number(params, "top", 2))
        order = (*(str(v) for v in range(top)), f"{top}+", UNKNOWN)
        return Rule("ECOG", order, lambda r: _capped(facts.ecog(r), top), f"ECOG at diagnosis, {top}+ merged")
    if attribute == "lines":
        top = int(_number(params, "top", 3))
        order = (*(str(v) for v in range(top)), f"{top}+")
        return Rule(
            "lines",
            order,
            lambda r: _capped(len(facts.therapy_lines(r.therapies)), top),
            "number of lines of therapy received",
        )
    if attribute == "age":
        cuts = _cuts(params, "bands", (50, 65, 75))
        labels = _bands(cuts, "age ")

        def age_label(record: PatientRecord) -> str:
            years = facts.age(record)
            return UNKNOWN if years is None else _band_of(years, cuts, labels)

        return Rule("age", (*labels, UNKNOWN), age_label, "age at diagnosis in years, in bands")
    if attribute == "treatment":
        return _treatment_rule(params)
    raise StrataInputError(
        f"parameters: field 'attribute': {attribute!r} is not one of {', '.join(ATTRIBUTES)}"
    )


def _treatment_rule(params: Mapping[str, Any]) -> Rule:
    drug, drug_class = params.get("drug"), params.get("drug_class")
    given = [(n, v) for n, v in (("drug", drug), ("drug_class", drug_class)) if v is not None]
    if len(given) != 1 or not isinstance(given[0][1], str) or not given[0][1].strip():
        raise StrataInputError(
            "parameters: give exactly one of 'drug' (a drug name) or 'drug_class' (a class)"
        )
    what = given[0][1].strip()
    yes, no = f"received {what}", f"not received {what}"

    def label(record: PatientRecord) -> str:
        return yes if facts.received(record, drug=drug, drug_class=drug_class) else no

    return Rule("treatment", (no, yes), label, f"any record of {given[0][0].replace('_', ' ')} '{what}'")


def parse_rule(kind: str, params: Mapping[str, Any]) -> Rule:
    if not isinstance(params, Mapping):
        raise StrataInputError("parameters: expected an object")
    if kind == "biomarker":
        return biomarker_rule(params)
    if kind == "attribute":
        return attribute_rule(params)
    raise StrataInputError(f"kind: {kind!r} is not a rule kind (biomarker, attribute)")
