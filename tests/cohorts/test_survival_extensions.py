"""`manage.py survival --event-type / --start / --strata` (contracts/README.md section 3, optional fields).

Reference values: tests/cohorts/data/R_OUTPUTS.md (survival's ?coxph examples, cmprsk's test output).
Every JSON output is validated against ../shared/contracts/survival.schema.json.
"""

import io
import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.cohorts.survival import competing


def run_json(path: Path, *args: str) -> dict:
    out = io.StringIO()
    call_command("survival", str(path), *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def run_text(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("survival", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def schema(shared_data: Path) -> dict:
    return json.loads((shared_data.parent / "contracts" / "survival.schema.json").read_text())


@pytest.fixture(scope="module")
def data(shared_data: Path) -> Path:
    return shared_data / "survival"


def test_stratified_cox_matches_r_coxph_strata_example(data, schema):
    # R ?coxph: coxph(Surv(time, status) ~ x + strata(sex), test1)
    #   x 0.8023 2.2307 0.8224 0.976 0.329; Likelihood ratio test=1.09 on 1 df, p=0.2971
    result = run_json(
        data / "coxph_test1.csv",
        "--time", "time", "--event", "status", "--covariates", "x", "--strata", "sex",
    )  # fmt: skip

    jsonschema.validate(result, schema)
    (term,) = result["cox"]["terms"]
    assert round(term["coef"], 4) == 0.8023
    assert round(term["hr"], 4) == 2.2307
    assert round(term["se"], 4) == 0.8224
    assert round(term["z"], 3) == 0.976
    assert round(term["p"], 3) == 0.329
    assert round(result["cox"]["likelihood_ratio"]["chi2"], 2) == 1.09
    assert round(result["cox"]["likelihood_ratio"]["p"], 4) == 0.2971
    assert (result["cox"]["strata"], result["cox"]["n_strata"]) == ("sex", 2)
    assert "strata(COL)" in result["methods"]["cox"]


def test_stratifying_is_not_the_same_as_ignoring_the_strata(data):
    plain = run_json(data / "coxph_test1.csv", "--time", "time", "--event", "status", "--covariates", "x")

    assert round(plain["cox"]["terms"][0]["coef"], 4) != 0.8023


def test_counting_process_cox_matches_r_coxph_start_stop_example(data, schema):
    # R ?coxph: summary(coxph(Surv(start, stop, event) ~ x, test2))
    #   x -0.02111 0.97912 0.79518 -0.027 0.979; lower .95 0.2061 upper .95 4.653; Concordance= 0.526
    result = run_json(
        data / "coxph_test2.csv",
        "--time", "stop", "--event", "event", "--start", "start", "--covariates", "x",
    )  # fmt: skip

    jsonschema.validate(result, schema)
    (term,) = result["cox"]["terms"]
    assert round(term["coef"], 5) == -0.02111
    assert round(term["hr"], 5) == 0.97912
    assert round(term["se"], 5) == 0.79518
    assert round(term["z"], 3) == -0.027
    assert round(term["p"], 3) == 0.979
    assert [round(v, 4) for v in term["hr_ci"]] == [0.2061, 4.6525]
    assert round(result["cox"]["concordance"], 3) == 0.526
    assert result["cox"]["counting_process"] is True
    assert result["logrank"] is None
    assert "survdiff does not accept" in result["methods"]["logrank"]


def test_split_rows_give_the_same_cox_model_and_ph_test_as_the_unsplit_data(data):
    # survSplit(Surv(time, status) ~ ., veteran, cut = c(60, 120)) only cuts follow-up into pieces: R's
    # coxph and cox.zph give the same on both (survival tests/zph.Rout.save checks this for zph).
    split = run_json(
        data / "veteran_split.csv",
        "--time", "time", "--start", "tstart", "--event", "status", "--covariates", "trt,karno,age",
    )  # fmt: skip
    whole = run_json(
        data / "veteran.csv", "--time", "time", "--event", "status", "--covariates", "trt,karno,age"
    )

    for a, b in zip(split["cox"]["terms"], whole["cox"]["terms"], strict=True):
        assert a["coef"] == pytest.approx(b["coef"], abs=1e-9)
        assert a["se"] == pytest.approx(b["se"], rel=1e-9)
        assert a["ph_test"]["chi2"] == pytest.approx(b["ph_test"]["chi2"], rel=1e-9)
    assert split["cox"]["likelihood_ratio"]["chi2"] == pytest.approx(whole["cox"]["likelihood_ratio"]["chi2"])
    assert split["cox"]["concordance"] == pytest.approx(whole["cox"]["concordance"])


def test_km_on_start_stop_rows_counts_only_rows_already_entered(data):
    result = run_json(
        data / "coxph_test2.csv",
        "--time", "stop", "--event", "event", "--start", "start", "--landmarks", "2,3",
    )  # fmt: skip

    # At t = 2 only (1,2] and (1,8] have started: one of two dies, S = 1/2; at t = 3, (2,3], (2,7] and
    # (1,8] are at risk and one dies: S = 1/2 * 2/3. The median sits on the flat at 1/2: (2 + 3) / 2.
    (group,) = result["groups"]
    assert [round(m["survival"], 6) for m in group["landmarks"]] == [0.5, round(1 / 3, 6)]
    assert group["median"] == 2.5


def test_competing_risks_output_validates_and_equals_the_cmprsk_checked_module(data, schema):
    frame = pd.read_csv(data / "melanoma.csv")
    result = run_json(
        data / "melanoma.csv",
        "--time", "time", "--event", "dead", "--event-type", "event", "--group", "ulcer",
        "--landmarks", "1826",
    )  # fmt: skip

    jsonschema.validate(result, schema)
    cr = result["competing_risks"]
    assert cr["competing_codes"] == [2]
    assert "cmprsk" in cr["method"] and "Fine-Gray" in cr["method"]
    by_group = {g["name"]: g for g in cr["groups"]}
    present = frame[frame.ulcer == 1]
    expected = competing.cumulative_incidence(present.time.to_numpy(), present.event.to_numpy())
    assert [p["cif"] for p in by_group["1"]["curve"]] == pytest.approx(expected.cif.tolist())
    assert by_group["1"]["events"] == int((present.event == 1).sum())
    assert by_group["1"]["competing"] == int((present.event == 2).sum())
    gray = competing.gray_test(
        frame.time.to_numpy(), frame.event.to_numpy(), frame.ulcer.astype(str).to_numpy(), ["0", "1"]
    )
    assert cr["gray_test"]["chi2"] == pytest.approx(gray.chi2)
    (term,) = cr["fine_gray"]["terms"]
    assert term["term"] == "ulcer=1"
    assert term["shr"] > 1 and term["shr_ci"][0] > 1  # ulceration raises melanoma death, as published
    (landmark,) = by_group["1"]["landmarks"]
    assert landmark["time"] == 1826 and 0 < landmark["cif"] < 1


def test_death_from_other_causes_is_not_censoring(data):
    # Treating competing deaths as censored (1 - KM) overstates the incidence of melanoma death.
    frame = pd.read_csv(data / "melanoma.csv")
    result = run_json(data / "melanoma.csv", "--time", "time", "--event", "dead", "--event-type", "event")

    (group,) = result["competing_risks"]["groups"]
    naive = frame.assign(melanoma=(frame.event == 1).astype(int))
    km = run_json_frame(naive)
    assert group["curve"][-1]["cif"] < 1 - km


def run_json_frame(frame: pd.DataFrame) -> float:
    from apps.cohorts import survival

    curve = survival.kaplan_meier(frame.time.to_numpy(), frame.melanoma.to_numpy())
    return float(curve.surv[-1])


def test_covariates_enter_the_fine_gray_model_as_given(data):
    # The command's Fine-Gray model is the module's crr (checked against cmprsk in test_competing_risks).
    frame = pd.read_csv(data / "melanoma.csv")
    result = run_json(
        data / "melanoma.csv",
        "--time", "time", "--event", "dead", "--event-type", "event", "--covariates", "age,thickness,ulcer",
    )  # fmt: skip

    terms = [t["term"] for t in result["competing_risks"]["fine_gray"]["terms"]]
    assert terms == ["age", "thickness", "ulcer"]
    direct = competing.fine_gray(
        frame.time.to_numpy(), frame.event.to_numpy(), frame[["age", "thickness", "ulcer"]].to_numpy(), terms
    )
    for got, want in zip(result["competing_risks"]["fine_gray"]["terms"], direct.terms, strict=True):
        assert got["coef"] == pytest.approx(want.coef)
        assert got["se"] == pytest.approx(want.se)


def test_fine_gray_has_the_group_and_the_covariates_as_the_contract_says(data):
    result = run_json(
        data / "melanoma.csv",
        "--time", "time", "--event", "dead", "--event-type", "event", "--group", "ulcer",
        "--covariates", "thickness",
    )  # fmt: skip

    assert [t["term"] for t in result["competing_risks"]["fine_gray"]["terms"]] == ["ulcer=1", "thickness"]
    assert [t["term"] for t in result["cox"]["terms"]] == ["thickness"]  # the Cox rule is unchanged


def test_the_event_type_column_can_serve_as_the_event_column(data, schema):
    # mgus2 (survival's "compete" vignette): event 0 censored, 1 plasma-cell malignancy, 2 death first
    result = run_json(data / "mgus2.csv", "--time", "etime", "--event", "event", "--event-type", "event")

    jsonschema.validate(result, schema)
    frame = pd.read_csv(data / "mgus2.csv")
    assert result["events"] == int((frame.event > 0).sum())
    (group,) = result["competing_risks"]["groups"]
    assert (group["events"], group["competing"]) == (115, 860)  # as survival's tests/zph.Rout.save tables


def test_text_output_names_the_competing_risks_method_and_the_tests(data):
    text = run_text(
        data / "bmt.csv", "--time", "T", "--event", "event_any", "--event-type", "Status", "--group", "Group"
    )

    assert "competing risks (Status: 1 = event of interest; competing: 2)" in text
    assert "Gray's test: chi2 =" in text
    assert "Fine-Gray" in text


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (
            "t,e,k\n1,1,1\n2,1,0\n",
            ("--event-type", "k"),
            "line 3: column 'k' is 0 but column 'e' is 1",
        ),
        ("t,e,k\n1,1,1\n2,0,x\n", ("--event-type", "k"), "line 3: column 'k': 'x' is not an event type"),
        ("t,e,k\n1,1,1\n2,0,-1\n", ("--event-type", "k"), "'-1' is not an event type"),
        ("t,e,s\n1,1,0\n2,0,2\n", ("--start", "s"), "line 3: column 's' \\(2\\) must be before 't' \\(2\\)"),
        ("t,e,s\n1,1,0\n2,0,a\n", ("--start", "s"), "line 3: column 's': 'a' is not a number"),
        ("t,e\n1,1\n", ("--strata", "nope"), "unknown column 'nope'"),
    ],
)
def test_bad_optional_columns_are_refused_naming_line_and_column(tmp_path, content, args, message):
    path = tmp_path / "data.csv"
    path.write_text(content)

    with pytest.raises(CommandError, match=message):
        run_text(path, "--time", "t", "--event", "e", *args)


def test_rows_missing_an_optional_column_are_dropped_and_counted(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("t,e,k\n1,1,1\n2,0,\n3,1,2\n4,0,0\n5,1,1\n")

    result = run_json(path, "--time", "t", "--event", "e", "--event-type", "k")

    assert (result["n"], result["dropped"]) == (4, 1)
    assert np.isclose(result["competing_risks"]["groups"][0]["curve"][0]["cif"], 0.25)
