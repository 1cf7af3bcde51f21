"""Confidence is computed from the evidence of each reading, and a reading below the threshold does not decide
a pair: it is kept, unknown, with the evidence that lowered it."""

from __future__ import annotations

from typing import Any

from apps.criteria.parser import confidence, parse
from apps.criteria.parser.text import matching_view


def _first_leaf(text: str) -> dict[str, Any]:
    return next(confidence.leaves(parse(text)["criteria"]))


def test_a_fully_read_limit_is_more_confident_than_one_with_unread_words_and_clauses() -> None:
    plain = _first_leaf("Inclusion Criteria:\n* Hemoglobin >= 9 g/dL\n")
    hedged = _first_leaf(
        "Inclusion Criteria:\n* Hemoglobin >= 9 g/dL unless transfused recently or if the investigator "
        "considers the anaemia stable\n"
    )

    assert plain["confidence"] > hedged["confidence"]
    assert plain["computable"] and plain["confidence"] >= 0.9


def test_the_evidence_names_what_lowered_a_reading() -> None:
    text = "Inclusion Criteria:\n* Hemoglobin >= 9 unless transfused or if stable per investigator\n"
    parsed = parse(text)["criteria"]
    leaf = next(confidence.leaves(parsed))
    score, reasons = confidence.evidence(
        leaf, matching_view(text), parsed[0]["entities"], in_any=False, excepted=False
    )

    assert score < 0.6
    assert {"an unscoped exception", "a conditional clause"} <= set(reasons)


def test_a_reading_below_the_threshold_is_unknown_needs_review() -> None:
    leaf = _first_leaf(
        "Exclusion Criteria:\n* Hemoglobin < 9 unless transfused or if the investigator considers the "
        "patient stable, except where approved by the sponsor medical monitor and documented locally\n"
    )

    assert leaf["confidence"] < confidence.THRESHOLD
    assert not leaf["computable"] and leaf["review"].startswith("low confidence reading")


def test_alternatives_read_as_an_any_group_do_not_count_as_an_unread_or() -> None:
    criteria = parse("Inclusion Criteria:\n* EGFR exon 19 deletion or L858R mutation\n")["criteria"]

    assert criteria[0]["operator"] == "any"
    assert all("unread 'or'" not in str(leaf.get("review")) for leaf in confidence.leaves(criteria))
    assert min(leaf["confidence"] for leaf in confidence.leaves(criteria)) >= 0.9
