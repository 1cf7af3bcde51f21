"""One survival analysis of a table: per-group curves and summaries, log-rank, Cox, with guardrails."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from . import competing as cr
from . import km
from . import logrank as logrank_tests
from .cox import CoxFitError, CoxModel, fit_cox, fit_cox_general
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
COUNTING_PROCESS_METHODS = {
    "cox": "Cox proportional hazards on (start, stop] rows, as R coxph(Surv(start, stop, event) ~ ...): "
    "Efron ties, a row is at risk at t when start < t <= stop; Wald CI and p; likelihood-ratio test; "
    "concordance over the rows at risk at each event time (R concordance())",
    "kaplan_meier": "Kaplan-Meier on (start, stop] rows (R survfit(Surv(start, stop, event) ~ group)): "
    "at risk at t when start < t <= stop; Greenwood variance; CI conf.type='log'",
    "logrank": "not computed: R's survdiff does not accept (start, stop] data; use the Cox model's "
    "likelihood-ratio test",
}
STRATA_METHOD = "; stratified: a separate baseline hazard per stratum, as + strata(COL) in R coxph"
COMPETING_METHOD = (
    "competing risks as R cmprsk: cumulative incidence of event type 1 per group (Aalen-Johansen, "
    "cmprsk::cuminc) with cmprsk's variance and a 95% CI on the log(-log) scale (as tidycmprsk); "
    "Gray's test between groups "
    "(rho = 0, stratified by --strata if given); Fine-Gray subdistribution hazard ratios (cmprsk::crr, "
    "Breslow ties, sandwich variance); codes 2.. are competing events, not censoring"
)


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
class CifGroup:
    name: str
    curve: cr.CifCurve
    landmarks: tuple[tuple[float, tuple[float, float, float, float] | None], ...] = ()


@dataclass(frozen=True)
class CompetingRisksResult:
    event_type_column: str
    competing_codes: tuple[int, ...]
    groups: tuple[CifGroup, ...]
    gray: cr.GrayTest | None
    fine_gray: cr.FineGrayModel | None
    note: str | None = None
    method: str = COMPETING_METHOD


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
    competing: CompetingRisksResult | None = None
    counting_process: bool = False
    strata_column: str | None = None

    @property
    def methods(self) -> dict[str, str]:
        notes = dict(METHODS)
        if self.counting_process:
            notes.update(COUNTING_PROCESS_METHODS)
        if self.strata_column:
            notes["cox"] += STRATA_METHOD + f" ({self.strata_column})"
        if self.competing is not None:
            notes["competing_risks"] = self.competing.method
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
        g: km.kaplan_meier(
            table.time[table.group == g],
            table.event[table.group == g],
            options.conf_level,
            entry=None if table.start is None else table.start[table.group == g],
        )
        for g in analysable
    }
    tau, tau_rule = _rmst_tau(curves, options.rmst_tau)
    groups = tuple(
        _group_result(g, sizes[g], curves.get(g), options.landmarks, tau) for g in table.group_order
    )

    compared = table.subset(np.isin(table.group, analysable)) if analysable else table
    overall = pairs = None
    if len(analysable) >= 2 and table.start is None:
        overall = logrank_tests.overall(compared.time, compared.event, compared.group)
        pairs = logrank_tests.pairwise(compared.time, compared.event, compared.group, analysable)
    cox, cox_note = _cox(table, compared, analysable, options)
    competing = _competing(table, compared, analysable, options)
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
        competing=competing,
        counting_process=table.start is not None,
        strata_column=table.strata_column,
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


def _model_terms(
    table: SurvivalTable, compared: SurvivalTable, analysable: tuple[str, ...], options: AnalysisOptions
) -> tuple[SurvivalTable, list[Covariate]]:
    """The rows and terms of the regression models: group indicators against the first, and/or covariates."""
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
    return source, terms


def _cox(
    table: SurvivalTable, compared: SurvivalTable, analysable: tuple[str, ...], options: AnalysisOptions
) -> tuple[CoxModel | None, str | None]:
    source, terms = _model_terms(table, compared, analysable, options)
    if not terms:
        return None, None
    try:
        if source.start is not None or source.strata is not None:
            model = fit_cox_general(
                source.time,
                source.event,
                tuple(terms),
                options.conf_level,
                start=source.start,
                strata=source.strata,
                strata_column=source.strata_column,
            )
            return model, None
        return fit_cox(source.time, source.event, tuple(terms), options.conf_level), None
    except CoxFitError as exc:
        return None, f"Cox model not estimated: {exc}"


def _competing(
    table: SurvivalTable, compared: SurvivalTable, analysable: tuple[str, ...], options: AnalysisOptions
) -> CompetingRisksResult | None:
    if table.event_type is None:
        return None
    column = table.event_type_column or "event_type"
    codes = tuple(sorted(int(c) for c in set(table.event_type.tolist()) if c >= 2))
    if table.start is not None:
        return CompetingRisksResult(
            column,
            codes,
            (),
            None,
            None,
            note="not estimated on (start, stop] rows: the cumulative incidence and Fine-Gray model "
            "need one row "
            "per patient (for a treatment received during follow-up, use the landmark design)",
        )
    groups = []
    for g in analysable:
        rows = table.group == g
        curve = cr.cumulative_incidence(table.time[rows], table.event_type[rows], 1, options.conf_level)
        groups.append(CifGroup(g, curve, tuple((t, curve.at(t)) for t in options.landmarks)))
    gray = None
    if len(analysable) >= 2 and compared.event_type is not None:
        gray = cr.gray_test(
            compared.time, compared.event_type, compared.group, analysable, strata=compared.strata
        )
    # The contract: Fine-Gray "for the group and the covariates" (the group even when covariates are given).
    source, terms = _model_terms(table, compared, analysable, dataclasses.replace(options, group_in_cox=True))
    fine_gray = None
    note = None
    if terms and source.event_type is not None:
        try:
            fine_gray = cr.fine_gray(
                source.time,
                source.event_type,
                np.column_stack([t.values for t in terms]),
                [t.term for t in terms],
                options.conf_level,
            )
        except (cr.CompetingRisksError, np.linalg.LinAlgError) as exc:
            note = f"Fine-Gray model not estimated: {exc}"
    return CompetingRisksResult(column, codes, tuple(groups), gray, fine_gray, note)
