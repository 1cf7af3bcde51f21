"""Vectorised leaf rules: each prepared rule of the reference evaluator, judged for every patient of a
FeatureStore at once. Results use the condition codes of eligibility.base (F=0, U=1, T=2, NA=3)."""

from __future__ import annotations

from typing import Any

import numpy as np

from apps.matching.eligibility.base import NA, Bounds, F, T, U
from apps.matching.eligibility.clinical import (
    CREATININE,
    WEIGHT,
    Age,
    Condition,
    Diagnosis,
    Performance,
    Pregnancy,
    Sex,
    Stage,
)
from apps.matching.eligibility.labs import Measurement, unit_factor
from apps.matching.eligibility.markers import IHC, ISH, Expression, Her2, her2_value
from apps.matching.eligibility.molecular import Alteration, Msi, Tmb
from apps.matching.eligibility.therapy import PriorTherapy, Washout
from apps.matching.engine.store import F64, I8, I64, FeatureStore

NOT = np.array([T, U, F, NA], dtype=np.int8)


def bounds_test(values: F64, bounds: Bounds, scale: F64 | None = None) -> I8:
    """Bounds.test over an array, same float64 arithmetic; NaN values (or scales) give U."""
    out = np.full(values.shape, T, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        if bounds.min is not None:
            lo = bounds.min * scale if scale is not None else bounds.min
            out[(values < lo) | ((values == lo) & (not bounds.min_inclusive))] = F
        if bounds.max is not None:
            hi = bounds.max * scale if scale is not None else bounds.max
            out[(values > hi) | ((values == hi) & (not bounds.max_inclusive))] = F
    out[np.isnan(values)] = U
    if scale is not None:
        out[np.isnan(scale)] = U
    return out


def leaf(rule: Any, store: FeatureStore) -> I8:
    """The condition value of one prepared rule for every patient (memoised per store by the rule)."""
    key = repr(rule)
    found = store.cache.get(key)
    if found is None:
        found = store.cache[key] = _HANDLERS[type(rule)](rule, store)
    return found


def _age(rule: Age, s: FeatureStore) -> I8:
    return bounds_test(s.age_months if rule.months else s.age_years, rule.bounds)


def _sex(rule: Sex, s: FeatureStore) -> I8:
    if rule.sex in ("all", "any", ""):
        return np.full(s.n, T, dtype=np.int8)
    out = np.full(s.n, U, dtype=np.int8)
    want = 1 if rule.sex == "female" else 2 if rule.sex == "male" else -1
    known = s.sex > 0
    out[known] = np.where(s.sex[known] == want, T, F)
    return out


def _diagnosis(rule: Diagnosis, s: FeatureStore) -> I8:
    t = s.diagnoses
    per = t.per_view(
        ("category", "oncotree_code"),
        rule,
        lambda f: rule.code_value(f.oncotree_code) if rule.counts(f) else -1,
    )
    return t.reduce(s.n, per[t.sig], U)


def _stage(rule: Stage, s: FeatureStore) -> I8:
    t = s.diagnoses
    per = t.per_view(
        ("category", "stage"), rule, lambda f: rule.stage_value(f.stage) if rule.counts(f) else -1
    )
    return t.reduce(s.n, per[t.sig], U)


# The fields of a diagnosis that Condition.base_value reads (and nothing else).
_CONDITION_READS = ("code_system", "code", "codes", "display", "clinical_status")


def _condition(rule: Condition, s: FeatureStore) -> I8:
    t = s.diagnoses
    values = t.per_view(_CONDITION_READS, rule, rule.base_value)[t.sig].copy()
    if rule.within_years is not None:
        dated = values == T
        values[dated & (t.day < 0)] = U
        old = dated & (t.day >= 0) & ((s.today - t.day) > rule.within_years * 365.25)
        values[old] = F
    return t.reduce(s.n, values, U)


def _performance(rule: Performance, s: FeatureStore) -> I8:
    t = s.performance
    same = t.per_sig(("scale", rule.scale), lambda f: int(rule.same_scale(f)))[t.sig].astype(bool)
    row = t.latest(s.n, same)
    anyrow = t.latest(s.n, np.ones(len(t.sig), dtype=bool))
    row = np.where(row >= 0, row, anyrow)
    per = t.per_sig(rule, rule.fact_value)
    return _at_rows(per[t.sig], row, U)


def _at_rows(values: I8, row: I64, default: int) -> I8:
    out = np.full(row.shape, default, dtype=np.int8)
    has = row >= 0
    out[has] = values[row[has]]
    return out  # values is per row; rows exist wherever has is true


def _lab_rows(s: FeatureStore, loinc: str, within: int) -> I64:
    t = s.labs
    mask = t.per_sig(("loinc", loinc), lambda k: int(k[0] == loinc))[t.sig].astype(bool) & (t.day >= 0)
    row = t.latest(s.n, mask)
    stale = (row >= 0) & (s.today - t.at(t.day, row, 0) > within)
    row[stale] = -1
    return row


def _judge(rule: Measurement, s: FeatureStore, values: F64, factor: F64, low: F64, high: F64) -> I8:
    """Measurement.judge over arrays; `factor` converts the rule's unit into each patient's lab unit."""

    def test(bounds: Bounds, relative_to: str | None) -> I8:
        if relative_to == "ULN":
            return bounds_test(values, bounds, high)
        if relative_to == "LLN":
            return bounds_test(values, bounds, low)
        return bounds_test(values, bounds, factor)

    result = test(rule.bounds, rule.relative_to)
    failing = result == F
    for alt in rule.alternatives:
        holds = leaf(alt.condition, s)
        passes = failing & (holds != F) & (test(alt.bounds, alt.relative_to) == T)
        result[passes] = np.maximum(result[passes], holds[passes])
    return result


def _factor(rule: Measurement, s: FeatureStore, unit_of: Any) -> F64:
    """Per lab signature: the factor from the rule's unit to the lab's unit (NaN: not convertible)."""
    t = s.labs

    def one(key: tuple[str, str]) -> float:
        found = unit_factor(rule.unit, unit_of(key), rule.loinc)
        return np.nan if found is None else found

    return t.per_sig(("factor", rule.unit, rule.loinc, unit_of), one, np.float64)


def _lab_unit(key: tuple[str, str]) -> str:
    return key[1]


def _creatinine_factor(key: tuple[str, str]) -> float:
    found = unit_factor(key[1] or "mg/dL", "mg/dL", CREATININE)
    return np.nan if found is None else found


def _measurement(rule: Measurement, s: FeatureStore) -> I8:
    t = s.labs
    row = _lab_rows(s, rule.loinc, rule.within_days)
    has = row >= 0
    factor = t.at(_factor(rule, s, _lab_unit)[t.sig], row, np.nan)
    value, low, high = (t.at(t.cols[name], row, np.nan) for name in ("value", "low", "high"))
    out = np.full(s.n, U, dtype=np.int8)
    if has.any():
        judged = _judge(rule, s, value, factor, low, high)
        out[has] = judged[has]
    if rule.cockcroft_gault and (~has).any():
        out[~has] = _estimate(rule, s)[~has]
    return out


def _estimate(rule: Measurement, s: FeatureStore) -> I8:
    t = s.labs
    creat, weight = _lab_rows(s, CREATININE, rule.within_days), _lab_rows(s, WEIGHT, rule.within_days)
    ok = (creat >= 0) & (weight >= 0) & ~np.isnan(s.age_years) & (s.sex > 0)
    out = np.full(s.n, U, dtype=np.int8)
    if not ok.any():
        return out
    cval, wval = t.at(t.cols["value"], creat, np.nan), t.at(t.cols["value"], weight, np.nan)
    per = t.per_sig("creatinine-factor", _creatinine_factor, np.float64)
    fac = t.at(per[t.sig], creat, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ok &= ~np.isnan(fac) & (cval > 0)
        crcl = (140.0 - s.age_years) * wval / (72.0 * (cval * fac))
    crcl = np.where(s.sex == 1, crcl * 0.85, crcl)
    target = unit_factor(rule.unit, "mL/min", rule.loinc)
    factor = np.full(s.n, np.nan if target is None else target)
    nan = np.full(s.n, np.nan)
    judged = _judge(rule, s, np.where(ok, crcl, np.nan), factor, nan, nan)
    out[ok] = judged[ok]
    return out


def _prior(rule: PriorTherapy, s: FeatureStore) -> I8:
    t = s.therapies
    match = t.per_sig(rule.drugs, lambda f: int(rule.drugs.matches(f)))[t.sig].astype(bool)
    setting = np.array([rule.setting_known(None), rule.setting_known(1)])[(t.cols["line"] >= 0).astype(int)]
    if rule.within_days is None:
        values = np.where(match, T, -1).astype(np.int8)
    else:
        last = _last_dose(t.cols["end"], t.cols["ended"], t.day, s.today)
        values = np.where(last < 0, U, np.where(s.today - last <= rule.within_days, T, -1)).astype(np.int8)
        values[~match] = -1
    values[(values == T) & ~setting] = U  # the record cannot tell the therapy's setting
    any_t = t.reduce(s.n, np.where(values == T, 1, -1).astype(np.int8), 0).astype(bool)
    lines = np.full(s.n, -1, dtype=np.int32)
    rows = np.flatnonzero((values == T) & (t.cols["line"] >= 0))
    np.maximum.at(lines, t.owner[rows], t.cols["line"][rows])
    lines = np.where(lines >= 0, lines, np.where(any_t, 1, 0))
    if rule.max_lines is not None:
        return np.where(lines > rule.max_lines, F, U).astype(np.int8)
    if rule.min_lines is not None:
        return np.where(lines >= rule.min_lines, T, U).astype(np.int8)
    return np.where(any_t, T, U).astype(np.int8)


def _last_dose(end: np.ndarray, ended: np.ndarray, start: np.ndarray, today: int) -> I64:
    return np.where(end >= 0, end, np.where(~ended, today, start)).astype(np.int64)


def _washout(rule: Washout, s: FeatureStore) -> I8:
    t = s.therapies
    match = t.per_sig(rule.drugs, lambda f: int(rule.drugs.matches(f)))[t.sig].astype(bool)
    last = _last_dose(t.cols["end"], t.cols["ended"], t.day, s.today)
    recent = match & (last >= 0) & (s.today - last < rule.days)
    return t.reduce(s.n, np.where(recent, T, -1).astype(np.int8), U)


def _pregnancy(rule: Pregnancy, s: FeatureStore) -> I8:
    t = s.pregnancy
    row = t.latest(s.n, t.day >= 0)
    stale = (row >= 0) & (s.today - t.at(t.day, row, 0) > rule.within_days)
    row[stale] = -1
    out = _at_rows(t.per_sig(rule, lambda f: rule.status_value(f.status))[t.sig], row, U)
    with np.errstate(invalid="ignore"):
        not_applicable = (s.sex == 2) | ((s.sex == 1) & (s.age_years > 60))
    out[not_applicable] = NA
    return out


def _alteration(rule: Alteration, s: FeatureStore) -> I8:
    t = s.findings
    per = t.per_sig(rule, rule.fact_value)
    return t.reduce(s.n, per[t.sig], U, "min" if rule.wild_type else "max")


def _msi(rule: Msi, s: FeatureStore) -> I8:
    t = s.biomarkers
    return t.reduce(s.n, t.per_sig(rule, rule.fact_value)[t.sig], U, "max" if rule.high else "min")


def _latest_marker(rule: Tmb | Expression, s: FeatureStore) -> I8:
    t = s.biomarkers
    relevant = t.per_sig(("relevant", rule), lambda f: int(rule.relevant(f)))[t.sig].astype(bool)
    return _at_rows(t.per_sig(rule, rule.fact_value)[t.sig], t.latest(s.n, relevant), U)


def _her2(rule: Her2, s: FeatureStore) -> I8:
    t = s.biomarkers
    ihc_code = t.per_sig("her2-ihc", lambda f: IHC.index(f.result.strip().lower()) if Her2.ihc(f) else 0)
    ish_code = t.per_sig("her2-ish", lambda f: ISH.index(f.result.strip().lower()) if Her2.ish(f) else 0)
    ihc_row = t.latest(s.n, ihc_code[t.sig] > 0)
    ish_row = t.latest(s.n, ish_code[t.sig] > 0)
    ihc = t.at(ihc_code[t.sig], ihc_row, 0)
    ish = t.at(ish_code[t.sig], ish_row, 0)
    table = np.array([[her2_value(rule.want, a, b) for b in ISH] for a in IHC], dtype=np.int8)
    return table[ihc, ish]


_HANDLERS: dict[type, Any] = {
    Age: _age,
    Sex: _sex,
    Diagnosis: _diagnosis,
    Stage: _stage,
    Condition: _condition,
    Performance: _performance,
    Measurement: _measurement,
    PriorTherapy: _prior,
    Washout: _washout,
    Pregnancy: _pregnancy,
    Alteration: _alteration,
    Msi: _msi,
    Tmb: _latest_marker,
    Expression: _latest_marker,
    Her2: _her2,
}
