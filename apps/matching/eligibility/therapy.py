"""Therapy rules: prior therapy by drug and class (with line counts, a window and a setting), and washouts.

Medication histories are open-world: a drug not recorded may still have been given, so the absence of a
matching therapy is unknown, never "not received". The class `systemic_therapy` is any systemic anticancer
drug (the root of the anticancer classes in apps/vocab/data/drug_classes.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.matching.eligibility import vocab
from apps.matching.eligibility.base import F, Outcome, T, U, View, cite, day, unknown, words
from apps.matching.eligibility.clinical import ENDED, norm_text
from apps.matching.records import TherapyFact


@dataclass(frozen=True)
class DrugSet:
    """Drugs by DrugBank id or name and classes by id; empty means any therapy."""

    drugs: tuple[str, ...]
    names: tuple[str, ...]
    classes: tuple[str, ...]

    def matches(self, fact: TherapyFact) -> bool:
        if not (self.drugs or self.names or self.classes):
            return True
        if fact.drugbank_id and fact.drugbank_id in self.drugs:
            return True
        if fact.drug_name and norm_text(fact.drug_name) in self.names:
            return True
        if self.classes:
            have = set(fact.drug_classes) | vocab.drug_classes(fact.drugbank_id)
            return any(c in have for c in self.classes)
        return False

    def describe(self) -> str:
        return ", ".join([*self.drugs, *self.names, *self.classes]) or "anticancer therapy"


def drug_set(rule: dict[str, Any]) -> DrugSet:
    drugs: list[str] = []
    names: list[str] = []
    for d in words(rule.get("drugs")):
        (drugs if d.upper().startswith("DB") and d[2:].isdigit() else names).append(d)
    classes = []
    for c in words(rule.get("classes")):
        classes.append(vocab.drug_class_id(c) or c)
    return DrugSet(tuple(drugs), tuple(norm_text(n) for n in names), tuple(classes))


def last_dose(fact: TherapyFact, today: int) -> tuple[int, bool]:
    """(ordinal of the last known dose or -1, whether later doses may exist)."""
    if fact.end_date is not None:
        return fact.end_date.toordinal(), False
    if fact.status.lower() not in ENDED:
        return today, False  # ongoing
    return day(fact.date), True


@dataclass(frozen=True)
class PriorTherapy:
    drugs: DrugSet
    min_lines: int | None = None
    max_lines: int | None = None
    within_days: int | None = None
    setting: str = ""  # metastatic | adjuvant | neoadjuvant | perioperative | maintenance, "" for any

    def fact_value(self, fact: TherapyFact, today: int) -> int:
        """-1 when the fact does not count; T when it does; U when undated but a window applies, or when the
        record cannot tell the therapy's setting (a numbered line of therapy is the metastatic setting)."""
        if not self.drugs.matches(fact):
            return -1
        if self.within_days is not None:
            last, _ = last_dose(fact, today)
            if last < 0:
                return U
            if today - last > self.within_days:
                return -1
        return T if self.setting_known(fact.line) else U

    def setting_known(self, line: int | None) -> bool:
        return not self.setting or (self.setting == "metastatic" and line is not None)

    def combine(self, any_t: bool, any_u: bool, lines: int) -> int:
        """`lines`: the highest recorded line among counted facts, 1 if none has a line, 0 if none counts."""
        if self.max_lines is not None and lines > self.max_lines:
            return F
        if self.max_lines is not None:
            return U
        if self.min_lines is not None:
            return T if lines >= self.min_lines else U
        return T if any_t else U

    def oracle(self, view: View) -> Outcome:
        today = view.as_of.toordinal()
        counted = [f for f in view.record.therapies if self.fact_value(f, today) == T]
        any_u = any(self.fact_value(f, today) == U for f in view.record.therapies)
        lines = max((f.line for f in counted if f.line is not None), default=1 if counted else 0)
        value = self.combine(bool(counted), any_u, lines)
        evidence = (
            cite(f"{counted[-1].drug_name or counted[-1].drugbank_id}", counted[-1]) if counted else None
        )
        return Outcome(value, evidence, None if value != U else f"prior {self.drugs.describe()} history")


@dataclass(frozen=True)
class Washout:
    """Met when a matching therapy was given within `days` before the match date (a recent exposure)."""

    drugs: DrugSet
    days: int

    def fact_value(self, fact: TherapyFact, today: int) -> int:
        if not self.drugs.matches(fact):
            return -1
        last, open_end = last_dose(fact, today)
        if last < 0:
            return U
        if today - last < self.days:
            return T
        return U if open_end else F

    def oracle(self, view: View) -> Outcome:
        today = view.as_of.toordinal()
        outcomes = [(self.fact_value(f, today), f) for f in view.record.therapies]
        recent = [f for v, f in outcomes if v == T]
        if recent:
            return Outcome(
                T, cite(f"{recent[-1].drug_name or recent[-1].drugbank_id} last given", recent[-1])
            )
        return unknown(f"{self.drugs.describe()} in the last {self.days} days")
