"""Survival by treatment received, without immortal time; competing death for progression (database)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest
from django.conf import settings

from apps.accounts.models import Site
from apps.cohorts import services as cohorts
from apps.cohorts import survival
from apps.cohorts.models import Cohort, Stratification, SurvivalAnalysis

from .helpers import TREATED_FROM, coordinator, immortal_time_cohort

pytestmark = pytest.mark.django_db
NSCLC = "Inclusion Criteria:\n- Non-small cell lung cancer"


@pytest.fixture
def site() -> Site:
    return Site.objects.create(code="north", name="North")


@pytest.fixture
def cohort(site: Site) -> Cohort:
    immortal_time_cohort(site)
    owner = coordinator("carol", site)
    return cohorts.create_ad_hoc_cohort(
        owner=owner, name="lung", criteria_text=NSCLC, as_of=dt.date(2026, 1, 1)
    )


def stratify(cohort: Cohort, params: dict[str, Any], capture: Any) -> Stratification:
    with capture(execute=True):
        stratification = cohorts.request_stratification(cohort=cohort, kind="attribute", parameters=params)
    stratification.refresh_from_db()
    assert stratification.status == Stratification.Status.COMPLETED, stratification.failure_reason
    return stratification


@pytest.fixture
def by_treatment(cohort: Cohort, django_capture_on_commit_callbacks: Any) -> Stratification:
    return stratify(
        cohort, {"attribute": "treatment", "drug": "osimertinib"}, django_capture_on_commit_callbacks
    )


@pytest.fixture(scope="module")
def schema() -> dict:
    path = Path(settings.TRIALMATCH_SHARED_DATA).parent / "contracts" / "survival.schema.json"
    return json.loads(path.read_text())


def treated_hr(analysis: SurvivalAnalysis) -> dict:
    (term,) = [t for t in analysis.result["cox"]["terms"] if t["term"].endswith("received osimertinib")]
    return term


def test_a_plain_comparison_by_treatment_received_shows_the_immortal_time_bias_and_says_so(by_treatment):
    analysis = cohorts.analyse_survival(stratification=by_treatment, time_unit="days")

    assert treated_hr(analysis)["hr"] < 0.6  # a useless drug looks protective
    assert "immortal time" in analysis.result["design"]["note"]


def test_the_time_dependent_design_removes_the_bias(by_treatment, schema):
    naive = cohorts.analyse_survival(stratification=by_treatment, time_unit="days")

    analysis = cohorts.analyse_survival(
        stratification=by_treatment, time_unit="days", treatment_design="time_dependent"
    )

    jsonschema.validate(analysis.result, schema)
    term = treated_hr(analysis)
    assert term["hr_ci"][0] < 1 < term["hr_ci"][1]
    assert term["hr"] > treated_hr(naive)["hr"]
    assert analysis.result["cox"]["counting_process"] is True
    assert "time-dependent" in analysis.result["design"]["note"]
    assert analysis.treatment_design == "time_dependent"


def test_the_time_dependent_rows_are_the_tmerge_split_of_each_patient(by_treatment):
    analysis = cohorts.analyse_survival(
        stratification=by_treatment, time_unit="days", treatment_design="time_dependent"
    )

    # Built by hand: treated patients i = 16, 18, ..., 38 get (0, 400] untreated and (400, death] treated.
    rows = []
    for i in range(40):
        days = 20 + 25 * i
        if i % 2 == 0 and days > TREATED_FROM:
            rows += [(0, TREATED_FROM, 0, "no"), (TREATED_FROM, days, 1, "yes")]
        else:
            rows.append((0, days, 1, "no"))
    frame = pd.DataFrame(rows, columns=["start", "stop", "event", "treated"])
    table = survival.prepare_table(frame, time="stop", event="event", group="treated", start="start")
    expected = survival.analyse(table)
    assert analysis.result["n"] == len(rows) == 52
    assert treated_hr(analysis)["coef"] == pytest.approx(expected.cox.terms[0].coef)
    # the stored table re-analyses to the same numbers (what the plots use)
    assert cohorts.stored_result(analysis).cox.terms[0].coef == pytest.approx(expected.cox.terms[0].coef)


def test_the_landmark_design_keeps_patients_at_risk_at_the_landmark_and_counts_the_others(by_treatment):
    analysis = cohorts.analyse_survival(
        stratification=by_treatment, time_unit="days", treatment_design="landmark", landmark_time=450
    )

    # deaths on days 20, 45, ..., 445 (18 patients) come before the landmark; of the 22 left, the 11
    # even-numbered ones were treated on day 400, before it
    assert analysis.result["excluded"]["event or end of follow-up before the landmark"] == 18
    groups = {g["name"]: g["n"] for g in analysis.result["groups"]}
    assert groups == {"not received osimertinib": 11, "received osimertinib": 11}
    assert treated_hr(analysis)["hr_ci"][0] < 1 < treated_hr(analysis)["hr_ci"][1]
    assert "landmark" in analysis.result["design"]["note"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"treatment_design": "landmark"}, "landmark_time: a positive time is required"),
        ({"treatment_design": "landmark", "landmark_time": -3}, "landmark_time"),
        ({"treatment_design": "crossover"}, "treatment_design: choose from"),
        (
            {"treatment_design": "time_dependent", "excluded_groups": ["received osimertinib"]},
            "leave none out",
        ),
        ({"competing_death": True}, "only with event = progression"),
    ],
)
def test_bad_design_choices_are_refused_by_name_and_nothing_is_saved(by_treatment, kwargs, message):
    with pytest.raises(cohorts.CohortInputError, match=message):
        cohorts.analyse_survival(stratification=by_treatment, **kwargs)

    assert not SurvivalAnalysis.objects.exists()


def test_treatment_designs_need_a_stratification_by_treatment(cohort, django_capture_on_commit_callbacks):
    by_stage = stratify(cohort, {"attribute": "stage"}, django_capture_on_commit_callbacks)

    with pytest.raises(cohorts.CohortInputError, match="only for a stratification by treatment received"):
        cohorts.analyse_survival(stratification=by_stage, treatment_design="time_dependent")


def test_competing_death_gives_the_cumulative_incidence_of_progression(by_treatment, schema):
    analysis = cohorts.analyse_survival(
        stratification=by_treatment, time_unit="days", event="progression", competing_death=True
    )

    jsonschema.validate(analysis.result, schema)
    cr = analysis.result["competing_risks"]
    assert cr["competing_codes"] == [2]
    total = {g["name"]: (g["events"], g["competing"]) for g in cr["groups"]}
    # 14 progressions (every third patient), 26 deaths without progression
    assert sum(e for e, _ in total.values()) == 14
    assert sum(c for _, c in total.values()) == 26
    assert cr["gray_test"] is not None
    assert analysis.result["design"]["competing_death"] is True
