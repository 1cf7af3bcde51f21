"""`manage.py survival` against R survival outputs: the reference file and published R results."""

import io
import json
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command


def run_json(path: Path, *args: str) -> dict:
    out = io.StringIO()
    call_command("survival", str(path), *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def schema(shared_data: Path) -> dict:
    return json.loads((shared_data.parent / "contracts" / "survival.schema.json").read_text())


@pytest.fixture(scope="module")
def lung(shared_data: Path) -> Path:
    return shared_data / "survival" / "lung.csv"


def by_name(result: dict) -> dict:
    return {g["name"]: g for g in result["groups"]}


# ../shared/data/eval/survival_reference_dev.md (R survival 3.8):
# 0: 394 (348-574); 1: 306 (268-429); 2: 199 (156-288); 3: 118 (NA-NA)
@pytest.mark.parametrize(
    ("ecog", "median", "ci"),
    [("0", 394, [348, 574]), ("1", 306, [268, 429]), ("2", 199, [156, 288]), ("3", 118, [None, None])],
)
def test_km_medians_by_ecog_match_r_survfit_exactly(lung, schema, ecog, median, ci):
    result = run_json(lung, "--time", "time", "--event", "status", "--group", "ph.ecog")

    jsonschema.validate(result, schema)
    group = by_name(result)[ecog]
    assert group["median"] == median
    assert group["median_ci"] == ci


def test_ecog_groups_are_ordered_numerically_and_the_missing_row_is_dropped(lung):
    result = run_json(lung, "--time", "time", "--event", "status", "--group", "ph.ecog")

    assert [g["name"] for g in result["groups"]] == ["0", "1", "2", "3"]
    assert [g["n"] for g in result["groups"]] == [63, 113, 50, 1]
    assert result["dropped"] == 1
    assert (result["n"], result["events"]) == (227, 164)


def test_cox_age_sex_matches_r_coxph_to_the_printed_digits(lung, schema):
    result = run_json(lung, "--time", "time", "--event", "status", "--covariates", "age,sex")

    jsonschema.validate(result, schema)
    terms = {t["term"]: t for t in result["cox"]["terms"]}
    age, sex = terms["age"], terms["sex"]
    assert round(age["coef"], 6) == 0.017045
    assert round(age["hr"], 4) == 1.0172
    assert [round(v, 4) for v in age["hr_ci"]] == [0.9990, 1.0357]
    assert round(age["p"], 4) == 0.0646
    assert round(sex["coef"], 6) == -0.513219
    assert round(sex["hr"], 4) == 0.5986
    assert [round(v, 4) for v in sex["hr_ci"]] == [0.4311, 0.8311]
    assert round(sex["p"], 5) == 0.00218
    assert round(result["cox"]["likelihood_ratio"]["chi2"], 2) == 14.12
    assert result["cox"]["likelihood_ratio"]["df"] == 2
    assert round(result["cox"]["concordance"], 3) == 0.603


def test_cox_reports_efron_ties_and_r_ci_methods_in_the_output(lung):
    result = run_json(lung, "--time", "time", "--event", "status", "--covariates", "age,sex")

    assert "Efron" in result["methods"]["cox"]
    assert "conf.type='log'" in result["methods"]["kaplan_meier"]
    assert "Greenwood" in result["methods"]["kaplan_meier"]


def test_ph_test_matches_r_cox_zph_on_lung_age_sex(lung):
    # tests/cohorts/data/R_OUTPUTS.md: cox.zph(coxph(Surv(time, status) ~ age + sex, lung))
    #   age 0.209 1 0.65; sex 2.608 (issue 13); GLOBAL 2.771 2 0.25
    result = run_json(lung, "--time", "time", "--event", "status", "--covariates", "age,sex")

    terms = {t["term"]: t for t in result["cox"]["terms"]}
    assert round(terms["age"]["ph_test"]["chi2"], 3) == 0.209
    assert round(terms["age"]["ph_test"]["p"], 2) == 0.65
    assert round(terms["sex"]["ph_test"]["chi2"], 3) == 2.608
    assert round(terms["sex"]["ph_test"]["p"], 2) == 0.11
    assert round(result["cox"]["ph_global"]["chi2"], 3) == 2.771
    assert round(result["cox"]["ph_global"]["p"], 2) == 0.25
    assert result["cox"]["ph_violated"] is False


def test_ph_test_tests_each_term_with_every_coefficient_as_r_cox_zph_on_ovarian(shared_data, schema):
    # tests/cohorts/data/R_OUTPUTS.md, survival's ?cox.zph example (survival-Ex.Rout.save):
    #   age 0.698 1 0.40; ecog.ps 2.371 1 0.12; GLOBAL 3.633 2 0.16
    result = run_json(
        shared_data / "survival" / "ovarian.csv",
        "--time", "futime", "--event", "fustat", "--covariates", "age,ecog.ps",
    )  # fmt: skip

    jsonschema.validate(result, schema)
    terms = {t["term"]: t for t in result["cox"]["terms"]}
    assert round(terms["age"]["ph_test"]["chi2"], 3) == 0.698
    assert round(terms["age"]["ph_test"]["p"], 2) == 0.40
    assert round(terms["ecog.ps"]["ph_test"]["chi2"], 3) == 2.371
    assert round(terms["ecog.ps"]["ph_test"]["p"], 2) == 0.12
    assert round(result["cox"]["ph_global"]["chi2"], 3) == 3.633
    assert round(result["cox"]["ph_global"]["p"], 2) == 0.16
    assert [(t["term"], t["df"]) for t in result["cox"]["ph_terms"]] == [("age", 1), ("ecog.ps", 1)]


def test_a_factor_is_one_ph_test_term_with_k_minus_1_df_as_r_default(shared_data):
    # R's cox.zph(terms = TRUE) tests a factor's indicators together; per indicator is terms = FALSE.
    result = run_json(
        shared_data / "survival" / "veteran.csv",
        "--time", "time", "--event", "status", "--covariates", "trt,celltype,karno,age",
    )  # fmt: skip

    ph_terms = {t["term"]: t for t in result["cox"]["ph_terms"]}
    assert ph_terms["celltype"]["df"] == 3
    assert ph_terms["karno"]["df"] == 1
    per_indicator = [t["term"] for t in result["cox"]["terms"] if t["term"].startswith("celltype=")]
    assert len(per_indicator) == 3
    # The global test does not depend on how the columns are grouped.
    assert result["cox"]["ph_global"]["df"] == 6


def test_logrank_by_sex_matches_r_survdiff(lung):
    # R: survdiff(Surv(time, status) ~ sex, lung): Chisq= 10.3 on 1 degrees of freedom, p= 0.001
    result = run_json(lung, "--time", "time", "--event", "status", "--group", "sex")

    assert round(result["logrank"]["chi2"], 1) == 10.3
    assert result["logrank"]["df"] == 1
    assert round(result["logrank"]["p"], 3) == 0.001


def test_logrank_by_ecog_matches_r_survdiff_with_holm_pairwise(lung):
    # R: survdiff(Surv(time, status) ~ ph.ecog, lung): Chisq= 22 on 3 degrees of freedom, p= 7e-05
    result = run_json(lung, "--time", "time", "--event", "status", "--group", "ph.ecog")

    assert round(result["logrank"]["chi2"]) == 22
    assert result["logrank"]["df"] == 3
    assert f"{result['logrank']['p']:.0e}" == "7e-05"
    assert len(result["pairwise_logrank"]) == 6
    assert all(p["p_holm"] >= p["p"] for p in result["pairwise_logrank"])


def test_lung_by_sex_medians_and_rmst_match_published_r_output(lung):
    # survminer PRs #827/#828 (github.com/kassambara/survminer), R output on lung by sex:
    # surv_median: 1: 270 (212-310); 2: 426 (348-550)
    # ggrmst_difference (tau = 965): 1: 324.0484 se 22.29794 (280.34526-367.7516); 2: 455.9041 se 32.91742
    result = run_json(lung, "--time", "time", "--event", "status", "--group", "sex")

    groups = by_name(result)
    assert (groups["1"]["median"], groups["1"]["median_ci"]) == (270, [212, 310])
    assert (groups["2"]["median"], groups["2"]["median_ci"]) == (426, [348, 550])
    assert groups["1"]["rmst"]["tau"] == 965
    assert round(groups["1"]["rmst"]["value"], 4) == 324.0484
    assert round(groups["1"]["rmst"]["se"], 5) == 22.29794
    assert [round(v, 4) for v in groups["1"]["rmst"]["ci"]] == [280.3453, 367.7516]
    assert round(groups["2"]["rmst"]["value"], 4) == 455.9041
    assert round(groups["2"]["rmst"]["se"], 5) == 32.91742


def test_aml_matches_r_survfit_survdiff_and_coxph(shared_data, schema):
    # R documentation outputs for the aml data (survival package):
    # survfit(Surv(time, status) ~ x): Maintained 11 7 31 (18, NA); Nonmaintained 12 11 23 (8, NA)
    # survdiff: Chisq= 3.4 on 1 df, p= 0.07; coxph: coef 0.916, exp(coef) 2.50, p 0.074, LR 3.38 on 1 df
    result = run_json(
        shared_data / "survival" / "aml.csv", "--time", "time", "--event", "status", "--group", "x"
    )

    jsonschema.validate(result, schema)
    groups = by_name(result)
    assert (groups["Maintained"]["n"], groups["Maintained"]["events"]) == (11, 7)
    assert (groups["Maintained"]["median"], groups["Maintained"]["median_ci"]) == (31, [18, None])
    assert (groups["Nonmaintained"]["median"], groups["Nonmaintained"]["median_ci"]) == (23, [8, None])
    assert round(result["logrank"]["chi2"], 1) == 3.4
    (term,) = result["cox"]["terms"]
    assert term["term"] == "x=Nonmaintained"
    assert round(term["coef"], 3) == 0.916
    assert round(term["hr"], 2) == 2.50
    assert round(term["p"], 3) == 0.074
    assert round(result["cox"]["likelihood_ratio"]["chi2"], 2) == 3.38


def test_veteran_median_takes_the_midpoint_where_the_curve_is_exactly_one_half(shared_data):
    # R: survfit(Surv(time, status) ~ trt, veteran): trt=1 median 103; trt=2 median 52.5
    result = run_json(
        shared_data / "survival" / "veteran.csv", "--time", "time", "--event", "status", "--group", "trt"
    )

    groups = by_name(result)
    assert groups["1"]["median"] == 103
    assert groups["2"]["median"] == 52.5


def test_rossi_cox_matches_the_published_r_model(shared_data):
    # Fox & Weisberg, "Cox Proportional-Hazards Regression for Survival Data in R" (appendix to
    # An R Companion to Applied Regression): fin -0.37942 (HR 0.6843, p 0.0474), age -0.05744
    # (p 0.0090), prio 0.09150 (p 0.0014); likelihood ratio test 33.27 on 7 df
    result = run_json(
        shared_data / "survival" / "rossi.csv",
        "--time", "week", "--event", "arrest", "--covariates", "fin,age,race,wexp,mar,paro,prio",
    )  # fmt: skip

    terms = {t["term"]: t for t in result["cox"]["terms"]}
    assert round(terms["fin"]["coef"], 5) == -0.37942
    assert round(terms["fin"]["hr"], 4) == 0.6843
    assert round(terms["fin"]["p"], 4) == 0.0474
    assert round(terms["age"]["coef"], 5) == -0.05744
    assert round(terms["prio"]["coef"], 5) == 0.09150
    assert round(result["cox"]["likelihood_ratio"]["chi2"], 2) == 33.27
    assert result["cox"]["likelihood_ratio"]["df"] == 7


def test_a_factor_term_and_the_global_test_match_a_printed_r_cox_zph_on_veteran(shared_data):
    # tests/cohorts/data/R_OUTPUTS.md, "cox.zph with a factor (veteran)": print(cox.zph(cox_model)) for
    # coxph(Surv(time, status) ~ trt + celltype + karno + diagtime + age + prior, veteran)
    result = run_json(
        shared_data / "survival" / "veteran.csv",
        "--time", "time", "--event", "status", "--covariates", "trt,celltype,karno,diagtime,age,prior",
    )  # fmt: skip

    printed = {
        "trt": (0.2644, 1, 0.60712),
        "celltype": (15.2274, 3, 0.00163),
        "karno": (12.9352, 1, 0.00032),
        "diagtime": (0.0129, 1, 0.90961),
        "age": (1.8288, 1, 0.17627),
        "prior": (2.1656, 1, 0.14113),
    }
    got = {
        t["term"]: (round(t["chi2"], 4), t["df"], float(f"{t['p']:.5g}")) for t in result["cox"]["ph_terms"]
    }
    assert {k: (v[0], v[1]) for k, v in got.items()} == {k: (v[0], v[1]) for k, v in printed.items()}
    assert all(abs(got[k][2] - printed[k][2]) < 5e-6 for k in printed)
    assert round(result["cox"]["ph_global"]["chi2"], 4) == 34.5525
    assert result["cox"]["ph_global"]["df"] == 8
    terms = {t["term"]: t for t in result["cox"]["terms"]}
    assert round(terms["karno"]["coef"], 5) == -0.03282
    assert round(terms["trt"]["coef"], 4) == 0.2946
    assert round(result["cox"]["concordance"], 3) == 0.736
    assert round(result["cox"]["likelihood_ratio"]["chi2"], 1) == 62.1
