"""Survival analysis (pure: no Django): Kaplan-Meier, log-rank and Cox with R survival's conventions."""

from .analysis import METHODS, AnalysisOptions, GroupResult, Landmark, SurvivalResult, analyse
from .cox import CoxFitError, CoxModel, CoxTerm, fit_cox
from .km import Estimate, KMCurve, RestrictedMean, kaplan_meier, quantile, restricted_mean, survival_at
from .logrank import LogRank, PairwiseLogRank, holm
from .report import median_label, render_text, to_dict
from .table import (
    DAYS_PER_MONTH,
    Covariate,
    FollowUp,
    SurvivalInputError,
    SurvivalTable,
    durations_from_dates,
    prepare_table,
)

__all__ = [
    "DAYS_PER_MONTH",
    "METHODS",
    "AnalysisOptions",
    "Covariate",
    "CoxFitError",
    "CoxModel",
    "CoxTerm",
    "Estimate",
    "FollowUp",
    "GroupResult",
    "KMCurve",
    "Landmark",
    "LogRank",
    "PairwiseLogRank",
    "RestrictedMean",
    "SurvivalInputError",
    "SurvivalResult",
    "SurvivalTable",
    "analyse",
    "durations_from_dates",
    "fit_cox",
    "holm",
    "kaplan_meier",
    "median_label",
    "prepare_table",
    "quantile",
    "render_text",
    "restricted_mean",
    "survival_at",
    "to_dict",
]
