"""The Cox partial likelihood as R's coxph/agreg computes it: Efron ties, (start, stop] risk sets,
strata and case weights, maximised by Newton-Raphson.

lifelines fits the plain right-censored model (`cox.py`); this module is what the counting-process,
stratified and weighted (Fine-Gray) models and the `cox.zph` score test are built on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

# R coxph.control: eps = 1e-9 on the relative change of the log-likelihood, iter.max = 20; we iterate
# further (the coefficient change below 1e-10) so the sixth printed digit is settled.
MAX_ITER = 50
TOLERANCE = 1e-10


class CoxEngineError(ValueError):
    """The model cannot be estimated (no events, singular information, no convergence)."""


@dataclass(frozen=True)
class CoxData:
    """Rows at risk on (start, stop]; `start` is -inf for right-censored data (at risk from time 0)."""

    start: np.ndarray
    stop: np.ndarray
    event: np.ndarray
    x: np.ndarray
    strata: np.ndarray
    weights: np.ndarray

    @classmethod
    def build(
        cls,
        stop: np.ndarray,
        event: np.ndarray,
        x: np.ndarray,
        *,
        start: np.ndarray | None = None,
        strata: np.ndarray | None = None,
        weights: np.ndarray | None = None,
    ) -> CoxData:
        stop = np.asarray(stop, dtype=float)
        n = stop.size
        return cls(
            start=np.full(n, -np.inf) if start is None else np.asarray(start, dtype=float),
            stop=stop,
            event=np.asarray(event, dtype=int),
            x=np.asarray(x, dtype=float).reshape(n, -1),
            strata=np.zeros(n, dtype=int) if strata is None else _codes(strata),
            weights=np.ones(n) if weights is None else np.asarray(weights, dtype=float),
        )

    @property
    def p(self) -> int:
        return int(self.x.shape[1])


def _codes(values: np.ndarray) -> np.ndarray:
    _, codes = np.unique(np.asarray(values).astype(str), return_inverse=True)
    return codes.astype(int)


@dataclass(frozen=True)
class EventTime:
    """One distinct event time within a stratum: the Efron score and information contributions."""

    time: float
    stratum: int
    score: np.ndarray  # sum over the dying of w * (x - Efron mean)
    information: np.ndarray  # weighted Efron variance of x over the risk set
    loglik: float
    deaths: int


def event_times(data: CoxData, beta: np.ndarray) -> Iterator[EventTime]:
    """Per distinct (stratum, event time): Efron's approximation, weights as R's agreg.

    Covariates are centred (as R does) so exp() cannot overflow; centring changes nothing else.
    """
    x = data.x - data.x.mean(axis=0)
    eta = x @ beta
    risk = data.weights * np.exp(eta)
    for stratum in np.unique(data.strata):
        in_stratum = data.strata == stratum
        for t in np.unique(data.stop[in_stratum & (data.event == 1)]):
            at_risk = in_stratum & (data.start < t) & (data.stop >= t)
            dying = at_risk & (data.stop == t) & (data.event == 1)
            deaths = int(dying.sum())
            wr, xr = risk[at_risk], x[at_risk]
            wd, xd = risk[dying], x[dying]
            s0, s1, s2 = wr.sum(), wr @ xr, (xr * wr[:, None]).T @ xr
            d0, d1, d2 = wd.sum(), wd @ xd, (xd * wd[:, None]).T @ xd
            case_weights = data.weights[dying]
            mean_weight = case_weights.sum() / deaths
            score = case_weights @ xd
            information = np.zeros((data.p, data.p))
            loglik = float(case_weights @ eta[dying])
            for k in range(deaths):
                fraction = k / deaths
                a0 = s0 - fraction * d0
                mean = (s1 - fraction * d1) / a0
                score = score - mean_weight * mean
                information += mean_weight * ((s2 - fraction * d2) / a0 - np.outer(mean, mean))
                loglik -= mean_weight * np.log(a0)
            yield EventTime(float(t), int(stratum), score, information, loglik, deaths)


@dataclass(frozen=True)
class Fit:
    beta: np.ndarray
    variance: np.ndarray
    loglik_null: float
    loglik: float
    iterations: int


def _totals(data: CoxData, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    loglik, score, information = 0.0, np.zeros(data.p), np.zeros((data.p, data.p))
    for block in event_times(data, beta):
        loglik += block.loglik
        score += block.score
        information += block.information
    return loglik, score, information


def fit(data: CoxData) -> Fit:
    """Newton-Raphson from beta = 0 with step halving, as R's coxph."""
    if not np.any(data.event == 1):
        raise CoxEngineError("no events")
    beta = np.zeros(data.p)
    loglik_null, score, information = _totals(data, beta)
    loglik = loglik_null
    iterations = 0
    for _ in range(MAX_ITER):
        iterations += 1
        try:
            step = np.linalg.solve(information, score)
        except np.linalg.LinAlgError as exc:
            raise CoxEngineError("singular information matrix (a term is constant or collinear)") from exc
        candidate = beta + step
        new_loglik, new_score, new_information = _totals(data, candidate)
        halvings = 0
        while not np.isfinite(new_loglik) or new_loglik < loglik - 1e-12:
            halvings += 1
            if halvings > 30:
                raise CoxEngineError("the likelihood did not improve (no convergence)")
            candidate = (beta + candidate) / 2
            new_loglik, new_score, new_information = _totals(data, candidate)
        converged = np.max(np.abs(candidate - beta)) < TOLERANCE or abs(new_loglik - loglik) < 1e-13
        beta, loglik, score, information = candidate, new_loglik, new_score, new_information
        if converged:
            break
    else:
        raise CoxEngineError(f"no convergence after {MAX_ITER} iterations (a coefficient may be infinite)")
    if np.any(np.abs(beta) > 30):
        raise CoxEngineError("a coefficient is infinite (a term separates the events completely)")
    try:
        variance = np.linalg.inv(information)
    except np.linalg.LinAlgError as exc:
        raise CoxEngineError("the information matrix is singular") from exc
    return Fit(beta, variance, loglik_null, loglik, iterations)


def concordance(data: CoxData, beta: np.ndarray) -> float:
    """Harrell's C as R's concordance() for a coxph fit: at each event time, the event row is compared
    with every row of its stratum still at risk (start < t <= stop) that did not have an event at t;
    tied risk scores count 1/2. Pairs are pooled over strata."""
    eta = data.x @ beta
    concordant = discordant = tied = 0.0
    for i in np.flatnonzero(data.event == 1):
        t = data.stop[i]
        others = (
            (data.strata == data.strata[i])
            & (data.start < t)
            & (data.stop >= t)
            & ~((data.stop == t) & (data.event == 1))
        )
        diff = eta[i] - eta[others]
        weight = data.weights[i] * data.weights[others]
        concordant += float(weight[diff > 0].sum())
        discordant += float(weight[diff < 0].sum())
        tied += float(weight[diff == 0].sum())
    total = concordant + discordant + tied
    return float("nan") if total == 0 else (concordant + tied / 2) / total
