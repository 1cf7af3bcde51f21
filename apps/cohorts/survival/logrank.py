"""Log-rank tests as R's survdiff(rho = 0): overall across groups and pairwise with Holm's adjustment."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
from lifelines.statistics import logrank_test, multivariate_logrank_test


@dataclass(frozen=True)
class LogRank:
    chi2: float
    df: int
    p: float


@dataclass(frozen=True)
class PairwiseLogRank:
    group_a: str
    group_b: str
    chi2: float
    p: float
    p_holm: float


def holm(p_values: list[float]) -> list[float]:
    """Holm step-down adjusted p-values, as R's p.adjust(method = "holm")."""
    m = len(p_values)
    order = np.argsort(p_values, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, (m - rank) * p_values[index])
        adjusted[index] = min(1.0, running)
    return [float(a) for a in adjusted]


def overall(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> LogRank | None:
    """None when fewer than two groups have any expected events (R reports no test then)."""
    labels = list(dict.fromkeys(group.tolist()))
    if len(labels) < 2 or event.sum() == 0:
        return None
    result = multivariate_logrank_test(time, group, event)
    return LogRank(float(result.test_statistic), int(result.degrees_of_freedom), float(result.p_value))


def pairwise(
    time: np.ndarray, event: np.ndarray, group: np.ndarray, order: tuple[str, ...]
) -> list[PairwiseLogRank]:
    if len(order) < 3 or event.sum() == 0:
        return []
    raw: list[tuple[str, str, float, float]] = []
    for a, b in combinations(order, 2):
        in_a, in_b = group == a, group == b
        result = logrank_test(time[in_a], time[in_b], event[in_a], event[in_b])
        raw.append((a, b, float(result.test_statistic), float(result.p_value)))
    adjusted = holm([p for *_, p in raw])
    return [
        PairwiseLogRank(a, b, chi2, p, p_adj) for (a, b, chi2, p), p_adj in zip(raw, adjusted, strict=True)
    ]
