"""Proportional-hazards test as R survival >= 3.0 cox.zph: a score test for adding X*g(t) to the model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2 as chi2_dist

from .engine import CoxData, event_times


@dataclass(frozen=True)
class ZphTest:
    """`terms` maps each term to (chi2, p) on `term_df[term]` df; `global_chi2` has one df per coefficient."""

    terms: dict[str, tuple[float, float]]
    global_chi2: float
    global_df: int
    global_p: float
    transform: str = "km"
    term_df: dict[str, int] | None = None


def _left_continuous_km(data: CoxData) -> tuple[np.ndarray, np.ndarray]:
    """The Kaplan-Meier of all rows on their (start, stop] intervals: event times and S(t)."""
    times = np.unique(data.stop[data.event == 1])
    surv = np.empty(times.size)
    running = 1.0
    for i, t in enumerate(times):
        at_risk = float(np.sum((data.start < t) & (data.stop >= t)))
        deaths = float(np.sum((data.stop == t) & (data.event == 1)))
        running *= 1.0 - deaths / at_risk
        surv[i] = running
    return times, surv


def _transformed(data: CoxData, times: np.ndarray, transform: str) -> np.ndarray:
    if transform == "identity":
        return times.astype(float)
    if transform == "log":
        return np.log(times)
    if transform == "km":
        # 1 - S(t-), the left-continuous KM, as cox.zph: findInterval(times, km$time, left.open=TRUE).
        km_time, km_surv = _left_continuous_km(data)
        before = np.searchsorted(km_time, times, side="left")
        return 1.0 - np.concatenate([[1.0], km_surv])[before]
    raise ValueError(f"unknown transform '{transform}'")


def cox_zph(
    data: CoxData,
    beta: np.ndarray,
    names: Sequence[str],
    transform: str = "km",
    terms: Sequence[Sequence[int]] | None = None,
) -> ZphTest:
    """Score test at the fitted beta (Efron ties) for gamma = 0 in h(t) = h0(t) exp(X beta + X g(t) gamma).

    As R's cox.zph: each term (a group of columns, e.g. the indicators of one factor) is tested with all
    the coefficients beta free plus that term's interactions with g(t), i.e. the matrix
    [[I_bb, I_bg[:, j]], [I_gb[j, :], I_gg[j, j]]] and the score (0, ..., 0, U_g[j]); the global test uses
    every interaction. `terms` defaults to one term per column (`names`).
    """
    p = data.p
    groups = [list(g) for g in terms] if terms is not None else [[j] for j in range(p)]
    event_rows = data.event == 1
    g_rows = _transformed(data, data.stop[event_rows], transform)
    centre = float(g_rows.mean())
    blocks = list(event_times(data, np.asarray(beta, dtype=float)))
    g_blocks = _transformed(data, np.array([b.time for b in blocks]), transform) - centre

    score = np.zeros(p)
    info_bb = np.zeros((p, p))
    info_bg = np.zeros((p, p))
    info_gg = np.zeros((p, p))
    for block, g in zip(blocks, g_blocks, strict=True):
        score += g * block.score
        info_bb += block.information
        info_bg += g * block.information
        info_gg += g * g * block.information

    full = np.block([[info_bb, info_bg], [info_bg.T, info_gg]])
    u_full = np.concatenate([np.zeros(p), score])
    results: dict[str, tuple[float, float]] = {}
    dfs: dict[str, int] = {}
    for name, columns in zip(names, groups, strict=True):
        keep = list(range(p)) + [p + j for j in columns]
        u = u_full[keep]
        statistic = float(u @ np.linalg.solve(full[np.ix_(keep, keep)], u))
        results[name] = (statistic, float(chi2_dist.sf(statistic, len(columns))))
        dfs[name] = len(columns)
    global_chi2 = float(u_full @ np.linalg.solve(full, u_full))
    return ZphTest(results, global_chi2, p, float(chi2_dist.sf(global_chi2, p)), transform, dfs)
