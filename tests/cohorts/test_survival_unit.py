"""The pure survival module against formulas coded independently here, and its edge cases."""

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, norm

from apps.cohorts import survival


def hand_km(time, event):
    """Kaplan-Meier with Greenwood's log-scale CI, written out from the textbook formulas."""
    rows = []
    surv, greenwood = 1.0, 0.0
    for t in sorted(set(time)):
        n = sum(1 for x in time if x >= t)
        d = sum(1 for x, e in zip(time, event, strict=True) if x == t and e == 1)
        surv *= 1 - d / n
        greenwood += d / (n * (n - d)) if n > d else np.inf
        rows.append((t, surv, np.sqrt(greenwood)))
    return rows


def load(shared_data: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(shared_data / "survival" / f"{name}.csv", dtype=str)


@pytest.mark.parametrize(
    ("name", "time", "event"), [("ovarian", "futime", "fustat"), ("aml", "time", "status")]
)
def test_curve_and_log_ci_equal_the_hand_coded_greenwood_formula(shared_data, name, time, event):
    frame = load(shared_data, name)
    times, events = frame[time].astype(float).tolist(), frame[event].astype(int).tolist()

    curve = survival.kaplan_meier(np.array(times), np.array(events))

    z = norm.ppf(0.975)
    for i, (t, s, se) in enumerate(hand_km(times, events)):
        assert curve.time[i] == t
        assert curve.surv[i] == pytest.approx(s, rel=1e-12)
        if s > 0:
            assert curve.lower[i] == pytest.approx(s * np.exp(-z * se), rel=1e-12)
            assert curve.upper[i] == pytest.approx(min(1.0, s * np.exp(z * se)), rel=1e-12)


def test_logrank_on_veteran_celltype_equals_the_hand_coded_survdiff_statistic(shared_data):
    frame = load(shared_data, "veteran")
    time, event = frame["time"].astype(float).to_numpy(), frame["status"].astype(int).to_numpy()
    group = frame["celltype"].to_numpy()
    levels = sorted(set(group))
    observed_minus_expected = np.zeros(len(levels))
    variance = np.zeros((len(levels), len(levels)))
    for t in np.unique(time[event == 1]):
        at_risk = np.array([np.sum((time >= t) & (group == g)) for g in levels], dtype=float)
        deaths = np.array([np.sum((time == t) & (event == 1) & (group == g)) for g in levels], dtype=float)
        n, d = at_risk.sum(), deaths.sum()
        observed_minus_expected += deaths - d * at_risk / n
        if n > 1:
            variance += d * (n - d) / (n - 1) * (np.diag(at_risk / n) - np.outer(at_risk, at_risk) / n**2)
    u = observed_minus_expected[1:]
    expected_statistic = float(u @ np.linalg.solve(variance[1:, 1:], u))
    table = survival.prepare_table(frame, time="time", event="status", group="celltype")

    result = survival.analyse(table)

    assert result.logrank is not None
    assert result.logrank.chi2 == pytest.approx(expected_statistic, rel=1e-9)
    assert result.logrank.df == 3
    assert result.logrank.p == pytest.approx(chi2.sf(expected_statistic, 3), rel=1e-9)


def test_holm_adjustment_equals_r_p_adjust():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.2), "holm") -> 0.04 0.09 0.09 0.20
    assert survival.holm([0.01, 0.04, 0.03, 0.2]) == pytest.approx([0.04, 0.09, 0.09, 0.2])


def test_median_on_a_flat_at_one_half_is_the_midpoint_to_the_next_event():
    curve = survival.kaplan_meier(np.array([1.0, 2, 3, 4]), np.array([1, 1, 1, 1]))

    assert survival.quantile(curve).value == 2.5


def test_median_when_the_curve_ends_flat_at_one_half_uses_the_last_follow_up_time():
    # survival:::findq: a flat at the quantile at the end of the curve -> midpoint with the last time
    curve = survival.kaplan_meier(np.array([1.0, 2, 5, 9]), np.array([1, 1, 0, 0]))

    assert survival.quantile(curve).value == (2 + 9) / 2


def test_all_censored_group_has_no_median_and_no_events():
    table = survival.prepare_table(
        pd.DataFrame({"t": ["5", "8", "9"], "e": ["0", "0", "0"]}), time="t", event="e"
    )

    result = survival.analyse(table)

    (group,) = result.groups
    assert (group.events, group.median.value, group.median.lower, group.median.upper) == (0, None, None, None)
    assert result.cox is None and result.logrank is None


def test_single_row_gives_its_time_as_median_with_undefined_ci():
    table = survival.prepare_table(pd.DataFrame({"t": ["118"], "e": ["1"]}), time="t", event="e")

    (group,) = survival.analyse(table).groups

    assert (group.median.value, group.median.lower, group.median.upper) == (118.0, None, None)


def test_events_at_time_zero_and_tied_times_are_counted_together():
    curve = survival.kaplan_meier(np.array([0.0, 0, 3, 3, 3, 7]), np.array([1, 0, 1, 1, 0, 1]))

    assert curve.time.tolist() == [0, 3, 7]
    assert curve.n_risk.tolist() == [6, 4, 1]
    assert curve.surv[0] == pytest.approx(5 / 6)
    assert curve.surv[1] == pytest.approx(5 / 6 * 2 / 4)


def test_landmark_survival_is_the_step_value_and_none_beyond_follow_up():
    curve = survival.kaplan_meier(np.array([2.0, 4, 6, 8]), np.array([1, 1, 0, 1]))

    assert survival.survival_at(curve, 1).value == 1.0
    assert survival.survival_at(curve, 5).value == pytest.approx(0.5)
    assert survival.survival_at(curve, 9).value is None


def test_groups_below_min_size_or_events_are_too_small_and_left_out_of_comparisons(shared_data):
    table = survival.prepare_table(load(shared_data, "lung"), time="time", event="status", group="ph.ecog")

    result = survival.analyse(table, survival.AnalysisOptions(min_size=5))

    small = {g.name: g for g in result.groups}["3"]
    assert small.too_small and small.curve is None and small.median.value is None
    assert result.logrank is not None and result.logrank.df == 2
    assert result.cox is not None and [t.term for t in result.cox.terms] == ["ph.ecog=1", "ph.ecog=2"]


def test_suppression_for_sponsors_removes_small_strata_from_every_number(shared_data):
    table = survival.prepare_table(load(shared_data, "lung"), time="time", event="status", group="ph.ecog")

    result = survival.analyse(table, survival.AnalysisOptions(suppress_below=11))
    data = survival.to_dict(result)

    assert [g["name"] for g in data["groups"]] == ["0", "1", "2"]
    assert data["suppressed_groups"] == ["3"]
    assert data["n"] == 63 + 113 + 50
    assert all("3" not in p["groups"] for p in data["pairwise_logrank"])
    assert all("=3" not in t["term"] for t in data["cox"]["terms"])


def test_months_are_days_divided_by_30_4375(shared_data):
    table = survival.prepare_table(load(shared_data, "lung"), time="time", event="status", group="sex")

    data = survival.to_dict(survival.analyse(table))

    assert data["groups"][0]["median_months"] == pytest.approx(270 / 30.4375)


def test_text_covariates_become_indicators_against_the_first_level(shared_data):
    table = survival.prepare_table(
        load(shared_data, "veteran"), time="time", event="status", covariates=["celltype"]
    )

    result = survival.analyse(table)

    assert result.cox is not None
    assert [t.term for t in result.cox.terms] == ["celltype=large", "celltype=smallcell", "celltype=squamous"]


def test_durations_from_an_index_date_never_count_time_before_it():
    rows = [
        survival.FollowUp(date(2024, 1, 1), last_follow_up=date(2024, 3, 1)),
        survival.FollowUp(date(2024, 1, 1), last_follow_up=date(2024, 6, 1), event_date=date(2024, 2, 1)),
    ]

    times, events = survival.durations_from_dates(rows)

    assert times.tolist() == [60, 31]
    assert events.tolist() == [0, 1]
    with pytest.raises(survival.SurvivalInputError, match="entry 0: last_follow_up is before index_date"):
        survival.durations_from_dates([survival.FollowUp(date(2024, 1, 1), last_follow_up=date(2023, 1, 1))])


def test_the_pure_module_imports_no_django():
    import subprocess
    import sys

    code = "import sys, apps.cohorts.survival; print(any(m.startswith('django') for m in sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert output.stdout.strip() == "False"


def test_a_prognostic_biomarker_is_recovered_the_true_hazard_ratio_lies_in_the_95_ci():
    # Seeded simulation: exponential survival, biomarker-positive hazard x 0.5, uniform censoring.
    rng = np.random.default_rng(20261122)
    positive = rng.random(600) < 0.4
    event_time = rng.exponential(365.0, 600) / np.where(positive, 0.5, 1.0)
    censor_time = rng.uniform(200, 1500, 600)
    frame = pd.DataFrame(
        {
            "time": np.minimum(event_time, censor_time).round(1).astype(str),
            "event": (event_time <= censor_time).astype(int).astype(str),
            "marker": np.where(positive, "positive", "negative"),
        }
    )
    table = survival.prepare_table(frame, time="time", event="event", group="marker")

    result = survival.analyse(table)

    assert result.cox is not None
    (term,) = result.cox.terms
    assert term.term == "marker=positive"
    assert term.hr_lower < 0.5 < term.hr_upper
    assert result.logrank is not None and result.logrank.p < 0.001


@pytest.mark.parametrize(
    ("value", "lower", "upper", "label"),
    [
        (270.0, 212.0, 310.0, "270 (212-310)"),
        (31.0, 18.0, None, "31 (18-not reached)"),
        (118.0, None, None, "118 (CI not estimable)"),
        (None, None, None, "not reached"),
        (None, 900.0, None, "not reached (lower limit 900)"),
    ],
)
def test_a_median_reads_not_reached_instead_of_na(value, lower, upper, label):
    from apps.cohorts.survival.report import median_label

    assert median_label(value, lower, upper) == label
