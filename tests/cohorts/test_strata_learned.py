"""Learned strata on small simulated data with known structure (no database)."""

from __future__ import annotations

import numpy as np
import pytest

from apps.cohorts import strata
from apps.cohorts.strata import learned
from apps.cohorts.strata.features import FeatureMatrix, build_features
from apps.matching.records import FindingFact, PatientRecord


def matrix(values: np.ndarray, names: tuple[str, ...]) -> FeatureMatrix:
    keys = tuple(f"p{i}" for i in range(values.shape[0]))
    return FeatureMatrix(keys, names, values, tuple(False for _ in names))


@pytest.fixture(scope="module")
def blobs() -> FeatureMatrix:
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0, 0.0], [6.0, 0.0, 0.0], [0.0, 6.0, 0.0]])
    values = np.vstack([c + rng.normal(size=(60, 3)) for c in centres])
    values[rng.random(values.shape) < 0.05] = np.nan
    return matrix(values, ("a", "b", "noise"))


def test_clusters_choose_k_by_silhouette_and_find_the_three_blobs(blobs: FeatureMatrix) -> None:
    assignment = learned.clusters(blobs, k_min=2, k_max=6, seed=1)

    assert assignment.details["k"] == 3
    for blob in range(3):
        labels = [assignment.labels[f"p{i}"] for i in range(blob * 60, blob * 60 + 60)]
        assert max(labels.count(g) for g in assignment.groups) >= 55  # a few are misplaced by imputation


def test_each_cluster_reports_its_defining_features(blobs: FeatureMatrix) -> None:
    assignment = learned.clusters(blobs, k_min=3, k_max=3, seed=1)

    tops = [assignment.details["defining_features"][g][0]["feature"] for g in assignment.groups]
    assert set(tops) <= {"a", "b"}


def test_clustering_is_deterministic_for_a_seed(blobs: FeatureMatrix) -> None:
    first = learned.clusters(blobs, k_min=2, k_max=4, seed=5)
    second = learned.clusters(blobs, k_min=2, k_max=4, seed=5)

    assert first.labels == second.labels
    assert first.details["silhouette"] == second.details["silhouette"]


@pytest.fixture(scope="module")
def prognostic() -> tuple[FeatureMatrix, np.ndarray, np.ndarray]:
    """Exponential times with hazard exp(0.9*x0 - 0.6*x1); x2 is noise; random censoring."""
    rng = np.random.default_rng(11)
    n = 400
    x = rng.normal(size=(n, 3))
    event_time = rng.exponential(1 / np.exp(0.9 * x[:, 0] - 0.6 * x[:, 1]))
    censor = rng.exponential(2.0, size=n)
    time = np.minimum(event_time, censor)
    event = (event_time <= censor).astype(int)
    return matrix(x, ("x0", "x1", "x2")), time, event


def test_survival_split_separates_held_out_patients(prognostic: tuple) -> None:
    features, time, event = prognostic
    progress: list[float] = []

    assignment = learned.survival_split(
        features, time, event, groups=3, folds=5, seed=0, progress=lambda f, _: progress.append(f)
    )

    details = assignment.details
    assert assignment.groups == ("low risk", "intermediate risk", "high risk")
    assert details["concordance_out_of_fold"] > 0.65
    assert min(details["concordance_per_fold"]) > 0.55
    assert details["logrank_out_of_fold"]["p"] < 1e-6
    assert {r["feature"] for r in details["hazard_ratios_per_sd"][:2]} == {"x0", "x1"}
    assert progress == sorted(progress) and progress[-1] == 1.0


def test_survival_split_on_noise_does_not_pretend(prognostic: tuple) -> None:
    features, time, event = prognostic
    shuffled = np.random.default_rng(0).permutation(len(time))

    assignment = learned.survival_split(features, time[shuffled], event[shuffled], groups=2, folds=4, seed=0)

    assert abs(assignment.details["concordance_out_of_fold"] - 0.5) < 0.08


def test_survival_split_needs_events_in_every_fold(prognostic: tuple) -> None:
    features, time, _ = prognostic

    with pytest.raises(strata.StrataInputError, match="too few events"):
        learned.survival_split(features, time, np.zeros(time.size, dtype=int))


def test_features_keep_untested_genes_unknown_not_wild_type() -> None:
    records = [
        PatientRecord(key="m", findings=(FindingFact("KRAS", True),)),
        PatientRecord(key="w", findings=(FindingFact("KRAS", False),)),
        PatientRecord(key="u"),
    ]

    features = build_features(records)

    assert features.column("KRAS mutant")[:2].tolist() == [1.0, 0.0]
    assert np.isnan(features.column("KRAS mutant")[2])
    assert "age" not in features.names  # no birth dates: an all-unknown column is left out
