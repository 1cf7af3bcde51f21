"""bench_match prints the contract's JSON object, with the engine and the reference agreeing."""

import json
from io import StringIO

from django.core.management import call_command

KEYS = {
    "patients",
    "trials",
    "pairs",
    "seconds",
    "pairs_per_second",
    "reference_pairs_per_second",
    "speedup",
    "verdicts_identical",
    "peak_rss_mb",
}


def test_bench_match_prints_the_contract_keys_with_identical_verdicts():
    out = StringIO()

    call_command(
        "bench_match",
        "--patients",
        "500",
        "--trials",
        "20",
        "--seed",
        "1",
        "--sample",
        "300",
        "--json",
        stdout=out,
    )

    result = json.loads(out.getvalue())
    assert set(result) >= KEYS
    assert result["pairs"] == 10000
    assert result["verdicts_identical"] is True
