"""Competing risks against cmprsk's own saved test output (cran/cmprsk tests/test.Rout.save).

cmprsk's tests/test.R draws its data with `RNGversion("1.6.2"); set.seed(2)`; `r_rng.py` regenerates
exactly those draws (R's Marsaglia-Multicarry, exp_rand, Buggy Kinderman-Ramage, sample "Rounding"),
so every number below is compared with what R printed. Source and the printed blocks:
tests/cohorts/data/R_OUTPUTS.md.
"""

import numpy as np
import pytest

from apps.cohorts.survival import competing

from .r_rng import RRandom, buggy_kinderman_ramage


@pytest.fixture(scope="module")
def cmprsk_data():
    r = RRandom(2, "Marsaglia-Multicarry")
    ss = r.rexp(100)
    gg = np.array(["abc"[v - 1] for v in r.sample_replace([1, 2, 3], 100)])
    cc = r.sample_replace([0, 1, 2], 100)
    strt = r.sample_replace([1, 2], 100)
    dd = np.abs([buggy_kinderman_ramage(r) for _ in range(100)])
    cv = r.sample_replace([0, 1], 300).reshape(3, 100).T.astype(float)
    complete = np.ones(100, dtype=bool)
    complete[[0, 9, 19]] = False  # cv[c(1,10,20)] <- NA, then na.omit
    return {"ss": ss, "gg": gg, "cc": cc, "strt": strt, "dd": dd, "cv": cv, "complete": complete}


# print(xx <- cuminc(ss,cc)): Estimates and Variances at t = 1..5
CUMINC_ALL = {
    1: ([0.2352861, 0.3287068, 0.4247898, 0.4247898, 0.4247898],
        [0.002062112, 0.002957844, 0.004170634, 0.004170634, 0.004170634]),
    2: ([0.2567862, 0.3931580, 0.4631781, 0.4911861, 0.4911861],
        [0.002190305, 0.003273248, 0.004004514, 0.004369940, 0.004369940]),
}  # fmt: skip


@pytest.mark.parametrize("cause", [1, 2])
def test_cumulative_incidence_and_its_variance_equal_cmprsk_cuminc(cmprsk_data, cause):
    curve = competing.cumulative_incidence(cmprsk_data["ss"], cmprsk_data["cc"], cause=cause)

    estimates, variances = CUMINC_ALL[cause]
    for t, (expected, expected_var) in enumerate(zip(estimates, variances, strict=True), start=1):
        value, variance, _, _ = curve.at(t)
        assert round(value, 7) == expected
        assert variance == pytest.approx(expected_var, abs=5e-10)


# print(xx <- cuminc(ss,cc,gg,strt)): groups a, b, c; NA after a group's last follow-up
CUMINC_GROUPS = {
    ("a", 1): [0.1311269, 0.2699184, 0.3420625, 0.3420625, 0.3420625],
    ("b", 1): [0.2176471, 0.2615686, None, None, None],
    ("c", 1): [0.3816280, 0.4889137, 0.5723581, None, None],
    ("a", 2): [0.2257601, 0.2972171, 0.4415053, 0.4415053, 0.4415053],
    ("b", 2): [0.3117647, 0.5878431, None, None, None],
    ("c", 2): [0.2160508, 0.2607532, 0.2607532, None, None],
}


@pytest.mark.parametrize(("group", "cause"), list(CUMINC_GROUPS))
def test_cumulative_incidence_per_group_stops_at_the_groups_last_follow_up(cmprsk_data, group, cause):
    rows = cmprsk_data["gg"] == group
    curve = competing.cumulative_incidence(cmprsk_data["ss"][rows], cmprsk_data["cc"][rows], cause=cause)

    got = [None if (v := curve.at(t)) is None else round(v[0], 7) for t in range(1, 6)]
    assert got == CUMINC_GROUPS[(group, cause)]


@pytest.mark.parametrize(
    ("times", "cause", "stat", "pv"),
    [
        ("ss", 1, 3.393977, 0.1832345),
        ("ss", 2, 1.989511, 0.3698139),
        ("dd", 1, 1.214132, 0.5449473),
        ("dd", 2, 3.269462, 0.1950048),
    ],
)
def test_grays_test_stratified_equals_cmprsk_tests(cmprsk_data, times, cause, stat, pv):
    # cuminc(ss, cc, gg, strt) and cuminc(dd$ss, cc, gg, strt): Tests: stat, pv, df = 2
    test = competing.gray_test(
        cmprsk_data[times], cmprsk_data["cc"], cmprsk_data["gg"], ["a", "b", "c"],
        strata=cmprsk_data["strt"], cause=cause,
    )  # fmt: skip

    assert test is not None
    assert round(test.chi2, 6) == stat
    assert round(test.p, 7) == pv
    assert test.df == 2


def test_grays_test_between_two_groups_has_one_df(cmprsk_data):
    # cuminc(ssd, ccd, gg2, strtd, subset = gg != 'b'): 3.5151549 0.06080997 1
    keep = cmprsk_data["gg"] != "b"
    test = competing.gray_test(
        cmprsk_data["ss"][keep], cmprsk_data["cc"][keep], cmprsk_data["gg"][keep], ["a", "c"],
        strata=cmprsk_data["strt"][keep],
    )  # fmt: skip

    assert test is not None
    assert round(test.chi2, 7) == 3.5151549
    assert round(test.p, 8) == 0.06080997
    assert test.df == 1


def test_fine_gray_coefficients_standard_errors_and_p_equal_cmprsk_crr(cmprsk_data):
    # print(xx <- crr(ss,cc,cv)): coefficients -0.29130 -0.06346 -0.47510;
    # standard errors 0.3698 0.3566 0.3544; two-sided p-values 0.43 0.86 0.18
    keep = cmprsk_data["complete"]
    model = competing.fine_gray(
        cmprsk_data["ss"][keep], cmprsk_data["cc"][keep], cmprsk_data["cv"][keep], ["cv1", "cv2", "cv3"]
    )

    assert model.converged
    assert [float(f"{t.coef:.4g}") for t in model.terms] == [-0.2913, -0.06346, -0.4751]
    assert [float(f"{t.se:.4g}") for t in model.terms] == [0.3698, 0.3566, 0.3544]
    assert [float(f"{t.p:.2g}") for t in model.terms] == [0.43, 0.86, 0.18]
    assert model.n == 97


def test_fine_gray_with_one_covariate_equals_cmprsk_crr(cmprsk_data):
    # print(ww <- crr(ss,cc,cv[,1])): -0.1753, se 0.354, p 0.62
    keep = cmprsk_data["complete"]
    model = competing.fine_gray(
        cmprsk_data["ss"][keep], cmprsk_data["cc"][keep], cmprsk_data["cv"][keep, 0], ["cv1"]
    )

    (term,) = model.terms
    assert float(f"{term.coef:.4g}") == -0.1753
    assert float(f"{term.se:.3g}") == 0.354
    assert float(f"{term.p:.2g}") == 0.62
    assert term.shr == pytest.approx(np.exp(term.coef))
    assert term.shr_lower < term.shr < term.shr_upper


def test_the_cif_confidence_interval_is_on_the_log_minus_log_scale_as_tidycmprsk():
    # tidycmprsk tidy(): estimate^exp(-/+ z * se / (estimate * log(estimate)))
    time = np.array([1, 2, 3, 4, 5, 6, 7, 8.0])
    status = np.array([1, 2, 1, 0, 1, 2, 0, 1])

    curve = competing.cumulative_incidence(time, status)

    z = 1.959963984540054
    cif, se = curve.cif[1], np.sqrt(curve.variance[1])
    assert curve.lower[1] == pytest.approx(cif ** np.exp(-z * se / (cif * np.log(cif))))
    assert curve.upper[1] == pytest.approx(cif ** np.exp(z * se / (cif * np.log(cif))))
    assert 0 < curve.lower[1] < cif < curve.upper[1] < 1


def test_a_cif_without_competing_events_is_one_minus_kaplan_meier():
    time = np.array([2, 3, 3, 5, 8, 9, 12.0])
    status = np.array([1, 1, 0, 1, 0, 1, 0])

    curve = competing.cumulative_incidence(time, status)

    from apps.cohorts import survival

    km = survival.kaplan_meier(time, status)
    for t, cif in zip(curve.time, curve.cif, strict=True):
        assert cif == pytest.approx(1 - km.surv[np.searchsorted(km.time, t)])


def test_fine_gray_refuses_a_constant_term_by_name():
    with pytest.raises(competing.CompetingRisksError, match="one value only: x"):
        competing.fine_gray(np.array([1.0, 2, 3]), np.array([1, 2, 0]), np.ones((3, 1)), ["x"])
