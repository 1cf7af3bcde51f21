"""The hand-written oncology gold (tests/criteria/gold/oncology_gold.yaml) against the parser."""

import importlib.util
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "tests" / "criteria" / "gold" / "oncology_gold.yaml"


def _scorer():
    spec = importlib.util.spec_from_file_location("gold_accuracy", ROOT / "benchmarks" / "gold_accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gold_covers_at_least_40_real_trials_with_valid_entries():
    gold = yaml.safe_load(GOLD.read_text())
    texts = _scorer().texts()

    assert len({t["nct"] for t in gold}) >= 40
    for trial in gold:
        assert trial["nct"] in texts, trial["nct"]
        for item in trial["criteria"]:
            assert item["match"] in texts[trial["nct"]], (trial["nct"], item["match"])
            assert {"section", "kind", "negated"} <= item.keys()


@pytest.mark.parametrize("kind_floor", [0.9])
def test_gold_accuracy_stays_above_the_floor(kind_floor):
    per_kind = _scorer().evaluate()
    ok = sum(c["ok"] for c in per_kind.values())
    total = sum(c["ok"] + c["wrong"] for c in per_kind.values())

    assert ok / total >= kind_floor
