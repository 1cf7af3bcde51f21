"""The pure importers: file bytes to TrialRecords, without the database."""

import json

import pytest

from apps.trials.importers import parse_file
from apps.trials.importers.records import RecordError
from apps.trials.importers.vocab import age_years, ctml_status, overall_status, phase, sex


def v2_study(**eligibility: str) -> dict:
    return {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT01234567", "briefTitle": "A trial"},
            "statusModule": {"overallStatus": "RECRUITING"},
            "eligibilityModule": {"eligibilityCriteria": "Inclusion Criteria:\n\n* Adults", **eligibility},
        }
    }


def problem_of(name: str, data: bytes) -> tuple[str, str, str]:
    parsed = parse_file(name, data)

    assert not parsed.ok and parsed.records == []
    problem = parsed.problems[0]
    return problem.record, problem.field, problem.message


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("18 Years", 18.0),
        ("1 Year", 1.0),
        ("6 Months", 0.5),
        ("29 Days", 0.0794),
        ("2 Weeks", 0.0383),
        ("N/A", None),
        ("", None),
        (None, None),
    ],
)
def test_ages_are_read_in_years(text: str | None, years: float | None) -> None:
    assert age_years(text, "minimumAge") == years


def test_an_unreadable_age_names_its_field() -> None:
    with pytest.raises(RecordError) as caught:
        age_years("eighteen", "eligibilityModule.minimumAge")

    assert caught.value.field == "eligibilityModule.minimumAge"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Recruiting", "RECRUITING"),
        ("Active, not recruiting", "ACTIVE_NOT_RECRUITING"),
        ("Not yet recruiting", "NOT_YET_RECRUITING"),
        ("Unknown status", "UNKNOWN"),
        ("ENROLLING_BY_INVITATION", "ENROLLING_BY_INVITATION"),
        ("Withheld", "WITHHELD"),
    ],
)
def test_classic_statuses_become_the_v2_enum(given: str, expected: str) -> None:
    assert overall_status(given, "status") == (expected, True)


def test_an_unknown_status_is_kept_verbatim_and_flagged() -> None:
    assert overall_status("Paused for lunch", "status") == ("Paused for lunch", False)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("Open to Accrual", "RECRUITING"), ("open to accrual", "RECRUITING"), ("closed to accrual", "CLOSED")],
)
def test_ctml_statuses_are_normalised(given: str, expected: str) -> None:
    assert ctml_status(given, "status") == (expected, True)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["Phase 1/Phase 2"], ("PHASE1/PHASE2", [])),
        (["PHASE1", "PHASE2"], ("PHASE1/PHASE2", [])),
        (["N/A"], ("NA", [])),
        (["Not Applicable"], ("NA", [])),
        (["Early Phase 1"], ("EARLY_PHASE1", [])),
        (["PHASE5"], ("PHASE5", ["PHASE5"])),
        ([], ("", [])),
    ],
)
def test_phases_are_normalised_and_unknown_ones_kept(given: list[str], expected: tuple) -> None:
    assert phase(given, "phases") == expected


def test_sex_both_means_all_and_nonsense_is_refused() -> None:
    assert sex("Both", "gender") == "ALL"
    with pytest.raises(RecordError):
        sex("Sometimes", "gender")


def test_v2_study_is_read_with_its_eligibility_text_verbatim() -> None:
    study = v2_study(minimumAge="18 Years", maximumAge="75 Years", sex="FEMALE")

    parsed = parse_file("one.json", json.dumps(study).encode())

    (record,) = parsed.records
    assert record.trial_id == "NCT01234567"
    assert record.eligibility_text == "Inclusion Criteria:\n\n* Adults"
    assert (record.min_age_years, record.max_age_years, record.sex) == (18.0, 75.0, "FEMALE")


def test_truncated_json_is_refused_with_its_line() -> None:
    _, _, message = problem_of("cut.json", json.dumps(v2_study()).encode()[:60])

    assert "invalid JSON at line 1" in message


def test_min_age_above_max_age_is_refused_naming_record_and_field() -> None:
    study = v2_study(minimumAge="65 Years", maximumAge="18 Years")

    record, field, message = problem_of("ages.json", json.dumps({"studies": [v2_study(), study]}).encode())

    assert record.startswith("#2")
    assert field == "protocolSection.eligibilityModule.minimumAge"
    assert "above the maximum" in message


def test_a_study_without_nct_id_is_refused() -> None:
    study = v2_study()
    del study["protocolSection"]["identificationModule"]["nctId"]

    record, field, message = problem_of("noid.json", json.dumps(study).encode())

    assert (record, field) == ("#1", "protocolSection.identificationModule.nctId")
    assert "missing" in message


def test_wrong_top_level_type_is_refused() -> None:
    _, _, message = problem_of("list.json", b'["NCT01234567"]')

    assert "is a str" in message


def test_xml_with_an_external_entity_is_refused() -> None:
    xml = (
        b'<?xml version="1.0"?>\n<!DOCTYPE clinical_study [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b"<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info><brief_title>&x;</brief_title>"
        b"</clinical_study>"
    )

    _, _, message = problem_of("xxe.xml", xml)

    assert "DOCTYPE" in message


def test_text_that_is_not_utf8_is_refused() -> None:
    _, _, message = problem_of("latin1.json", '{"protocolSection": "é"}'.encode("latin-1"))

    assert "not UTF-8" in message


def test_a_file_over_the_size_limit_is_refused() -> None:
    data = json.dumps(v2_study()).encode()

    parsed = parse_file("big.json", data, max_bytes=len(data) - 1)

    assert parsed.records == []
    assert "over the upload limit" in parsed.problems[0].message


def test_ctml_steps_arms_and_dose_levels_keep_their_status_and_trees() -> None:
    ctml = """
protocol_no: 10-003
status: open to accrual
treatment_list:
  step:
    - step_code: '1'
      arm:
        - arm_code: ARM 1
          arm_suspended: N
          match: [{and: [{genomic: {hugo_symbol: EGFR}}]}]
          dose_level:
            - {level_code: LEVEL 1, level_suspended: Y, match: [{clinical: {age_numerical: '>=18'}}]}
        - {arm_code: ARM 2, arm_suspended: Y, match: []}
"""

    (record,) = parse_file("t.yaml", ctml.encode()).records

    arms = {arm.code: arm for arm in record.arms}
    assert record.overall_status == "RECRUITING"
    assert [(a.code, a.kind, a.parent_code, a.status) for a in record.arms] == [
        ("step 1", "step", None, "open"),
        ("ARM 1", "arm", "step 1", "open"),
        ("ARM 1 / LEVEL 1", "dose_level", "ARM 1", "closed"),
        ("ARM 2", "arm", "step 1", "closed"),
    ]
    assert arms["ARM 1"].match_tree == [{"and": [{"genomic": {"hugo_symbol": "EGFR"}}]}]
    assert record.structured is not None
    assert [arm["code"] for arm in record.structured["arms"]] == list(arms)


def test_several_yaml_documents_are_several_trials() -> None:
    text = "protocol_no: 1-1\ntreatment_list: {step: []}\n---\nprotocol_no: 2-2\n"

    parsed = parse_file("two.yaml", text.encode())

    assert [r.trial_id for r in parsed.records] == ["1-1", "2-2"]


def test_a_trials_container_and_concatenated_json_are_read() -> None:
    data = b'{"trials": [{"protocol_no": "1-1"}]}\n{"protocol_no": "2-2"}'

    parsed = parse_file("c.json", data)

    assert [r.trial_id for r in parsed.records] == ["1-1", "2-2"]


def test_the_same_trial_twice_in_one_file_is_refused() -> None:
    data = json.dumps({"studies": [v2_study(), v2_study()]}).encode()

    record, field, message = problem_of("dup.json", data)

    assert (record, field) == ("#2 NCT01234567", "trial id")
    assert "appears twice" in message
