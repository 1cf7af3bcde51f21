"""The outcome model: Weibull proportional hazards for death and progression, with the true hazard ratios.

Hazard of death for a patient with covariates x, cancer type c and stage s:

    h(t | x) = h0_{c,s}(t) * exp(sum_j beta_j x_j),   h0 Weibull with shape k_c and median m_{c,s}

where m_{c,s} is the median overall survival of the reference patient (cancers.CancerType.median_os)
and beta_j = log(TRUE_HAZARD_RATIOS[j]). Progression follows the same model with a baseline median
of PROGRESSION_FRACTION * m_{c,s}. Follow-up ends at the data cut-off (administrative censoring) or at
an exponential loss to follow-up, whichever comes first.
"""

from __future__ import annotations

import math

# True hazard ratios of the data-generating model (per unit of each covariate in `covariates`).
TRUE_HAZARD_RATIOS: dict[str, float] = {
    "ecog": 1.5,  # per ECOG point at diagnosis (0-4)
    "age_per_decade": 1.15,  # per 10 years of age at diagnosis above 60
    "matched_targeted_first_line": 0.55,  # first-line targeted therapy matching a known driver
    "msi_h_immunotherapy": 0.5,  # MSI-H tumour treated with a checkpoint inhibitor in first line
    "kras_g12c_nsclc": 1.3,  # KRAS G12C in NSCLC
    "tp53_or_stk11_nsclc": 1.4,  # TP53 or STK11 co-mutation in NSCLC
    "brain_metastases": 1.3,  # brain metastases at diagnosis
}
TRUE_LOG_HAZARD_RATIOS: dict[str, float] = {k: math.log(v) for k, v in TRUE_HAZARD_RATIOS.items()}

PROGRESSION_FRACTION = 0.45  # baseline median time to progression / baseline median overall survival
LOSS_TO_FOLLOW_UP_PER_YEAR = 0.03  # exponential rate of random loss to follow-up
DAYS_PER_MONTH = 30.4375


def linear_predictor(covariates: dict[str, float]) -> float:
    return sum(TRUE_LOG_HAZARD_RATIOS[name] * value for name, value in covariates.items())


def weibull_days(uniform: float, median_months: float, shape: float, lp: float) -> float:
    """Inverse-CDF draw of a Weibull PH time: S(t) = exp(-(t / scale)^shape * exp(lp))."""
    scale = median_months / math.log(2.0) ** (1.0 / shape)
    u = min(max(uniform, 1e-12), 1.0 - 1e-12)
    return scale * (-math.log(u) / math.exp(lp)) ** (1.0 / shape) * DAYS_PER_MONTH


def loss_to_follow_up_days(uniform: float) -> float:
    u = min(max(uniform, 1e-12), 1.0 - 1e-12)
    return -math.log(u) / LOSS_TO_FOLLOW_UP_PER_YEAR * 365.25
