"""Lab rules: the most recent value within the look-back window, unit conversion, multiples of the
observation's own reference range, conditional alternatives, and creatinine clearance by Cockcroft-Gault.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.matching.eligibility import vocab
from apps.matching.eligibility.base import Bounds, F, Outcome, T, U, View, cite, day, latest, unknown
from apps.matching.eligibility.clinical import CRCL_LOINCS, CREATININE, WEIGHT, Age, Condition
from apps.matching.records import LabFact


@dataclass(frozen=True)
class Alternative:
    """A looser limit that applies when a condition holds (e.g. AST <= 5x ULN with liver metastases)."""

    bounds: Bounds
    relative_to: str | None
    condition: Condition


@dataclass(frozen=True)
class Measurement:
    loinc: str
    bounds: Bounds
    unit: str
    relative_to: str | None
    within_days: int
    alternatives: tuple[Alternative, ...] = ()
    cockcroft_gault: bool = False

    @property
    def name(self) -> str:
        return vocab.lab_name(self.loinc)

    def in_window(self, fact: LabFact | None, as_of_day: int) -> bool:
        return fact is not None and fact.date is not None and as_of_day - day(fact.date) <= self.within_days

    def test(
        self, bounds: Bounds, relative_to: str | None, value: float, unit: str, low: Any, high: Any
    ) -> int:
        """One limit against one value (U when the reference range or a unit conversion is missing)."""
        if relative_to == "ULN":
            return U if high is None else bounds.test(value, high)
        if relative_to == "LLN":
            return U if low is None else bounds.test(value, low)
        factor = unit_factor(self.unit, unit, self.loinc)
        return U if factor is None else bounds.scaled(factor).test(value)

    def judge(self, value: float, unit: str, low: Any, high: Any, alternatives: tuple[int, ...]) -> int:
        """The limit, then each alternative whose condition value (T/U/F) is given in `alternatives`."""
        result = self.test(self.bounds, self.relative_to, value, unit, low, high)
        if result != F:
            return result
        for alt, holds in zip(self.alternatives, alternatives, strict=True):
            if holds != F and self.test(alt.bounds, alt.relative_to, value, unit, low, high) == T:
                result = max(result, holds)
        return result

    def oracle(self, view: View) -> Outcome:
        today = view.as_of.toordinal()
        fact = latest(view.record.labs, lambda f: f.loinc == self.loinc and f.date is not None)
        if not self.in_window(fact, today):
            if self.cockcroft_gault:
                return self.estimate(view)
            return unknown(f"{self.name} within {self.within_days} days")
        assert fact is not None
        alts = tuple(a.condition.oracle(view).value for a in self.alternatives)
        value = self.judge(fact.value, fact.unit, fact.ref_low, fact.ref_high, alts)
        missing = None
        if value == U:
            missing = "; ".join(
                [f"reference range of {self.name}"] if self.relative_to else [f"{self.name} in a known unit"]
            )
            if (
                self.alternatives
                and self.test(
                    self.bounds, self.relative_to, fact.value, fact.unit, fact.ref_low, fact.ref_high
                )
                == F
            ):
                missing = "; ".join(f"history of {a.condition.name}" for a in self.alternatives)
        return Outcome(value, cite(f"{self.name} {fact.value:g} {fact.unit}".rstrip(), fact), missing)

    def estimate(self, view: View) -> Outcome:
        today = view.as_of.toordinal()
        creat = latest(view.record.labs, lambda f: f.loinc == CREATININE and f.date is not None)
        weight = latest(view.record.labs, lambda f: f.loinc == WEIGHT and f.date is not None)
        age = Age(Bounds(), months=False).value(view.record, view.as_of)
        missing = []
        if not self.in_window(creat, today):
            missing.append(f"creatinine within {self.within_days} days")
        if not self.in_window(weight, today):
            missing.append(f"body weight within {self.within_days} days")
        if age is None:
            missing.append("date of birth")
        if view.record.sex not in ("female", "male"):
            missing.append("sex")
        if missing:
            return unknown("; ".join(missing))
        assert creat is not None and weight is not None and age is not None
        crcl = cockcroft_gault(creat.value, creat.unit, age, weight.value, view.record.sex == "female")
        if crcl is None:
            return unknown("creatinine in a known unit")
        alts = tuple(a.condition.oracle(view).value for a in self.alternatives)
        value = self.judge(crcl, "mL/min", None, None, alts)
        return Outcome(
            value, cite(f"Cockcroft-Gault creatinine clearance {crcl:.0f} mL/min from creatinine", creat)
        )


def unit_factor(rule_unit: str, lab_unit: str, loinc: str) -> float | None:
    """Multiply a bound in `rule_unit` by this to get it in the lab's unit (None: not convertible)."""
    if not rule_unit or not lab_unit or rule_unit == lab_unit:
        return 1.0
    return vocab.convert(1.0, rule_unit, lab_unit, loinc)


def cockcroft_gault(creatinine: float, unit: str, age: float, weight_kg: float, female: bool) -> float | None:
    """mL/min: (140 - age) x weight / (72 x serum creatinine in mg/dL), x 0.85 for women."""
    factor = unit_factor(unit or "mg/dL", "mg/dL", CREATININE)
    if factor is None or creatinine <= 0:
        return None
    mg_dl = creatinine * factor
    crcl = (140.0 - age) * weight_kg / (72.0 * mg_dl)
    return crcl * 0.85 if female else crcl


def measurement_from(rule: dict[str, Any], where: str, condition_from: Any) -> Measurement:
    loinc = str(rule.get("loinc") or "").strip()
    formula = str(rule.get("formula") or "").lower().replace("_", "-")
    alternatives = []
    for i, alt in enumerate(rule.get("alternatives") or []):
        alt_where = f"{where}: alternatives[{i}]"
        alternatives.append(
            Alternative(Bounds.of(alt, alt_where), _relative(alt), condition_from(alt, alt_where))
        )
    return Measurement(
        loinc=loinc,
        bounds=Bounds.of(rule, where),
        unit=str(rule.get("unit") or ""),
        relative_to=_relative(rule),
        within_days=int(rule.get("within_days") or rule.get("lookback_days") or 28),
        alternatives=tuple(alternatives),
        cockcroft_gault=loinc in CRCL_LOINCS or "cockcroft" in formula,
    )


def _relative(rule: dict[str, Any]) -> str | None:
    rel = rule.get("relative_to")
    return str(rel).upper() if rel else None
