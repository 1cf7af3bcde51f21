"""Expression markers: PD-L1 (the scoring system must match, the assay when the record names one), HER2 by
IHC and ISH (positive, negative, low, zero), ER and PR (positive means >= 1% of cells)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.matching.eligibility.base import (
    Bounds,
    CriteriaError,
    F,
    Outcome,
    T,
    U,
    View,
    cite,
    latest,
    unknown,
)
from apps.matching.records import BiomarkerFact

POSITIVE, NEGATIVE = frozenset({"positive", "pos", "high"}), frozenset({"negative", "neg"})
HER2_RESULTS = ("positive", "negative", "low", "0", "1+", "2+", "3+")


@dataclass(frozen=True)
class Expression:
    marker: str  # PD-L1, HER2, ER, PR
    bounds: Bounds
    result: str = ""
    scoring: str = ""
    assay: str = ""

    def relevant(self, fact: BiomarkerFact) -> bool:
        if fact.marker != self.marker:
            return False
        if self.marker == "PD-L1":
            if self.scoring and fact.scoring.upper() != self.scoring:
                return False
            if self.assay and fact.clone and fact.clone.upper() != self.assay:
                return False
        return fact.value_number is not None or bool(fact.result)

    def fact_value(self, fact: BiomarkerFact) -> int:
        if not self.bounds.empty:
            if fact.value_number is not None:
                return self.bounds.test(float(fact.value_number))
            return self._negative_against_bounds(fact)
        positive = _positive(fact)
        if positive is None:
            return U
        return T if positive == (self.result in POSITIVE) else F

    def _negative_against_bounds(self, fact: BiomarkerFact) -> int:
        """A result reported only as negative (ER, PR, PD-L1: under 1% of cells) fails a lower bound of at
        least 1% and meets an upper bound of at least 1%; any other bound is undecided."""
        if self.marker not in ("ER", "PR", "PD-L1") or fact.result.strip().lower() not in NEGATIVE:
            return U
        if self.bounds.min is not None and self.bounds.min >= 1:
            return F
        if self.bounds.min is None and self.bounds.max is not None and self.bounds.max >= 1:
            return T
        return U

    @property
    def missing(self) -> str:
        if self.marker == "PD-L1":
            detail = " ".join(x for x in (self.scoring, f"({self.assay})" if self.assay else "") if x)
            return f"PD-L1 {detail}".strip()
        return f"{self.marker} status"

    def oracle(self, view: View) -> Outcome:
        fact = latest(view.record.biomarkers, self.relevant)
        if fact is None:
            return unknown(self.missing)
        value = self.fact_value(fact)
        shown = f"{fact.value_number:g}" if fact.value_number is not None else fact.result
        return Outcome(value, cite(f"{fact.marker} {fact.scoring} {shown}".replace("  ", " "), fact), None)


def _positive(fact: BiomarkerFact) -> bool | None:
    result = fact.result.strip().lower()
    if result in POSITIVE:
        return True
    if result in NEGATIVE:
        return False
    if fact.value_number is not None:
        return fact.value_number >= 1.0
    return None


IHC = ("", "0", "1+", "2+", "3+", "positive", "negative", "equivocal")
ISH = ("", "amplified", "not-amplified", "equivocal")


def her2_value(want: str, ihc: str, ish: str) -> int:
    """HER2 status from the latest IHC score and ISH result (ASCO/CAP 2018; HER2-low = IHC 1+ or 2+/ISH-)."""
    positive = ihc in ("3+", "positive") or ish == "amplified"
    negative = (ihc in ("0", "1+", "negative") and ish != "amplified") or (
        ish == "not-amplified" and ihc not in ("3+", "positive")
    )
    if want in ("positive", "negative"):
        if positive == negative:
            return U
        return T if positive == (want == "positive") else F
    if want == "low":
        if positive or ihc == "0":
            return F
        if ihc == "1+" or (ihc == "2+" and ish == "not-amplified"):
            return T
        return U
    if want in ("0", "1+", "2+", "3+"):
        if ihc in ("0", "1+", "2+", "3+"):
            return T if ihc == want else F
        return U
    return U


@dataclass(frozen=True)
class Her2:
    want: str

    @staticmethod
    def ihc(fact: BiomarkerFact) -> bool:
        return fact.marker == "HER2-IHC" and fact.result.strip().lower() in IHC[1:]

    @staticmethod
    def ish(fact: BiomarkerFact) -> bool:
        return fact.marker == "HER2-ISH" and fact.result.strip().lower() in ISH[1:]

    def oracle(self, view: View) -> Outcome:
        ihc = latest(view.record.biomarkers, self.ihc)
        ish = latest(view.record.biomarkers, self.ish)
        value = her2_value(
            self.want,
            ihc.result.strip().lower() if ihc else "",
            ish.result.strip().lower() if ish else "",
        )
        shown = [cite(f"{f.marker} {f.result}", f) for f in (ihc, ish) if f is not None]
        missing = None
        if value == U:
            missing = (
                "HER2 ISH" if ihc is not None and ihc.result.strip() in ("2+", "equivocal") else "HER2 IHC"
            )
        return Outcome(value, "; ".join(shown) or None, missing)


def marker_from(rule: dict[str, Any], where: str) -> Expression | Her2:
    marker = str(rule.get("marker") or "").strip().upper().replace("PDL1", "PD-L1")
    if marker not in ("PD-L1", "HER2", "ER", "PR"):
        raise CriteriaError(f"{where}: field 'marker': unknown marker {rule.get('marker')!r}")
    result = str(rule.get("result") or "").strip().lower().replace("her2-", "").replace("zero", "0")
    if marker == "HER2":
        if result not in HER2_RESULTS:
            raise CriteriaError(
                f"{where}: field 'result': HER2 result must be one of {', '.join(HER2_RESULTS)}"
            )
        return Her2(result)
    bounds = Bounds.of(rule, where)
    if bounds.empty and result not in POSITIVE | NEGATIVE:
        raise CriteriaError(f"{where}: field 'result': give bounds or positive/negative")
    return Expression(
        marker=marker,
        bounds=bounds,
        result=result,
        scoring=str(rule.get("scoring") or "").upper(),
        assay=str(rule.get("assay") or rule.get("clone") or "").upper(),
    )
