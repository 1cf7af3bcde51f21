"""Proportional-hazards test as R survival >= 3.0 cox.zph: a score test for adding X*g(t) to the model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2 as chi2_dist

from .km import kaplan_meier


@dataclass(frozen=True)
class ZphTest:
    """`terms` maps each term to (chi2, p) on 1 df; `global_chi2` has one df per term."""

    terms: dict[str, tuple[float, float]]
    global_chi2: float
    global_df: int
    global_p: float
    transform: str = "km"


def _transformed_time(time: np.ndarray, event: np.ndarray, transform: str) -> np.ndarray:
    if transform == "identity":
        return time.astype(float)
    if transform == "log":
        return np.log(time)
    if transform == "km":
        # 1 - the left-continuous Kaplan-Meier of all rows, S(t-), as cox.zph computes it.
        curve = kaplan_meier(time, event)
        before = np.searchsorted(curve.time, time, side="left")
        return 1.0 - np.concatenate([[1.0], curve.surv])[before]
    raise ValueError(f"unknown transform '{transform}'")


def cox_zph(
    time: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    beta: np.ndarray,
    names: list[str],
    transform: str = "km",
) -> ZphTest:
    """Score test at the fitted beta, Efron ties, for gamma = 0 in h(t) = h0(t) exp(X beta + X g(t) gamma).

    Per term: the 2x2 block of the information for (beta_j, gamma_j); global: the full matrix.
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=int)
    x = np.asarray(x, dtype=float).reshape(time.size, -1)
    p = x.shape[1]
    g_all = _transformed_time(time, event, transform)
    g_all = g_all - g_all[event == 1].mean()
    risk = np.exp((x - x.mean(axis=0)) @ np.asarray(beta, dtype=float))

    score = np.zeros(p)
    info_bb = np.zeros((p, p))
    info_bg = np.zeros((p, p))
    info_gg = np.zeros((p, p))
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        dying = at_risk & (time == t) & (event == 1)
        deaths = int(dying.sum())
        g = float(g_all[dying][0])
        wr, xr = risk[at_risk], x[at_risk]
        wd, xd = risk[dying], x[dying]
        s0, s1, s2 = wr.sum(), wr @ xr, (xr * wr[:, None]).T @ xr
        d0, d1, d2 = wd.sum(), wd @ xd, (xd * wd[:, None]).T @ xd
        mean_sum = np.zeros(p)
        variance = np.zeros((p, p))
        for k in range(deaths):
            fraction = k / deaths
            a0 = s0 - fraction * d0
            mean = (s1 - fraction * d1) / a0
            mean_sum += mean
            variance += (s2 - fraction * d2) / a0 - np.outer(mean, mean)
        score += g * (xd.sum(axis=0) - mean_sum)
        info_bb += variance
        info_bg += g * variance
        info_gg += g * g * variance

    terms: dict[str, tuple[float, float]] = {}
    for j, name in enumerate(names):
        block = np.array([[info_bb[j, j], info_bg[j, j]], [info_bg[j, j], info_gg[j, j]]])
        u = np.array([0.0, score[j]])
        statistic = float(u @ np.linalg.solve(block, u))
        terms[name] = (statistic, float(chi2_dist.sf(statistic, 1)))
    full = np.block([[info_bb, info_bg], [info_bg.T, info_gg]])
    u_full = np.concatenate([np.zeros(p), score])
    global_chi2 = float(u_full @ np.linalg.solve(full, u_full))
    return ZphTest(terms, global_chi2, p, float(chi2_dist.sf(global_chi2, p)), transform)
