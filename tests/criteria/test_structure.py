"""Sections, list structure and spans of the criteria parser."""

import pytest

from apps.criteria.parser import PARSER_VERSION, CriteriaInputError, parse


def _flat(criteria):
    for c in criteria:
        yield c
        yield from _flat(c.get("children", []))


def test_headings_split_inclusion_and_exclusion_with_numbered_ids():
    text = "Inclusion Criteria:\n\n* Age 18 or older\n* ECOG 0-1\n\nExclusion Criteria:\n\n* Pregnant\n"

    result = parse(text)

    assert result["parser_version"] == PARSER_VERSION
    assert [(c["id"], c["section"], c["text"]) for c in result["criteria"]] == [
        ("I1", "inclusion", "Age 18 or older"),
        ("I2", "inclusion", "ECOG 0-1"),
        ("E1", "exclusion", "Pregnant"),
    ]


@pytest.mark.parametrize(
    "heading,section",
    [
        ("Key Inclusion Criteria:", "inclusion"),
        ("KEY EXCLUSION CRITERIA", "exclusion"),
        ("DISEASE CHARACTERISTICS:", "inclusion"),
        ("PRIOR CONCURRENT THERAPY:", "inclusion"),
        ("Exclusion criteria for Part B:", "exclusion"),
        ("**Exclusion Criteria:**", "exclusion"),
        ("-INCLUSION CRITERIA:", "inclusion"),
    ],
)
def test_many_heading_spellings_are_recognised(heading, section):
    result = parse(f"{heading}\n\n1. Some criterion\n")

    assert [(c["section"], c["text"]) for c in result["criteria"]] == [(section, "Some criterion")]


def test_text_without_heading_is_one_inclusion_criterion():
    result = parse("ECOG performance status 0 or 1")

    assert [(c["id"], c["section"]) for c in result["criteria"]] == [("I1", "inclusion")]


def test_nested_one_of_the_following_is_an_any_group_with_sub_ids():
    text = (
        "Inclusion Criteria:\n\n* Meets one of the following:\n\n  * EGFR mutation\n  * ALK fusion\n"
        "* Age >= 18\n"
    )

    first, second = parse(text)["criteria"]

    assert first["kind"] == "group" and first["operator"] == "any"
    assert [c["id"] for c in first["children"]] == ["I1.1", "I1.2"]
    assert second["id"] == "I2"


def test_continuation_lines_join_their_criterion():
    text = "Inclusion Criteria:\n\n* Adequate organ function\n  within 14 days of enrolment\n* Age >= 18\n"

    first, _ = parse(text)["criteria"]

    assert first["text"] == "Adequate organ function\n  within 14 days of enrolment"


def test_spans_index_the_input_including_escapes():
    text = "Inclusion Criteria:\n\n1\\. Age \\>= 18 years\n2. Platelets \\> 100,000/uL\n"

    criteria = list(_flat(parse(text)["criteria"]))

    assert [c["text"] for c in criteria] == ["Age \\>= 18 years", "Platelets \\> 100,000/uL"]
    for c in criteria:
        assert text[c["span"][0] : c["span"][1]] == c["text"]


@pytest.mark.parametrize("bad", [None, b"Inclusion Criteria:", 42])
def test_non_text_input_is_refused_with_a_clear_error(bad):
    with pytest.raises(CriteriaInputError, match="must be a str"):
        parse(bad)


def test_empty_text_has_no_criteria():
    assert parse("")["criteria"] == []
