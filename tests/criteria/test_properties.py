"""Any text gives a schema-valid result whose spans index the input; never an exception."""

import json
from pathlib import Path

import jsonschema
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from apps.criteria.parser import parse

SCHEMA = json.loads(
    (Path(settings.TRIALMATCH_SHARED_DATA).parent / "contracts" / "criteria.schema.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _check(text: str) -> None:
    result = parse(text)
    VALIDATOR.validate(result)
    stack = list(result["criteria"])
    while stack:
        c = stack.pop()
        assert text[c["span"][0] : c["span"][1]] == c["text"]
        for e in c["entities"]:
            assert 0 <= e["start"] <= e["end"] <= len(text)
            assert text[e["start"] : e["end"]] == e["text"]
        stack.extend(c.get("children", []))


ALPHABET = st.sampled_from(
    list("Inclusion Exclusion Criteria:*-1.()[]\\>=<≥≤ ECOG HER2 EGFR L858R age 18 x ULN\n\t")
)


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_unicode_text_parses_to_a_valid_result(text):
    _check(text)


@hsettings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=400))
def test_criteria_like_noise_parses_to_a_valid_result(text):
    _check(text)


@hsettings(max_examples=50, deadline=None)
@given(st.binary(max_size=2000))
def test_binary_junk_decoded_as_text_parses(data):
    _check(data.decode("utf-8", errors="replace"))
    _check(data.decode("latin-1"))


def test_one_megabyte_of_criteria_text_parses():
    block = "Inclusion Criteria:\n\n* ECOG 0-1\n* ANC >= 1.5 x 10^9/L\n* (unbalanced [bracket\n"
    _check((block * (1_000_000 // len(block) + 1))[:1_000_000])


def test_unbalanced_brackets_and_lone_escapes_parse():
    _check("Inclusion Criteria:\n\n* ((( [[ \\ \\\\ \\> age ≥ 18 ]]\n* )))")
