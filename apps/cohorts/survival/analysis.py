"""One survival analysis of a table: per-group curves and summaries, log-rank, Cox, with guardrails."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import km
from . import logrank as logrank_tests
from .cox import CoxFitError, CoxModel, fit_cox
from .table import Covariate, SurvivalInputError, SurvivalTable

METHODS = {
    "kaplan_meier": "Kaplan-Meier; Greenwood variance; CI conf.type='log' (R survfit default): "
    "S*exp(+/-z*se(log S)), upper limit capped at 1, NA where S=0",
    "median": "first time S(t) <= 0.5, midpoint where S is exactly 0.5 over an interval; CI where the "
    "lower/upper confidence curves cross 0.5 (R quantile.survfit); null = not reached or undefined",
    "landmarks": "S(t) at each landmark with the log CI (R summary.survfit); null beyond the last follow-up",
    "rmst": "restricted mean survival time: area under the KM curve from 0 to tau; variance as R survmean "
    "(Miller 1981); normal CI",
    "logrank": "log-rank test, R survdiff(rho = 0); pairwise log-rank with Holm-adjusted p (R p.adjust)",
    "cox": "Cox proportional hazards, Efron ties (R coxph default); Wald CI and p; likelihood-ratio test; "
    "concordance (Harrell's C, tied risk scores count 1/2, as R's concordance for coxph)",
    "ph_test": "proportional-hazards test as R cox.zph (survival >= 3.0, default transform='km'): score "
    "test for adding X*g(t), per coefficient (terms=FALSE) and global; a term is flagged at p < 0.05",
    "missing": "complete cases: rows missing time, event, group or a covariate are left out (dropped)",
}


@dataclass(frozen=True)
class AnalysisOptions:
    landmarks: tuple[float, ...] = ()
    rmst_tau: float | None = None
    min_size: int = 1
    min_events: int = 0
    suppress_below: int | None = None
    conf_level: float = 0.95
    group_in_cox: bool | None = None
    index_date: str | None = None


@dataclass(frozen=True)
class Landmark:
    time: float
    estimate: km.Estimate


@dataclass(frozen=True)
class GroupResult:
    name: str
    n: int
    events: int
    too_small: bool = False
    curve: km.KMCurve | None = None
    median: km.Estimate = field(default_factory=lambda: km.Estimate(None, None, None))
    landmarks: tuple[Landmark, ...] = ()
    rmst: km.RestrictedMean | None = None
    max_time: float | None = None


@dataclass(frozen=True)
class SurvivalResult:
    n: int
    events: int
    dropped: int
    time_unit: str
    group_column: str | None
    groups: tuple[GroupResult, ...]
    suppressed_groups: tuple[str, ...] = ()
    logrank: logrank_tests.LogRank | None = None
    pairwise: tuple[logrank_tests.PairwiseLogRank, ...] = ()
    cox: CoxModel | None = None
    cox_note: str | None = None
    rmst_tau: float | None = None
    rmst_tau_rule: str | None = None
    options: AnalysisOptions = field(default_factory=AnalysisOptions)

    @property
    def methods(self) -> dict[str, str]:
        notes = dict(METHODS)
        notes["confidence_level"] = f"{self.options.conf_level:.0%} two-sided"
        if self.rmst_tau_rule:
            notes["rmst"] += f"; tau = {self.rmst_tau_rule}"
        notes["guardrails"] = (
            f"groups with fewer than {self.options.min_size} patients or {self.options.min_events} events "
            "are reported as too small, without numbers, and left out of comparisons"
        )
        if self.options.suppress_below:
            notes["suppression"] = (
                f"groups with fewer than {self.options.suppress_below} patients are suppressed entirely "
                "(no counts, curves or tests) and left out of every total"
            )
        if self.options.index_date:
            notes["index_date"] = self.options.index_date
        return notes


def analyse(table: SurvivalTable, options: AnalysisOptions | None = None) -> SurvivalResult:
    options = options or AnalysisOptions()
    if options.min_size < 1 or options.min_events < 0:
        raise SurvivalInputError("min_size must be at least 1 and min_events at least 0")
    if not 0 < options.conf_level < 1:
        raise SurvivalInputError("conf_level must be between 0 and 1")
    if any(t < 0 for t in options.landmarks):
        raise SurvivalInputError("landmark times must not be negative")

    suppressed: tuple[str, ...] = ()
    if options.suppress_below:
        counts = {g: int(np.sum(table.group == g)) for g in table.group_order}
        suppressed = tuple(g for g in table.group_order if counts[g] < options.suppress_below)
        if suppressed:
            table = table.subset(~np.isin(table.group, suppressed))

    sizes = {
        g: (int(np.sum(table.group == g)), int(table.event[table.group == g].sum()))
        for g in table.group_order
    }
    analysable = tuple(
        g for g in table.group_order if sizes[g][0] >= options.min_size and sizes[g][1] >= options.min_events
    )
    curves = {
        g: km.kaplan_meier(table.time[table.group == g], table.event[table.group == g], options.conf_level)
        for g in analysable
    }
    tau, tau_rule = _rmst_tau(curves, options.rmst_tau)
    groups = tuple(
        _group_result(g, sizes[g], curves.get(g), options.landmarks, tau) for g in table.group_order
    )

    compared = table.subset(np.isin(table.group, analysable)) if analysable else table
    overall = pairs = None
    if len(analysable) >= 2:
        overall = logrank_tests.overall(compared.time, compared.event, compared.group)
        pairs = logrank_tests.pairwise(compared.time, compared.event, compared.group, analysable)
    cox, cox_note = _cox(table, compared, analysable, options)
    return SurvivalResult(
        n=table.n,
        events=table.events,
        dropped=table.dropped,
        time_unit=table.time_unit,
        group_column=table.group_column,
        groups=groups,
        suppressed_groups=suppressed,
        logrank=overall,
        pairwise=tuple(pairs or ()),
        cox=cox,
        cox_note=cox_note,
        rmst_tau=tau,
        rmst_tau_rule=tau_rule,
        options=options,
    )


def _rmst_tau(curves: dict[str, km.KMCurve], requested: float | None) -> tuple[float | None, str | None]:
    if not curves:
        return None, None
    if requested is not None:
        if requested <= 0:
            raise SurvivalInputError("rmst tau must be positive")
        return requested, f"{requested:g} (given)"
    tau = min(float(c.time[-1]) for c in curves.values())
    return tau, f"{tau:g}, the smallest of the groups' last follow-up times (as survRM2/survminer)"


def _group_result(
    name: str,
    size: tuple[int, int],
    curve: km.KMCurve | None,
    landmarks: tuple[float, ...],
    tau: float | None,
) -> GroupResult:
    n, events = size
    if curve is None:
        return GroupResult(name=name, n=n, events=events, too_small=True)
    return GroupResult(
        name=name,
        n=n,
        events=events,
        curve=curve,
        median=km.quantile(curve, 0.5),
        landmarks=tuple(Landmark(t, km.survival_at(curve, t)) for t in landmarks),
        rmst=km.restricted_mean(curve, tau) if tau is not None else None,
        max_time=float(curve.time[-1]),
    )


def _cox(
    table: SurvivalTable, compared: SurvivalTable, analysable: tuple[str, ...], options: AnalysisOptions
) -> tuple[CoxModel | None, str | None]:
    with_group = options.group_in_cox if options.group_in_cox is not None else not table.covariates
    with_group = with_group and table.group_column is not None and len(analysable) >= 2
    source = compared if with_group else table
    terms: list[Covariate] = []
    if with_group:
        terms += [
            Covariate(
                f"{table.group_column}={g}", table.group_column or "", (source.group == g).astype(float)
            )
            for g in analysable[1:]
        ]
    terms += list(source.covariates)
    if not terms:
        return None, None
    try:
        return fit_cox(source.time, source.event, tuple(terms), options.conf_level), None
    except CoxFitError as exc:
        return None, f"Cox model not estimated: {exc}"
