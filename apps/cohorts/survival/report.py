"""A survival result as JSON-ready data (contracts/survival.schema.json) and as a readable text table."""

from __future__ import annotations

import math
from typing import Any

from .analysis import CompetingRisksResult, GroupResult, SurvivalResult
from .km import Estimate
from .table import DAYS_PER_MONTH


def _num(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _other_unit(result: SurvivalResult) -> tuple[str, float]:
    return ("months", 1 / DAYS_PER_MONTH) if result.time_unit == "days" else ("days", DAYS_PER_MONTH)


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def _group_dict(group: GroupResult, result: SurvivalResult) -> dict[str, Any]:
    unit, factor = _other_unit(result)
    out: dict[str, Any] = {
        "name": group.name,
        "n": group.n,
        "events": group.events,
        "too_small": group.too_small,
        "median": _num(group.median.value),
        "median_ci": [_num(group.median.lower), _num(group.median.upper)],
    }
    if group.too_small:
        return out
    out[f"median_{unit}"] = _scaled(group.median.value, factor)
    out[f"median_ci_{unit}"] = [_scaled(group.median.lower, factor), _scaled(group.median.upper, factor)]
    out["max_follow_up"] = group.max_time
    out["landmarks"] = [
        {
            "time": mark.time,
            f"time_{unit}": mark.time * factor,
            "survival": _num(mark.estimate.value),
            "ci": [_num(mark.estimate.lower), _num(mark.estimate.upper)],
        }
        for mark in group.landmarks
    ]
    if group.rmst is not None:
        rmst = group.rmst
        out["rmst"] = {
            "tau": rmst.tau,
            "value": rmst.value,
            "se": rmst.se,
            "ci": [rmst.lower, rmst.upper],
            f"value_{unit}": rmst.value * factor,
        }
    return out


def to_dict(result: SurvivalResult) -> dict[str, Any]:
    """The JSON output of `manage.py survival --format json`."""
    cox: dict[str, Any] | None = None
    if result.cox is not None:
        model = result.cox
        cox = {
            "n": model.n,
            "events": model.events,
            "terms": [
                {
                    "term": t.term,
                    "coef": t.coef,
                    "se": t.se,
                    "hr": t.hr,
                    "hr_ci": [t.hr_lower, t.hr_upper],
                    "z": t.z,
                    "p": t.p,
                    "ph_test": None
                    if t.ph_p is None
                    else {"chi2": t.ph_chi2, "p": t.ph_p, "violated": t.ph_violated},
                }
                for t in model.terms
            ],
            "likelihood_ratio": {"chi2": model.lr_chi2, "df": model.lr_df, "p": model.lr_p},
            "concordance": model.concordance,
            "ph_violated": any(bool(t.ph_violated) for t in model.terms),
            "ph_global": None
            if model.ph_global is None
            else {
                "chi2": model.ph_global.global_chi2,
                "df": model.ph_global.global_df,
                "p": model.ph_global.global_p,
                "transform": model.ph_global.transform,
            },
            "ph_terms": []
            if model.ph_terms is None
            else [
                {"term": name, "chi2": chi2, "df": (model.ph_terms.term_df or {}).get(name, 1), "p": p}
                for name, (chi2, p) in model.ph_terms.terms.items()
            ],
            "counting_process": model.counting_process,
            "strata": model.strata_column,
            "n_strata": model.n_strata,
        }
        if math.isnan(model.concordance):
            del cox["concordance"]
    out: dict[str, Any] = {
        "n": result.n,
        "events": result.events,
        "dropped": result.dropped,
        "time_unit": result.time_unit,
        "group_column": result.group_column,
        "groups": [_group_dict(g, result) for g in result.groups],
        "suppressed_groups": list(result.suppressed_groups),
        "logrank": None
        if result.logrank is None
        else {"chi2": result.logrank.chi2, "df": result.logrank.df, "p": result.logrank.p},
        "pairwise_logrank": [
            {"groups": [p.group_a, p.group_b], "chi2": p.chi2, "p": p.p, "p_holm": p.p_holm}
            for p in result.pairwise
        ],
        "cox": cox,
        "cox_note": result.cox_note,
        "methods": result.methods,
    }
    if result.competing is not None:
        out["competing_risks"] = competing_dict(result.competing)
    return out


def _ci(lower: float, upper: float) -> list[float | None]:
    return [_num(float(lower)), _num(float(upper))]


def competing_dict(cr: CompetingRisksResult) -> dict[str, Any]:
    """The optional `competing_risks` object of the contract (survival.schema.json)."""
    fine_gray = None
    if cr.fine_gray is not None:
        fine_gray = {
            "n": cr.fine_gray.n,
            "events": cr.fine_gray.events,
            "competing": cr.fine_gray.competing,
            "converged": cr.fine_gray.converged,
            "terms": [
                {
                    "term": t.term,
                    "coef": t.coef,
                    "se": t.se,
                    "shr": t.shr,
                    "shr_ci": _ci(t.shr_lower, t.shr_upper),
                    "z": t.z,
                    "p": t.p,
                }
                for t in cr.fine_gray.terms
            ],
        }
    return {
        "event_type_column": cr.event_type_column,
        "event_of_interest": 1,
        "competing_codes": list(cr.competing_codes),
        "groups": [
            {
                "name": g.name,
                "n": g.curve.n,
                "events": g.curve.events,
                "competing": g.curve.competing,
                "curve": [
                    {
                        "time": float(t),
                        "cif": float(c),
                        "se": float(math.sqrt(max(v, 0.0))),
                        "ci": _ci(lo, hi),
                    }
                    for t, c, v, lo, hi in zip(
                        g.curve.time, g.curve.cif, g.curve.variance, g.curve.lower, g.curve.upper, strict=True
                    )
                ],
                "landmarks": [
                    {"time": t, "cif": None, "ci": [None, None]}
                    if value is None
                    else {"time": t, "cif": value[0], "ci": _ci(value[2], value[3])}
                    for t, value in g.landmarks
                ],
            }
            for g in cr.groups
        ],
        "gray_test": None if cr.gray is None else {"chi2": cr.gray.chi2, "df": cr.gray.df, "p": cr.gray.p},
        "fine_gray": fine_gray,
        "note": cr.note,
        "method": cr.method,
    }


def _fmt(value: float | None, digits: int = 4) -> str:
    return "NA" if value is None else f"{value:.{digits}g}"


def _fmt_p(p: float) -> str:
    return f"{p:.3g}" if p >= 1e-4 else f"{p:.2e}"


def _interval(estimate: Estimate, digits: int = 4) -> str:
    return f"{_fmt(estimate.value, digits)} ({_fmt(estimate.lower, digits)}-{_fmt(estimate.upper, digits)})"


def median_label(value: float | None, lower: float | None, upper: float | None, digits: int = 4) -> str:
    """A median and its CI for people: "not reached" where the curve (or its upper limit) never reaches
    one half, "CI not estimable" where neither limit exists (R prints NA-NA)."""
    if value is None:
        return "not reached" if lower is None else f"not reached (lower limit {_fmt(lower, digits)})"
    if lower is None and upper is None:
        return f"{_fmt(value, digits)} (CI not estimable)"
    low = "not estimable" if lower is None else _fmt(lower, digits)
    high = "not reached" if upper is None else _fmt(upper, digits)
    return f"{_fmt(value, digits)} ({low}-{high})"


def render_text(result: SurvivalResult) -> str:
    level = f"{result.options.conf_level:.0%}"
    lines = [
        f"n = {result.n}, events = {result.events}, dropped = {result.dropped}; time in {result.time_unit}",
        "",
        f"{'group':<16}{'n':>6}{'events':>8}   median ({level} CI)             rmst (se)",
    ]
    for g in result.groups:
        if g.too_small:
            lines.append(f"{g.name:<16}{g.n:>6}{g.events:>8}   too small to report")
            continue
        rmst = f"{g.rmst.value:.1f} ({g.rmst.se:.1f})" if g.rmst else ""
        median = median_label(g.median.value, g.median.lower, g.median.upper)
        lines.append(f"{g.name:<16}{g.n:>6}{g.events:>8}   {median:<30}{rmst}")
    if result.suppressed_groups:
        lines.append(
            f"suppressed (fewer than {result.options.suppress_below} patients): "
            f"{len(result.suppressed_groups)} group(s)"
        )
    if result.rmst_tau_rule:
        lines.append(f"rmst up to tau = {result.rmst_tau_rule}")
    marks = [(g.name, m) for g in result.groups for m in g.landmarks]
    if marks:
        lines += ["", f"survival at landmarks ({level} CI)"]
        lines += [f"  {name:<14} t={m.time:<8g} {_interval(m.estimate, 3)}" for name, m in marks]
    if result.logrank:
        lr = result.logrank
        lines += ["", f"log-rank: chi2 = {lr.chi2:.2f} on {lr.df} df, p = {_fmt_p(lr.p)}"]
    for pair in result.pairwise:
        lines.append(
            f"  {pair.group_a} vs {pair.group_b}: chi2 = {pair.chi2:.2f}, p = {_fmt_p(pair.p)}, "
            f"Holm p = {_fmt_p(pair.p_holm)}"
        )
    if result.cox:
        model = result.cox
        lines += [
            "",
            f"Cox model (n = {model.n}, events = {model.events}"
            + ("; (start, stop] rows" if model.counting_process else "")
            + (f"; strata: {model.strata_column} ({model.n_strata})" if model.strata_column else "")
            + ")",
            f"  {'term':<18}{'coef':>10}{'HR':>9}   {level} CI         {'p':>9}   PH test p",
        ]
        for t in model.terms:
            ph = "" if t.ph_p is None else f"{t.ph_p:.3g}" + (" (violated)" if t.ph_violated else "")
            lines.append(
                f"  {t.term:<18}{t.coef:>10.6f}{t.hr:>9.4f}   {t.hr_lower:.4f}-{t.hr_upper:.4f}"
                f"{_fmt_p(t.p):>11}   {ph}"
            )
        if model.ph_global:
            zph = model.ph_global
            lines.append(
                f"  PH test (cox.zph, km) global: chi2 = {zph.global_chi2:.3f} on {zph.global_df} df, "
                f"p = {_fmt_p(zph.global_p)}"
            )
        lines.append(
            f"  likelihood-ratio test = {model.lr_chi2:.2f} on {model.lr_df} df, p = {_fmt_p(model.lr_p)}; "
            f"concordance = {model.concordance:.3f}"
        )
    if result.cox_note:
        lines += ["", result.cox_note]
    if result.competing is not None:
        lines += _competing_lines(result.competing, level)
    lines += ["", "methods:"] + [f"  {key}: {text}" for key, text in result.methods.items()]
    return "\n".join(lines) + "\n"


def _competing_lines(cr: CompetingRisksResult, level: str) -> list[str]:
    lines = [
        "",
        f"competing risks ({cr.event_type_column}: 1 = event of interest; competing: "
        f"{', '.join(str(c) for c in cr.competing_codes) or 'none'})",
    ]
    if cr.note:
        lines.append(f"  {cr.note}")
    for g in cr.groups:
        final = f"{g.curve.cif[-1]:.3f}" if g.curve.cif.size else "0"
        lines.append(
            f"  {g.name:<16} n = {g.curve.n}, events = {g.curve.events}, competing = {g.curve.competing}, "
            f"cumulative incidence at last event = {final}"
        )
        for at, value in g.landmarks:
            text = "beyond follow-up" if value is None else f"{value[0]:.3f} ({value[2]:.3g}-{value[3]:.3g})"
            lines.append(f"    t={at:<8g} cumulative incidence ({level} CI) {text}")
    if cr.gray:
        lines.append(f"  Gray's test: chi2 = {cr.gray.chi2:.3f} on {cr.gray.df} df, p = {_fmt_p(cr.gray.p)}")
    if cr.fine_gray:
        lines.append(f"  Fine-Gray (n = {cr.fine_gray.n}, events = {cr.fine_gray.events})")
        lines.append(f"    {'term':<18}{'coef':>10}{'sHR':>9}   {level} CI         {'p':>9}")
        for t in cr.fine_gray.terms:
            lines.append(
                f"    {t.term:<18}{t.coef:>10.5f}{t.shr:>9.4f}   "
                f"{t.shr_lower:.4f}-{t.shr_upper:.4f}{_fmt_p(t.p):>11}"
            )
    return lines
