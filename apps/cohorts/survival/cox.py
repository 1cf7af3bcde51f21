"""Cox proportional hazards as R's coxph: Efron ties, Wald CIs and p, likelihood-ratio test, concordance."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.exceptions import ConvergenceError, ConvergenceWarning
from scipy.stats import chi2 as chi2_dist
from scipy.stats import norm

from . import engine
from .engine import CoxData
from .table import Covariate
from .zph import ZphTest, cox_zph

# Newton-Raphson to well past the 6 significant digits R prints for coef (lifelines' default stops earlier).
PRECISION = 1e-12
PH_ALPHA = 0.05


@dataclass(frozen=True)
class CoxTerm:
    term: str
    coef: float
    se: float
    hr: float
    hr_lower: float
    hr_upper: float
    z: float
    p: float
    ph_chi2: float | None = None
    ph_p: float | None = None

    @property
    def ph_violated(self) -> bool | None:
        return None if self.ph_p is None else self.ph_p < PH_ALPHA


@dataclass(frozen=True)
class CoxModel:
    terms: tuple[CoxTerm, ...]
    n: int
    events: int
    lr_chi2: float
    lr_df: int
    lr_p: float
    concordance: float
    ph_global: ZphTest | None = None
    ph_terms: ZphTest | None = None  # cox.zph's default terms = TRUE: one test per column
    counting_process: bool = False  # fitted on (start, stop] rows
    strata_column: str | None = None
    n_strata: int = 1


class CoxFitError(ValueError):
    """The model cannot be estimated from these data (no events, a constant term, no convergence)."""


def fit_cox(
    time: np.ndarray, event: np.ndarray, covariates: tuple[Covariate, ...], conf_level: float = 0.95
) -> CoxModel:
    if not covariates:
        raise CoxFitError("no terms to fit")
    if event.sum() == 0:
        raise CoxFitError("no events")
    names = [c.term for c in covariates]
    constant = [c.term for c in covariates if np.ptp(c.values) == 0]
    if constant:
        raise CoxFitError(f"term(s) with one value only: {', '.join(constant)}")
    frame = pd.DataFrame({c.term: c.values for c in covariates})
    frame["__time"] = time
    frame["__event"] = event
    fitter = CoxPHFitter(alpha=1 - conf_level)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            fitter.fit(frame, "__time", "__event", fit_options={"precision": PRECISION})
        except (ConvergenceError, ConvergenceWarning, np.linalg.LinAlgError) as exc:
            raise CoxFitError(f"the model did not converge ({str(exc).splitlines()[0]})") from exc
    lr = fitter.log_likelihood_ratio_test()
    ph_global, ph_terms = _ph_test(time, event, covariates, fitter)
    ph = ph_global.terms if ph_global else {}
    summary = fitter.summary
    terms = tuple(
        CoxTerm(
            term=name,
            coef=float(summary.loc[name, "coef"]),
            se=float(summary.loc[name, "se(coef)"]),
            hr=float(summary.loc[name, "exp(coef)"]),
            hr_lower=float(np.exp(summary.loc[name, f"coef lower {round(conf_level * 100)}%"])),
            hr_upper=float(np.exp(summary.loc[name, f"coef upper {round(conf_level * 100)}%"])),
            z=float(summary.loc[name, "z"]),
            p=float(summary.loc[name, "p"]),
            ph_chi2=ph.get(name, (None, None))[0],
            ph_p=ph.get(name, (None, None))[1],
        )
        for name in names
    )
    return CoxModel(
        terms=terms,
        n=int(time.size),
        events=int(event.sum()),
        lr_chi2=float(lr.test_statistic),
        lr_df=int(lr.degrees_freedom),
        lr_p=float(lr.p_value),
        concordance=float(fitter.concordance_index_),
        ph_global=ph_global,
        ph_terms=ph_terms,
    )


def _ph_test(
    time: np.ndarray, event: np.ndarray, covariates: tuple[Covariate, ...], fitter: CoxPHFitter
) -> tuple[ZphTest | None, ZphTest | None]:
    """cox.zph (R survival >= 3.0), default Kaplan-Meier transform: per coefficient and per column.

    Returns (per coefficient, as `cox.zph(fit, terms = FALSE)`; per column, as R's default
    `terms = TRUE`, where a factor's indicators are one test); (None, None) if singular.
    """
    x = np.column_stack([c.values for c in covariates])
    beta = fitter.params_.loc[[c.term for c in covariates]].to_numpy()
    data = CoxData.build(time, event, x)
    columns = list(dict.fromkeys(c.column for c in covariates))
    groups = [[j for j, c in enumerate(covariates) if c.column == column] for column in columns]
    try:
        per_coefficient = cox_zph(data, beta, [c.term for c in covariates], transform="km")
        per_term = cox_zph(data, beta, columns, transform="km", terms=groups)
    except np.linalg.LinAlgError:
        return None, None
    return per_coefficient, per_term


def fit_cox_general(
    time: np.ndarray,
    event: np.ndarray,
    covariates: tuple[Covariate, ...],
    conf_level: float = 0.95,
    *,
    start: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    strata_column: str | None = None,
) -> CoxModel:
    """coxph(Surv(start, stop, event) ~ terms + strata(s)): Efron ties, `engine.py` Newton-Raphson."""
    if not covariates:
        raise CoxFitError("no terms to fit")
    if event.sum() == 0:
        raise CoxFitError("no events")
    constant = [c.term for c in covariates if np.ptp(c.values) == 0]
    if constant:
        raise CoxFitError(f"term(s) with one value only: {', '.join(constant)}")
    x = np.column_stack([c.values for c in covariates])
    data = CoxData.build(time, event, x, start=start, strata=strata)
    try:
        fitted = engine.fit(data)
    except engine.CoxEngineError as exc:
        raise CoxFitError(str(exc)) from exc
    se = np.sqrt(np.diag(fitted.variance))
    z_crit = float(norm.ppf(1 - (1 - conf_level) / 2))
    columns = list(dict.fromkeys(c.column for c in covariates))
    groups = [[j for j, c in enumerate(covariates) if c.column == column] for column in columns]
    per_coefficient: ZphTest | None
    per_term: ZphTest | None
    try:
        per_coefficient = cox_zph(data, fitted.beta, [c.term for c in covariates], transform="km")
        per_term = cox_zph(data, fitted.beta, columns, transform="km", terms=groups)
    except np.linalg.LinAlgError:
        per_coefficient = per_term = None
    ph = per_coefficient.terms if per_coefficient else {}
    terms = tuple(
        CoxTerm(
            term=c.term,
            coef=float(b),
            se=float(s),
            hr=float(np.exp(b)),
            hr_lower=float(np.exp(b - z_crit * s)),
            hr_upper=float(np.exp(b + z_crit * s)),
            z=float(b / s),
            p=float(2 * norm.sf(abs(b / s))),
            ph_chi2=ph.get(c.term, (None, None))[0],
            ph_p=ph.get(c.term, (None, None))[1],
        )
        for c, b, s in zip(covariates, fitted.beta, se, strict=True)
    )
    lr = 2 * (fitted.loglik - fitted.loglik_null)
    return CoxModel(
        terms=terms,
        n=int(time.size),
        events=int(event.sum()),
        lr_chi2=float(lr),
        lr_df=len(covariates),
        lr_p=float(chi2_dist.sf(lr, len(covariates))),
        concordance=engine.concordance(data, fitted.beta),
        ph_global=per_coefficient,
        ph_terms=per_term,
        counting_process=start is not None,
        strata_column=strata_column,
        n_strata=int(np.unique(data.strata).size),
    )
