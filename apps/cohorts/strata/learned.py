"""Learned strata: k-means clusters of baseline features, and a cross-validated Cox risk split.

Deterministic for a given seed. `progress(fraction, message)` is called as the work advances.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.utils import concordance_index
from sklearn.cluster import KMeans
from sklearn.impute import SimpleImputer
from sklearn.metrics import silhouette_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from apps.cohorts.survival import logrank

from .features import FeatureMatrix
from .rules import Assignment, StrataInputError

Progress = Callable[[float, str], None]
RISK_LABELS = {2: ("lower risk", "higher risk"), 3: ("low risk", "intermediate risk", "high risk")}
TOP_FEATURES = 5


def _quiet(_: float, __: str) -> None:
    return None


def _preprocess() -> Pipeline:
    return make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler())


def defining_features(matrix: FeatureMatrix, labels: np.ndarray, group: str, top: int = TOP_FEATURES) -> list:
    """The features whose mean differs most between the group and the rest, in pooled SD units."""
    inside = labels == group
    rows: list[dict[str, Any]] = []
    for j, name in enumerate(matrix.names):
        column = matrix.values[:, j]
        known = ~np.isnan(column)
        a, b = column[inside & known], column[~inside & known]
        if a.size < 2 or b.size < 2:
            continue
        sd = float(
            np.sqrt((a.var(ddof=1) * (a.size - 1) + b.var(ddof=1) * (b.size - 1)) / (a.size + b.size - 2))
        )
        if sd == 0:
            continue
        diff = (float(a.mean()) - float(b.mean())) / sd
        rows.append(
            {
                "feature": name,
                "group_mean": float(a.mean()),
                "others_mean": float(b.mean()),
                "standardised_difference": diff,
                "known_in_group": int(a.size),
            }
        )
    rows.sort(key=lambda r: (-abs(r["standardised_difference"]), r["feature"]))
    return rows[:top]


def clusters(
    matrix: FeatureMatrix, *, k_min: int = 2, k_max: int = 8, seed: int = 0, progress: Progress = _quiet
) -> Assignment:
    """k-means on standardised, median-imputed features; k is the one with the highest mean silhouette."""
    n = len(matrix.keys)
    if not 2 <= k_min <= k_max:
        raise StrataInputError("parameters: fields 'k_min'/'k_max': need 2 <= k_min <= k_max")
    if n < k_max + 1:
        raise StrataInputError(f"clustering needs more patients than k_max ({k_max}); the cohort has {n}")
    x = _preprocess().fit_transform(matrix.values)
    scores: dict[int, float] = {}
    fitted: dict[int, np.ndarray] = {}
    ks = list(range(k_min, k_max + 1))
    for i, k in enumerate(ks):
        model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(x)
        fitted[k] = model.labels_
        scores[k] = float(silhouette_score(x, model.labels_, sample_size=min(n, 3000), random_state=seed))
        progress((i + 1) / len(ks), f"k-means with k={k}: silhouette {scores[k]:.3f}")
    best = max(ks, key=lambda k: (round(scores[k], 12), -k))
    raw = fitted[best]
    sizes = sorted(((int(np.sum(raw == c)), c) for c in range(best)), key=lambda s: (-s[0], s[1]))
    rename = {c: f"cluster {i + 1}" for i, (_, c) in enumerate(sizes)}
    labels = np.asarray([rename[c] for c in raw], dtype=object)
    groups = tuple(rename[c] for _, c in sizes)
    return Assignment(
        groups=groups,
        labels=dict(zip(matrix.keys, labels.tolist(), strict=True)),
        details={
            "method": "k-means (scikit-learn, n_init=10) on standardised features, missing values imputed "
            "with the median; clusters numbered by size",
            "criterion": f"k in {k_min}..{k_max} with the highest mean silhouette (Euclidean)",
            "silhouette": {str(k): scores[k] for k in ks},
            "k": best,
            "seed": seed,
            "features": list(matrix.names),
            "defining_features": {g: defining_features(matrix, labels, g) for g in groups},
        },
    )


def _usable(x: np.ndarray) -> np.ndarray:
    return np.asarray(np.nanstd(x, axis=0) > 1e-9)


def _fit_cox(x: np.ndarray, time: np.ndarray, event: np.ndarray, penalizer: float) -> CoxPHFitter:
    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(x.shape[1])])
    frame["__time"], frame["__event"] = time, event
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CoxPHFitter(penalizer=penalizer).fit(frame, "__time", "__event")


def _risk(model: CoxPHFitter, x: np.ndarray) -> np.ndarray:
    return x @ model.params_.to_numpy()


def survival_split(
    matrix: FeatureMatrix,
    time: np.ndarray,
    event: np.ndarray,
    *,
    groups: int = 3,
    folds: int = 5,
    penalizer: float = 0.1,
    seed: int = 0,
    progress: Progress = _quiet,
) -> Assignment:
    """Risk groups from a ridge-penalised Cox model, assigned out of fold.

    Each patient's group comes from a model fitted without them (k-fold, stratified by event): cut points
    are the training fold's risk-score quantiles. Reported: out-of-fold concordance (pooled and per
    fold), the log-rank test between the out-of-fold groups, and the full-data model's hazard ratios.
    """
    if groups not in RISK_LABELS:
        raise StrataInputError(f"parameters: field 'groups': {groups} is not 2 or 3")
    if not 2 <= folds <= 10:
        raise StrataInputError(f"parameters: field 'folds': {folds} is not between 2 and 10")
    if penalizer < 0:
        raise StrataInputError("parameters: field 'penalizer': must not be negative")
    n = len(matrix.keys)
    if n != time.size or n != event.size:
        raise ValueError("features and outcomes differ in length")
    if int(event.sum()) < folds * 2 or n - int(event.sum()) < folds:
        raise StrataInputError(f"too few events ({int(event.sum())}) or censored patients for {folds} folds")
    names = RISK_LABELS[groups]
    oof_risk = np.empty(n)
    oof_group = np.empty(n, dtype=object)
    fold_c: list[float] = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for i, (train, test) in enumerate(splitter.split(matrix.values, event)):
        keep = _usable(matrix.values[train])
        prep = _preprocess().fit(matrix.values[train][:, keep])
        x_train, x_test = (
            prep.transform(matrix.values[train][:, keep]),
            prep.transform(matrix.values[test][:, keep]),
        )
        model = _fit_cox(x_train, time[train], event[train], penalizer)
        train_risk, test_risk = _risk(model, x_train), _risk(model, x_test)
        cuts = np.quantile(train_risk, [j / groups for j in range(1, groups)])
        oof_risk[test] = test_risk
        oof_group[test] = [names[int(np.searchsorted(cuts, r, side="right"))] for r in test_risk]
        fold_c.append(float(concordance_index(time[test], -test_risk, event[test])))
        progress((i + 1) / (folds + 1), f"fold {i + 1} of {folds}: held-out concordance {fold_c[-1]:.3f}")

    present = tuple(g for g in names if np.any(oof_group == g))
    test = logrank.overall(time, event, oof_group) if len(present) >= 2 else None
    keep = _usable(matrix.values)
    used = [name for name, k in zip(matrix.names, keep, strict=True) if k]
    prep = _preprocess().fit(matrix.values[:, keep])
    full = _fit_cox(prep.transform(matrix.values[:, keep]), time, event, penalizer)
    ranked = sorted(
        zip(used, full.params_.to_numpy().tolist(), strict=True), key=lambda fc: (-abs(fc[1]), fc[0])
    )
    coefficients = [{"feature": f, "coef_per_sd": c, "hr_per_sd": float(np.exp(c))} for f, c in ranked]
    progress(1.0, "full-data model fitted")
    return Assignment(
        groups=present,
        labels=dict(zip(matrix.keys, oof_group.tolist(), strict=True)),
        details={
            "method": f"Cox proportional hazards (lifelines, Efron ties) with ridge penalty {penalizer:g} on "
            "standardised, median-imputed baseline features; risk groups cut at the training fold's risk "
            f"quantiles; {folds}-fold cross-validation stratified by event, every patient grouped by a "
            "model fitted without them",
            "seed": seed,
            "folds": folds,
            "concordance_out_of_fold": float(concordance_index(time, -oof_risk, event)),
            "concordance_per_fold": fold_c,
            "concordance_note": "Harrell's C of the held-out risk scores (pooled over folds, and per fold)",
            "logrank_out_of_fold": None if test is None else {"chi2": test.chi2, "df": test.df, "p": test.p},
            "hazard_ratios_per_sd": coefficients[:15],
            "features": list(matrix.names),
            "defining_features": {g: defining_features(matrix, oof_group, g) for g in present},
        },
    )
