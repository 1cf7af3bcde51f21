"""A Cox model fitted to the generated outcomes recovers the true hazard ratios of the generating model."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from lifelines import CoxPHFitter

from apps.patients.synthetic import TRUE_HAZARD_RATIOS, generate, generate_records, outcome_from_resources


@pytest.fixture(scope="module")
def fitted() -> CoxPHFitter:
    rows = []
    n, seed = 3000, 77
    for resources, record in zip(generate(n, seed), generate_records(n, seed), strict=True):
        outcome = outcome_from_resources(resources)  # time and event as a reader of the export sees them
        rows.append({
            "days": outcome.days,
            "died": int(outcome.died),
            "stratum": f"{record.cancer.key}:{record.stage or '-'}",
            **record.covariates,
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    return CoxPHFitter().fit(frame, duration_col="days", event_col="died", strata=["stratum"])


@pytest.mark.parametrize(
    "covariate", ["ecog", "kras_g12c_nsclc", "tp53_or_stk11_nsclc", "matched_targeted_first_line"]
)
def test_95_percent_interval_of_the_hazard_ratio_contains_the_true_value(
    fitted: CoxPHFitter, covariate: str
) -> None:
    interval = fitted.confidence_intervals_.loc[covariate]

    assert interval.iloc[0] < math.log(TRUE_HAZARD_RATIOS[covariate]) < interval.iloc[1], interval
