"""Leaf rules about the person and the clinical record: age, sex, cancer type and stage, performance
status, labs, prior therapy, washouts, conditions, pregnancy.

Each rule says what one fact contributes (methods the engine also calls per distinct fact) and how the
facts of one patient combine (`oracle`, the readable reference).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from apps.matching.eligibility import vocab
from apps.matching.eligibility.base import (
    DEFAULT_LOOKBACK_DAYS,
    NA,
    Bounds,
    CriteriaError,
    F,
    Outcome,
    T,
    U,
    View,
    cite,
    day,
    latest,
    strongest,
    unknown,
    words,
)
from apps.matching.records import DiagnosisFact, PatientRecord, PerformanceFact

PREGNANCY_MAX_AGE = 60  # women older than this are treated as unable to become pregnant (documented)
CRCL_LOINCS = frozenset({"2164-2", "35591-7"})
CREATININE, WEIGHT = "2160-0", "29463-7"
ENDED = frozenset({"completed", "stopped", "entered-in-error", "not-taken", "cancelled"})
INACTIVE = frozenset({"inactive", "resolved", "remission"})
ECOG_TO_KPS = {0: (100, 100), 1: (80, 90), 2: (60, 70), 3: (40, 50), 4: (10, 30), 5: (0, 0)}
_STAGE = re.compile(r"^(?:STAGE\s*)?(IV|III|II|I|0|[1-4])([A-D])?\d?", re.IGNORECASE)
_ARABIC = {"1": "I", "2": "II", "3": "III", "4": "IV"}


def norm_text(text: str) -> str:
    return re.sub(r"\s+", " ", text.casefold().replace("’", "'")).strip(" .,;")


@dataclass(frozen=True)
class Age:
    bounds: Bounds
    months: bool

    def value(self, record: PatientRecord, as_of: Any) -> float | None:
        born = record.birth_date
        if born is None:
            return None
        if self.months:
            return float((as_of.year - born.year) * 12 + as_of.month - born.month - (as_of.day < born.day))
        return float(as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day)))

    def oracle(self, view: View) -> Outcome:
        age = self.value(view.record, view.as_of)
        if age is None:
            return unknown("date of birth")
        unit = "months" if self.months else "years"
        return Outcome(self.bounds.test(age), f"age {age:g} {unit} on {view.as_of.isoformat()}")


@dataclass(frozen=True)
class Sex:
    sex: str

    def oracle(self, view: View) -> Outcome:
        if self.sex in ("all", "any", ""):
            return Outcome(T, "any sex")
        if view.record.sex not in ("female", "male"):
            return unknown("sex")
        return Outcome(T if view.record.sex == self.sex else F, f"sex {view.record.sex}")


@dataclass(frozen=True)
class Diagnosis:
    codes: tuple[str, ...]
    any_solid: bool = False
    any_hematologic: bool = False

    def code_value(self, code: str) -> int:
        """T if `code` is (below) a required type, U if unknown or a required type is more specific."""
        if not code or not vocab.known_cancer(code):
            return U
        if (self.any_solid and vocab.is_solid(code)) or (self.any_hematologic and vocab.is_hematologic(code)):
            return T
        if any(vocab.is_a(code, want) for want in self.codes):
            return T
        if any(vocab.is_a(want, code) and want != code for want in self.codes):
            return U
        if (self.any_solid or self.any_hematologic) and not (
            vocab.is_solid(code) or vocab.is_hematologic(code)
        ):
            return U
        return F

    @staticmethod
    def counts(fact: DiagnosisFact) -> bool:
        return fact.category == "cancer"

    def oracle(self, view: View) -> Outcome:
        outcomes = []
        for fact in view.record.diagnoses:
            if self.counts(fact):
                value = self.code_value(fact.oncotree_code)
                missing = f"cancer type more specific than {fact.oncotree_code or fact.display}"
                what = cite(f"diagnosis {fact.oncotree_code or fact.display}", fact)
                outcomes.append(Outcome(value, what, missing if value == U else None))
        return strongest(outcomes, unknown("cancer diagnosis"))


def parse_stage(text: str) -> tuple[str, str] | None:
    m = _STAGE.match(text.strip())
    if m is None:
        return None
    group = _ARABIC.get(m.group(1), m.group(1).upper())
    return group, (m.group(2) or "").upper()


@dataclass(frozen=True)
class Stage:
    stages: tuple[tuple[str, str], ...]

    def stage_value(self, text: str) -> int:
        have = parse_stage(text)
        if have is None:
            return U
        result = F
        for group, sub in self.stages:
            if group == have[0] and (not sub or sub == have[1]):
                return T
            if group == have[0] and sub and not have[1]:
                result = U
        return result

    @staticmethod
    def counts(fact: DiagnosisFact) -> bool:
        return fact.category == "cancer" and bool(fact.stage)

    def oracle(self, view: View) -> Outcome:
        outcomes = []
        for fact in view.record.diagnoses:
            if self.counts(fact):
                value = self.stage_value(fact.stage)
                outcomes.append(
                    Outcome(
                        value, cite(f"stage {fact.stage}", fact), "cancer substage" if value == U else None
                    )
                )
        return strongest(outcomes, unknown("cancer stage"))


def scale_of(text: str) -> str:
    t = text.strip().upper()
    if t in ("KPS", "KARNOFSKY"):
        return "KPS"
    if t.startswith("LANSKY"):
        return "LANSKY"
    return "ECOG"


@dataclass(frozen=True)
class Performance:
    scale: str
    bounds: Bounds

    def interval(self, fact: PerformanceFact) -> tuple[float, float] | None:
        """The fact's value on this rule's scale, as an interval (a documented conversion ECOG<->KPS)."""
        have = "KPS" if fact.scale in ("KPS", "LANSKY") else "ECOG"
        want = "KPS" if self.scale in ("KPS", "LANSKY") else "ECOG"
        if have == want:
            return float(fact.value), float(fact.value)
        if want == "KPS":
            lo, hi = ECOG_TO_KPS.get(fact.value, (-1, -1))
            return (float(lo), float(hi)) if lo >= 0 else None
        if fact.value >= 100:
            return 0.0, 0.0
        for ecog, (lo, hi) in ECOG_TO_KPS.items():
            if lo <= fact.value // 10 * 10 <= hi:
                return float(ecog), float(ecog)
        return None

    def fact_value(self, fact: PerformanceFact) -> int:
        span = self.interval(fact)
        if span is None:
            return U
        results = {self.bounds.test(float(v)) for v in range(int(span[0]), int(span[1]) + 1)}
        return results.pop() if len(results) == 1 else U

    def same_scale(self, fact: PerformanceFact) -> bool:
        return fact.scale == self.scale

    def oracle(self, view: View) -> Outcome:
        facts = view.record.performance
        fact = latest(facts, self.same_scale) or latest(facts, lambda f: True)
        if fact is None:
            name = {"KPS": "Karnofsky", "LANSKY": "Lansky"}.get(self.scale, self.scale)
            return unknown(f"{name} performance status")
        value = self.fact_value(fact)
        return Outcome(
            value, cite(f"{fact.scale} {fact.value}", fact), None if value != U else f"{self.scale} score"
        )


# Conditions are judged for every distinct diagnosis of a worker's patients: the parts that depend on the
# fact or the condition alone are computed once each.
@lru_cache(maxsize=65536)
def _icd_codes(code_system: str, code: str, codes: tuple[str, ...]) -> tuple[str, ...]:
    """The fact's ICD codes, upper case, empty ones left out."""
    found = [code] if code_system.upper().startswith("ICD") else []
    found += [c.split("|", 1)[1] for c in codes if "|" in c and "icd" in c.split("|", 1)[0].lower()]
    return tuple(c.upper() for c in found if c)


@lru_cache(maxsize=65536)
def _norm_display(display: str) -> str:
    return norm_text(display)


@lru_cache(maxsize=4096)
def _word(name: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(name)}\b")


@dataclass(frozen=True)
class Condition:
    """A comorbidity or metastasis: met when recorded, unknown when the record is silent about it."""

    name: str
    icd10: tuple[str, ...]
    active_only: bool = False
    within_years: float | None = None

    def matches(self, fact: DiagnosisFact) -> bool:
        codes = _icd_codes(fact.code_system, fact.code, tuple(fact.codes))
        if any(vocab.condition_covers(prefix, code) for code in codes for prefix in self.icd10):
            return True
        if not self.name:
            return False
        display = _norm_display(fact.display)
        return display == self.name or _word(self.name).search(display) is not None

    def base_value(self, fact: DiagnosisFact) -> int:
        """Value of a fact ignoring its date: -1 when it is not this condition."""
        if not self.matches(fact):
            return -1
        return F if self.active_only and fact.clinical_status.lower() in INACTIVE else T

    def fact_value(self, fact: DiagnosisFact, as_of: Any) -> int:
        value = self.base_value(fact)
        if value != T or self.within_years is None:
            return value
        if fact.date is None:
            return U
        return T if as_of.toordinal() - fact.date.toordinal() <= self.within_years * 365.25 else F

    def oracle(self, view: View) -> Outcome:
        missing = f"history of {self.name or ', '.join(self.icd10)}"
        outcomes = []
        for fact in view.record.diagnoses:
            value = self.fact_value(fact, view.as_of)
            if value >= 0:
                outcomes.append(
                    Outcome(value, cite(fact.display or fact.code, fact), missing if value == U else None)
                )
        return strongest(outcomes, unknown(missing))


@dataclass(frozen=True)
class Pregnancy:
    statuses: tuple[str, ...]
    within_days: int = DEFAULT_LOOKBACK_DAYS

    @staticmethod
    def applies(sex: str, age: float | None) -> bool:
        """Not applicable to males and to women older than PREGNANCY_MAX_AGE."""
        return sex != "male" and not (sex == "female" and age is not None and age > PREGNANCY_MAX_AGE)

    def status_value(self, status: str) -> int:
        if status in self.statuses:
            return T
        return U if status in ("unknown", "") else F

    def oracle(self, view: View) -> Outcome:
        age = Age(Bounds(), months=False).value(view.record, view.as_of)
        if not self.applies(view.record.sex, age):
            return Outcome(NA, f"{view.record.sex}, age {age if age is not None else 'unknown'}")
        fact = latest(view.record.pregnancy, lambda f: f.date is not None)
        if fact is None or view.as_of.toordinal() - day(fact.date) > self.within_days:
            return unknown(f"pregnancy status within {self.within_days} days")
        value = self.status_value(fact.status)
        return Outcome(value, cite(fact.status, fact), None if value != U else "pregnancy status")


def condition_from(rule: dict[str, Any], where: str) -> Condition:
    # parser keys ("liver_metastases", "gilbert_syndrome") read as the names they stand for
    name = norm_text(str(rule.get("condition") or rule.get("name") or "").replace("_", " "))
    # a code may list alternatives ("K50|K51"); a rule without codes takes its condition's from apps.vocab
    codes = [part for code in words(rule.get("icd10")) for part in code.split("|")]
    icd10 = codes or vocab.condition_codes(name)
    if not name and not icd10:
        raise CriteriaError(f"{where}: field 'condition': a condition needs a name or ICD-10 codes")
    within = rule.get("within_years")
    qualifier = str(rule.get("qualifier") or "").lower()
    return Condition(
        name, tuple(icd10), qualifier in ("active", "current", "untreated"), float(within) if within else None
    )
