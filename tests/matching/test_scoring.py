"""Scores, ranks and the "what would decide" list."""

import pytest

from apps.matching import scoring


def test_molecular_fit_is_null_without_molecular_requirements_and_the_mean_otherwise():
    assert scoring.molecular_fit([]) is None
    assert scoring.molecular_fit([1.0, 0.5]) == 0.75


def test_phenotypic_fit_is_the_weighted_share_met_among_known():
    assert scoring.phenotypic_fit([True, False], [3.0, 1.0]) == 0.75
    assert scoring.phenotypic_fit([], []) == 0.0


@pytest.mark.parametrize("mfit", [None, 0.0, 1.0])
@pytest.mark.parametrize("pfit", [0.0, 1.0])
@pytest.mark.parametrize("unknown", [0, 3])
def test_score_bands_rank_eligible_above_possible_above_ineligible(mfit, pfit, unknown):
    eligible = scoring.score(2, mfit, pfit, 0, 5)
    possible = scoring.score(1, mfit, pfit, unknown, 5)
    ineligible = scoring.score(0, mfit, pfit, unknown, 5)

    assert 0.67 <= eligible <= 1.0
    assert 0.34 <= possible < 0.67
    assert 0.0 <= ineligible < 0.34


def test_within_a_band_better_fit_and_fewer_unknowns_score_higher():
    assert scoring.score(1, 1.0, 1.0, 1, 10) > scoring.score(1, 0.5, 1.0, 1, 10)
    assert scoring.score(1, 1.0, 1.0, 1, 10) > scoring.score(1, 1.0, 1.0, 4, 10)


def test_ranks_are_competition_ranks_best_first():
    assert scoring.rank([0.5, 0.9, 0.5, 0.1]) == [2, 1, 2, 4]


def test_what_would_decide_deduplicates_in_order():
    missing = ["ECOG performance status", None, "creatinine within 28 days; ECOG performance status"]

    assert scoring.what_would_decide(missing) == ["ECOG performance status", "creatinine within 28 days"]
