"""Competing risks as R's cmprsk: cumulative incidence (cuminc), Gray's test and Fine-Gray regression (crr).

Event codes: 0 censored, 1 the event of interest, 2.. competing events (any code other than 0 and 1).
The computations follow cmprsk's Fortran (Robert Gray): `cinc` for the Aalen-Johansen estimate and its
variance (Aalen 1978), `crstm`/`crst` for Gray's K-sample test (rho = 0), and `crrfsv`/`crrvv` for the
Fine-Gray subdistribution hazard model with Breslow ties, Newton-Raphson with backtracking, and the
sandwich variance with the censoring-distribution term.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2 as chi2_dist
from scipy.stats import norm

EPS = float(np.finfo(float).eps)


class CompetingRisksError(ValueError):
    """The competing-risks estimate cannot be computed from these data."""


# --------------------------------------------------------------------------- cumulative incidence


@dataclass(frozen=True)
class CifCurve:
    """Cumulative incidence of the event of interest at each of its distinct event times.

    `variance` is cmprsk's (Aalen); `lower`/`upper` the log(-log) CI as tidycmprsk prints it,
    CIF^exp(-/+ z se / (CIF log CIF)); NaN where undefined (CIF 0 or 1). `max_time` is the last
    follow-up time of the group (the curve is flat to there).
    """

    time: np.ndarray
    cif: np.ndarray
    variance: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n: int
    events: int
    competing: int
    max_time: float

    def at(self, t: float) -> tuple[float, float, float, float] | None:
        """(cif, variance, lower, upper) at time t as cmprsk::timepoints; None after the last follow-up."""
        if t > self.max_time:
            return None
        index = int(np.searchsorted(self.time, t, side="right")) - 1
        if index < 0:
            return 0.0, 0.0, float("nan"), float("nan")
        return (
            float(self.cif[index]),
            float(self.variance[index]),
            float(self.lower[index]),
            float(self.upper[index]),
        )


def _log_log_ci(cif: np.ndarray, variance: np.ndarray, conf_level: float) -> tuple[np.ndarray, np.ndarray]:
    z = float(norm.ppf(1 - (1 - conf_level) / 2))
    se = np.sqrt(np.maximum(variance, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        valid = (cif > 0) & (cif < 1)
        scale = np.where(valid, se / (cif * np.log(np.where(valid, cif, 0.5))), np.nan)
        lower = np.where(valid, cif ** np.exp(-z * scale), np.nan)
        upper = np.where(valid, cif ** np.exp(z * scale), np.nan)
    return lower, upper


def cumulative_incidence(
    time: np.ndarray, status: np.ndarray, cause: int = 1, conf_level: float = 0.95
) -> CifCurve:
    """cmprsk's `cinc`: the Aalen-Johansen estimate of P(T <= t, cause) and its variance."""
    order = np.argsort(time, kind="stable")
    y = np.asarray(time, dtype=float)[order]
    st = np.asarray(status, dtype=int)[order]
    n = y.size
    if n == 0:
        raise CompetingRisksError("no rows")
    failed = st != 0
    of_interest = st == cause
    fk = 1.0
    v1 = v2 = v3 = 0.0
    current_f = 0.0
    times: list[float] = []
    cifs: list[float] = []
    variances: list[float] = []
    rs = float(n)
    unique, first = np.unique(y, return_index=True)
    bounds = [*first.tolist(), n]
    for k, t in enumerate(unique):
        block = slice(bounds[k], bounds[k + 1])
        nd1 = int(of_interest[block].sum())
        nd2 = int(failed[block].sum()) - nd1
        nd = nd1 + nd2
        if nd > 0:
            fkn = fk * (rs - nd) / rs
            if nd1 > 0:
                current_f = current_f + fk * nd1 / rs
            if nd2 > 0 and fkn > 0:
                t5 = 1.0 - (nd2 - 1.0) / (rs - 1.0) if nd2 > 1 else 1.0
                t6 = fk * fk * t5 * nd2 / (rs * rs)
                t3 = 1.0 / fkn
                t4 = current_f / fkn
                v1 += t4 * t4 * t6
                v2 += t3 * t4 * t6
                v3 += t3 * t3 * t6
            if nd1 > 0:
                t5 = 1.0 - (nd1 - 1.0) / (rs - 1.0) if nd1 > 1 else 1.0
                t6 = fk * fk * t5 * nd1 / (rs * rs)
                t3 = 1.0 / fkn if fkn > 0 else 0.0
                t4 = 1.0 + t3 * current_f
                v1 += t4 * t4 * t6
                v2 += t3 * t4 * t6
                v3 += t3 * t3 * t6
                times.append(float(t))
                cifs.append(current_f)
                variances.append(v1 + current_f * current_f * v3 - 2 * current_f * v2)
            fk = fkn
        rs = float(n - bounds[k + 1])
    cif = np.asarray(cifs)
    variance = np.asarray(variances)
    lower, upper = _log_log_ci(cif, variance, conf_level)
    return CifCurve(
        time=np.asarray(times),
        cif=cif,
        variance=variance,
        lower=lower,
        upper=upper,
        n=n,
        events=int(of_interest.sum()),
        competing=int((failed & ~of_interest).sum()),
        max_time=float(y[-1]),
    )


# --------------------------------------------------------------------------- Gray's test


@dataclass(frozen=True)
class GrayTest:
    chi2: float
    df: int
    p: float


def _gray_stratum(
    y: np.ndarray, m: np.ndarray, ig: np.ndarray, ng: int, rho: float
) -> tuple[np.ndarray, np.ndarray]:
    """cmprsk's `crst` for one stratum: scores for groups 1..ng-1 and their covariance."""
    ng1 = ng - 1
    rs = np.bincount(ig, minlength=ng).astype(float)
    s = np.zeros(ng1)
    v = np.zeros((ng1, ng1))
    f1m = np.zeros(ng)
    f1 = np.zeros(ng)
    skmm = np.ones(ng)
    skm = np.ones(ng)
    v3 = np.zeros(ng)
    v2 = np.zeros((ng1, ng))
    c = np.zeros((ng, ng))
    fm = 0.0
    n = y.size
    unique, first = np.unique(y, return_index=True)
    bounds = [*first.tolist(), n]
    for k in range(unique.size):
        block = slice(bounds[k], bounds[k + 1])
        d = np.zeros((3, ng))
        np.add.at(d, (np.minimum(m[block], 2), ig[block]), 1.0)
        nd1 = float(d[1].sum())
        nd2 = float(d[2].sum())
        if nd1 > 0 or nd2 > 0:
            tr = 0.0
            tq = 0.0
            for i in range(ng):
                if rs[i] <= 0:
                    continue
                td = d[1, i] + d[2, i]
                skm[i] = skmm[i] * (rs[i] - td) / rs[i]
                f1[i] = f1m[i] + (skmm[i] * d[1, i]) / rs[i]
                tr += rs[i] / skmm[i]
                tq += rs[i] * (1 - f1m[i]) / skmm[i]
            f = fm + nd1 / tr
            fb = (1 - fm) ** rho
            a = np.zeros((ng, ng))
            for i in range(ng):
                if rs[i] <= 0:
                    continue
                t1 = rs[i] / skmm[i]
                a[i, i] = fb * t1 * (1 - t1 / tr)
                c[i, i] += a[i, i] * nd1 / (tr * (1 - fm))
                for j in range(i + 1, ng):
                    if rs[j] <= 0:
                        continue
                    a[i, j] = -fb * t1 * rs[j] / (skmm[j] * tr)
                    c[i, j] += a[i, j] * nd1 / (tr * (1 - fm))
            for i in range(1, ng):
                for j in range(i):
                    a[i, j] = a[j, i]
                    c[i, j] = c[j, i]
            for i in range(ng1):
                if rs[i] <= 0:
                    continue
                s[i] += fb * (d[1, i] - nd1 * rs[i] * (1 - f1m[i]) / (skmm[i] * tq))
            if nd1 > 0:
                for kk in range(ng):
                    if rs[kk] <= 0:
                        continue
                    t4 = 1 - (1 - f) / skm[kk] if skm[kk] > 0 else 1.0
                    t5 = 1 - (nd1 - 1) / (tr * skmm[kk] - 1) if nd1 > 1 else 1.0
                    t3 = t5 * skmm[kk] * nd1 / (tr * rs[kk])
                    v3[kk] += t4 * t4 * t3
                    t1 = a[:ng1, kk] - t4 * c[:ng1, kk]
                    v2[:, kk] += t1 * t4 * t3
                    v += np.tril(np.outer(t1, t1)) * t3
            if nd2 > 0:
                for kk in range(ng):
                    if skm[kk] <= 0 or d[2, kk] <= 0:
                        continue
                    t4 = (1 - f) / skm[kk]
                    t5 = 1 - (d[2, kk] - 1.0) / (rs[kk] - 1.0) if d[2, kk] > 1 else 1.0
                    t3 = t5 * ((skmm[kk] ** 2) * d[2, kk]) / (rs[kk] ** 2)
                    v3[kk] += t4 * t4 * t3
                    t1 = t4 * c[:ng1, kk]
                    v2[:, kk] -= t1 * t4 * t3
                    v += np.tril(np.outer(t1, t1)) * t3
        else:
            f = fm
        if bounds[k + 1] >= n:
            break
        np.subtract.at(rs, ig[block], 1.0)
        fm = f
        f1m = f1.copy()
        skmm = skm.copy()
    for i in range(ng1):
        for j in range(i + 1):
            v[i, j] += float(
                np.sum(c[i, :] * c[j, :] * v3) + np.sum(c[i, :] * v2[j, :]) + np.sum(c[j, :] * v2[i, :])
            )
    v = np.tril(v) + np.tril(v, -1).T
    return s, v


def gray_test(
    time: np.ndarray,
    status: np.ndarray,
    group: np.ndarray,
    order: Sequence[str],
    strata: np.ndarray | None = None,
    cause: int = 1,
    rho: float = 0.0,
) -> GrayTest | None:
    """Gray's test that the cumulative incidence of `cause` is equal across groups (cmprsk::cuminc)."""
    if len(order) < 2:
        return None
    sort = np.argsort(np.asarray(time, dtype=float), kind="stable")
    y = np.asarray(time, dtype=float)[sort]
    st = np.asarray(status, dtype=int)[sort]
    m = np.where(st == 0, 0, np.where(st == cause, 1, 2))
    codes = {name: i for i, name in enumerate(order)}
    ig = np.array([codes[str(g)] for g in np.asarray(group)[sort]], dtype=int)
    layers = np.zeros(y.size, dtype=int) if strata is None else np.asarray(strata)[sort]
    ng = len(order)
    score = np.zeros(ng - 1)
    variance = np.zeros((ng - 1, ng - 1))
    for layer in np.unique(layers):
        keep = layers == layer
        s, v = _gray_stratum(y[keep], m[keep], ig[keep], ng, rho)
        score += s
        variance += v
    if np.linalg.matrix_rank(variance) < ng - 1:
        return None
    statistic = float(score @ np.linalg.solve(variance, score))
    return GrayTest(statistic, ng - 1, float(chi2_dist.sf(statistic, ng - 1)))


# --------------------------------------------------------------------------- Fine-Gray (crr)


@dataclass(frozen=True)
class FineGrayTerm:
    term: str
    coef: float
    se: float
    shr: float
    shr_lower: float
    shr_upper: float
    z: float
    p: float


@dataclass(frozen=True)
class FineGrayModel:
    terms: tuple[FineGrayTerm, ...]
    n: int
    events: int
    competing: int
    converged: bool
    iterations: int
    loglik: float


def _censoring_km_before(time: np.ndarray, censored: np.ndarray) -> np.ndarray:
    """G(t-): Kaplan-Meier of the censoring times (censoring as the event) just before each time."""
    unique, inverse = np.unique(time, return_inverse=True)
    counts = np.bincount(inverse, minlength=unique.size).astype(float)
    cens = np.bincount(inverse, weights=censored.astype(float), minlength=unique.size)
    at_risk = counts[::-1].cumsum()[::-1]
    steps = np.cumprod(1.0 - cens / at_risk)
    before = np.concatenate([[1.0], steps[:-1]])
    return before[inverse]


class _FineGrayData:
    """Rows sorted by time; the weights w_j(t) of every row in the risk set of each failure time t."""

    def __init__(self, time: np.ndarray, status: np.ndarray, x: np.ndarray) -> None:
        order = np.argsort(time, kind="stable")
        self.t = np.asarray(time, dtype=float)[order]
        self.ici = np.asarray(status, dtype=int)[order]
        self.x = np.asarray(x, dtype=float)[order]
        self.g = _censoring_km_before(self.t, self.ici == 0)
        self.fail_times, self.d = np.unique(self.t[self.ici == 1], return_counts=True)
        # G at each failure time (t-), the same for every row of a tied failure time.
        self.g_fail = self.g[np.searchsorted(self.t, self.fail_times, side="left")]
        at_risk = self.t[None, :] >= self.fail_times[:, None]
        earlier_competing = (self.t[None, :] < self.fail_times[:, None]) & (self.ici[None, :] >= 2)
        self.base = np.where(
            at_risk, 1.0, np.where(earlier_competing, self.g_fail[:, None] / self.g[None, :], 0.0)
        )

    def sums(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        risk = np.exp(self.x @ beta)
        w = self.base * risk[None, :]
        s0 = w.sum(axis=1)
        s1 = w @ self.x
        s2 = np.einsum("tj,jk,jl->tkl", w, self.x, self.x)
        return w, s0, s1, s2

    def objective(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """crrfsv: minus the log pseudo-likelihood, its gradient and Hessian (Breslow ties)."""
        _, s0, s1, s2 = self.sums(beta)
        failing = self.ici == 1
        lik = -float((self.x[failing] @ beta).sum()) + float(np.sum(self.d * np.log(s0)))
        mean = s1 / s0[:, None]
        score = -self.x[failing].sum(axis=0) + (self.d[:, None] * mean).sum(axis=0)
        cov = s2 / s0[:, None, None] - np.einsum("tk,tl->tkl", mean, mean)
        info = (self.d[:, None, None] * cov).sum(axis=0)
        return lik, score, info

    def sandwich(self, beta: np.ndarray) -> np.ndarray:
        """crrvv: inv(I) V inv(I), V = sum of psi_i psi_i' with the censoring-KM term (one group)."""
        w, s0, s1, s2 = self.sums(beta)
        mean = s1 / s0[:, None]
        cov = s2 / s0[:, None, None] - np.einsum("tk,tl->tkl", mean, mean)
        info = (self.d[:, None, None] * cov).sum(axis=0)
        n, p = self.x.shape
        risk = np.exp(self.x @ beta)
        # dN and d Lambda_1 parts of eta_i.
        scale = self.d / s0  # per failure time
        weight_rows = (w * scale[:, None]).T  # (n, T): w_i(t) d_t / S0_t
        eta = -(weight_rows.sum(axis=1)[:, None] * self.x - weight_rows @ mean)
        failing = self.ici == 1
        fail_index = np.searchsorted(self.fail_times, self.t[failing])
        eta[failing] += self.x[failing] - mean[fail_index]
        # Censoring part psi_i: q(u) at each distinct time u holding a censoring.
        competing = self.ici >= 2
        unique, first = np.unique(self.t, return_index=True)
        bounds = [*first.tolist(), n]
        gd = self.d * self.g_fail / s0
        suffix_a = np.cumsum((gd)[::-1])[::-1]
        suffix_b = np.cumsum((gd[:, None] * mean)[::-1], axis=0)[::-1]
        comp_w = np.where(competing, risk / self.g, 0.0)
        c0 = np.concatenate([[0.0], np.cumsum(comp_w)])
        c1 = np.vstack([np.zeros(p), np.cumsum(comp_w[:, None] * self.x, axis=0)])
        ss2 = np.zeros(p)
        qu = np.zeros(p)
        psi = np.zeros((n, p))
        for k in range(unique.size):
            lo, hi = bounds[k], bounds[k + 1]
            censored_here = int(np.sum(self.ici[lo:hi] == 0))
            at_risk = n - lo
            if censored_here:
                later = int(np.searchsorted(self.fail_times, unique[k], side="left"))
                if later < self.fail_times.size:
                    qu = c1[lo] * suffix_a[later] - c0[lo] * suffix_b[later]
                else:
                    qu = np.zeros(p)
                ss2 = ss2 - censored_here * qu / at_risk**2
            psi[lo:hi] = ss2
            if censored_here:
                psi[lo:hi][self.ici[lo:hi] == 0] += qu / at_risk
        total = eta + psi
        v2 = total.T @ total
        h = np.linalg.inv(info)
        return h @ v2 @ h.T


def fine_gray(
    time: np.ndarray,
    status: np.ndarray,
    x: np.ndarray,
    names: Sequence[str],
    conf_level: float = 0.95,
    max_iter: int = 10,
    gtol: float = 1e-6,
) -> FineGrayModel:
    """cmprsk::crr(ftime, fstatus, cov1, failcode = 1, cencode = 0) with its defaults."""
    time = np.asarray(time, dtype=float)
    status = np.asarray(status, dtype=int)
    x = np.asarray(x, dtype=float).reshape(time.size, -1)
    if not np.any(status == 1):
        raise CompetingRisksError("no events of interest")
    constant = [name for j, name in enumerate(names) if np.ptp(x[:, j]) == 0]
    if constant:
        raise CompetingRisksError(f"term(s) with one value only: {', '.join(constant)}")
    data = _FineGrayData(time, status, x)
    beta = np.zeros(x.shape[1])
    converged = False
    iterations = 0
    lik = 0.0
    for iteration in range(max_iter + 1):
        lik, score, info = data.objective(beta)
        if np.max(np.abs(score) * np.maximum(np.abs(beta), 1)) < max(abs(lik), 1) * gtol:
            converged = True
            break
        if iteration == max_iter:
            break
        try:
            step = -np.linalg.solve(info, score)
        except np.linalg.LinAlgError as exc:
            raise CompetingRisksError("singular information matrix (collinear terms)") from exc
        candidate = beta + step
        new_lik = data.objective(candidate)[0]
        halvings = 0
        while not np.isfinite(new_lik) or new_lik > lik + 1e-4 * float(step @ score):
            halvings += 1
            step = step * 0.5
            candidate = beta + step
            new_lik = data.objective(candidate)[0]
            if halvings > 20:
                break
        if halvings > 20:
            break
        beta = candidate
        iterations += 1
    variance = data.sandwich(beta)
    se = np.sqrt(np.diag(variance))
    z_crit = float(norm.ppf(1 - (1 - conf_level) / 2))
    terms = tuple(
        FineGrayTerm(
            term=name,
            coef=float(b),
            se=float(s),
            shr=float(np.exp(b)),
            shr_lower=float(np.exp(b - z_crit * s)),
            shr_upper=float(np.exp(b + z_crit * s)),
            z=float(b / s),
            p=float(2 * norm.sf(abs(b / s))),
        )
        for name, b, s in zip(names, beta, se, strict=True)
    )
    return FineGrayModel(
        terms=terms,
        n=int(time.size),
        events=int(np.sum(status == 1)),
        competing=int(np.sum(status >= 2)),
        converged=converged,
        iterations=iterations,
        loglik=-lik,
    )
