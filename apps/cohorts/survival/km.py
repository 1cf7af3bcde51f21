"""Kaplan-Meier estimation as R's survfit does it: Greenwood variance, log CI, R's quantile rules."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

# R: sqrt(.Machine$double.eps), the tolerance quantile.survfit uses to detect a flat at the quantile.
R_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


@dataclass(frozen=True)
class KMCurve:
    """The curve at every distinct observed time (events and censorings), as survfit reports it.

    `std_err` is the standard error of log S(t) (R's `std.err`); `lower`/`upper` are NaN where R gives NA.
    """

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    surv: np.ndarray
    std_err: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    conf_level: float = 0.95
    entry: float = 0.0  # the first time anyone is at risk: > 0 for rows that all enter late


@dataclass(frozen=True)
class Estimate:
    value: float | None
    lower: float | None
    upper: float | None


def kaplan_meier(
    time: np.ndarray, event: np.ndarray, conf_level: float = 0.95, entry: np.ndarray | None = None
) -> KMCurve:
    """With `entry`, rows are at risk on (entry, time] (R's survfit on Surv(start, stop, event))."""
    times = np.asarray(time, dtype=float)
    events = np.asarray(event, dtype=int)
    unique, inverse = np.unique(times, return_inverse=True)
    n_event = np.bincount(inverse, weights=events, minlength=unique.size)
    n_total = np.bincount(inverse, minlength=unique.size).astype(float)
    n_risk = n_total[::-1].cumsum()[::-1]
    if entry is not None:
        starts = np.sort(np.asarray(entry, dtype=float))
        # rows not yet entered at t: start >= t
        n_risk = n_risk - (starts.size - np.searchsorted(starts, unique, side="left"))
    n_censor = n_total - n_event
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - n_event / n_risk)
        # Greenwood: var(log S) = sum d / (n (n - d)); infinite once everyone at risk has died.
        increments = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
        std_err = np.sqrt(np.cumsum(increments))
        z = float(norm.ppf(1 - (1 - conf_level) / 2))
        # conf.type = "log": exp(log S -/+ z se), NA where S = 0, the upper limit capped at 1.
        log_s = np.where(surv > 0, np.log(np.where(surv > 0, surv, 1.0)), np.nan)
        lower = np.exp(log_s - z * std_err)
        upper = np.minimum(np.exp(log_s + z * std_err), 1.0)
    first_entry = 0.0 if entry is None or np.size(entry) == 0 else max(0.0, float(np.min(entry)))
    return KMCurve(unique, n_risk, n_event, n_censor, surv, std_err, lower, upper, conf_level, first_entry)


def _approx_constant_right(xs: np.ndarray, p: float) -> int | None:
    """R's approx(xs, seq_along(xs), p, method="constant", f=1) on increasing xs with NAs removed."""
    valid = np.flatnonzero(~np.isnan(xs))
    if valid.size == 0:
        return None
    values = xs[valid]
    if p < values[0] or p > values[-1]:
        return None
    return int(valid[np.searchsorted(values, p, side="left")])


def _findq(x: np.ndarray, y: np.ndarray, p: float, tol: float = R_TOLERANCE) -> float | None:
    """survival:::findq: the time where the CDF y = 1 - S first reaches p, midpoint on a flat at p."""
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return None
    xmax = x[-1]
    keep = ~pd.Series(y).duplicated().to_numpy()  # as R's duplicated(): NA equals NA
    x, y = x[keep], y[keep]
    index1 = _approx_constant_right(y + tol, p)
    index2 = _approx_constant_right(y - tol, p)
    if p == 0:
        return float(x[0])
    if not np.isnan(y[-1]) and abs(p - y[-1]) < tol:
        return None if index1 is None else float((x[index1] + xmax) / 2)
    if index1 is None or index2 is None:
        return None
    return float((x[index1] + x[index2]) / 2)


def quantile(curve: KMCurve, prob: float = 0.5, start: float = 0.0) -> Estimate:
    """Time by which a fraction `prob` has had the event, with the CI from the confidence curves.

    Follows survival::quantile.survfit (also what print.survfit reports as the median): the lower
    limit is where the lower confidence curve crosses, the upper where the upper one does; None is NA.
    """
    x = np.concatenate([[start], curve.time])
    return Estimate(
        value=_findq(x, np.concatenate([[0.0], 1 - curve.surv]), prob),
        lower=_findq(x, np.concatenate([[0.0], 1 - curve.lower]), prob),
        upper=_findq(x, np.concatenate([[0.0], 1 - curve.upper]), prob),
    )


def survival_at(curve: KMCurve, at: float) -> Estimate:
    """S(at) with its CI; None beyond the last observed time (as summary.survfit with extend=FALSE)."""
    if curve.time.size == 0 or at > curve.time[-1]:
        return Estimate(None, None, None)
    index = int(np.searchsorted(curve.time, at, side="right")) - 1
    if index < 0:
        return Estimate(1.0, 1.0, 1.0)

    def clean(value: float) -> float | None:
        return None if np.isnan(value) else float(value)

    return Estimate(float(curve.surv[index]), clean(curve.lower[index]), clean(curve.upper[index]))


@dataclass(frozen=True)
class RestrictedMean:
    tau: float
    value: float
    se: float
    lower: float
    upper: float


def restricted_mean(curve: KMCurve, tau: float, start: float = 0.0) -> RestrictedMean:
    """Area under the curve from `start` to `tau`, with survival:::survmean's variance (Miller 1981)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard_terms = np.where(
            curve.n_risk - curve.n_event == 0,
            0.0,
            curve.n_event / (curve.n_risk * (curve.n_risk - curve.n_event)),
        )
    keep = np.flatnonzero(curve.time <= tau)
    if keep.size == 0:
        times, survs, hh = np.array([tau]), np.array([1.0]), np.array([0.0])
    else:
        times = np.concatenate([curve.time[keep], [tau]])
        survs = np.concatenate([curve.surv[keep], [curve.surv[keep[-1]]]])
        hh = np.concatenate([hazard_terms[keep], [0.0]])
    widths = np.diff(np.concatenate([[start], times]))
    rectangles = widths * np.concatenate([[1.0], survs[:-1]])
    variance = float(np.sum(np.cumsum(rectangles[1:][::-1]) ** 2 * hh[::-1][1:]))
    value = float(rectangles.sum() + start)
    se = float(np.sqrt(variance))
    z = float(norm.ppf(1 - (1 - curve.conf_level) / 2))
    return RestrictedMean(tau, value, se, value - z * se, value + z * se)
