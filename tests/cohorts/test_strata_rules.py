"""Rule- and attribute-based stratification of plain patient records (no database)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from apps.cohorts import strata
from apps.cohorts.strata import facts
from apps.matching.records import (
    BiomarkerFact,
    DiagnosisFact,
    FindingFact,
    PatientRecord,
    PerformanceFact,
    TherapyFact,
)

DX = dt.date(2022, 3, 1)


def record(key: str = "p1", **fields: Any) -> PatientRecord:
    fields.setdefault(
        "diagnoses",
        (DiagnosisFact("cancer", oncotree_code="LUAD", stage="IVB", is_primary=True, date=DX, source="C/1"),),
    )
    return PatientRecord(key=key, **fields)


def label(kind: str, params: dict[str, Any], rec: PatientRecord) -> str:
    return strata.stratify(kind, params, [rec]).labels[rec.key]


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ((FindingFact("EGFR", True, protein_short="L858R"),), "EGFR mutant"),
        ((FindingFact("EGFR", False, variant_class="NEGATIVE"),), "EGFR wild-type"),
        ((FindingFact("KRAS", False, variant_class="NEGATIVE"),), "EGFR untested"),
        ((), "EGFR untested"),
    ],
)
def test_egfr_rule_separates_mutant_wild_type_and_untested(findings: tuple, expected: str) -> None:
    assert label("biomarker", {"rule": "egfr"}, record(findings=findings)) == expected


def test_gene_set_is_wild_type_only_when_every_gene_was_tested() -> None:
    only_tp53 = record(findings=(FindingFact("TP53", False),))
    both = record(findings=(FindingFact("TP53", False), FindingFact("STK11", False)))
    one_mutant = record(findings=(FindingFact("STK11", True),))
    rule = {"rule": "gene", "genes": ["tp53", "STK11"]}

    assert label("biomarker", rule, only_tp53) == "TP53/STK11 untested"
    assert label("biomarker", rule, both) == "TP53/STK11 wild-type"
    assert label("biomarker", rule, one_mutant) == "TP53/STK11 mutant"


@pytest.mark.parametrize(
    ("value", "expected"), [(9.9, "TMB < 10"), (10.0, "TMB >= 10"), (None, "TMB untested")]
)
def test_tmb_threshold_is_inclusive_at_ten(value: float | None, expected: str) -> None:
    markers = () if value is None else (BiomarkerFact("TMB", value_number=value),)

    assert label("biomarker", {"rule": "tmb"}, record(biomarkers=markers)) == expected


@pytest.mark.parametrize(
    ("score", "scoring", "expected"),
    [
        (0.0, "TPS", "TPS < 1"),
        (1.0, "TPS", "TPS 1-49"),
        (49.0, "TPS", "TPS 1-49"),
        (50.0, "TPS", "TPS >= 50"),
        (80.0, "CPS", "PD-L1 TPS untested"),
    ],
)
def test_pdl1_tps_bands(score: float, scoring: str, expected: str) -> None:
    markers = (BiomarkerFact("PD-L1", value_number=score, scoring=scoring),)

    assert label("biomarker", {"rule": "pdl1_tps"}, record(biomarkers=markers)) == expected


def test_latest_marker_result_counts() -> None:
    markers = (
        BiomarkerFact("TMB", value_number=20.0, date=dt.date(2020, 1, 1), source="a"),
        BiomarkerFact("TMB", value_number=4.0, date=dt.date(2023, 1, 1), source="b"),
    )

    assert label("biomarker", {"rule": "tmb"}, record(biomarkers=markers)) == "TMB < 10"


@pytest.mark.parametrize(
    ("marker", "result", "expected"),
    [("MSI", "MSI-H", "MSI-H"), ("MMR", "dMMR", "MSI-H"), ("MSI", "MSI-L", "MSS"), ("MMR", "pMMR", "MSS")],
)
def test_msi_rule_reads_msi_and_mmr(marker: str, result: str, expected: str) -> None:
    assert (
        label("biomarker", {"rule": "msi"}, record(biomarkers=(BiomarkerFact(marker, result=result),)))
        == expected
    )


def test_stage_substages_fold_into_the_main_group() -> None:
    assert label("attribute", {"attribute": "stage"}, record()) == "IV"
    assert label("attribute", {"attribute": "stage"}, record(diagnoses=())) == "unknown"


def test_ecog_is_read_at_diagnosis_and_merged_from_top() -> None:
    scores = (
        PerformanceFact("ECOG", 1, date=DX - dt.timedelta(days=3), source="a"),
        PerformanceFact("ECOG", 3, date=DX + dt.timedelta(days=300), source="b"),
    )

    assert label("attribute", {"attribute": "ecog"}, record(performance=scores)) == "1"
    assert label("attribute", {"attribute": "ecog", "top": 1}, record(performance=scores)) == "1+"


@pytest.mark.parametrize(("born", "expected"), [(1980, "age < 50"), (1970, "age 50-64"), (1940, "age >= 75")])
def test_age_bands_at_diagnosis(born: int, expected: str) -> None:
    assert label("attribute", {"attribute": "age"}, record(birth_date=dt.date(born, 1, 1))) == expected


def test_lines_are_derived_from_start_dates_when_not_recorded() -> None:
    therapies = (
        TherapyFact("Carboplatin", date=dt.date(2022, 4, 1)),
        TherapyFact("Pemetrexed", date=dt.date(2022, 4, 8)),
        TherapyFact("Docetaxel", date=dt.date(2023, 1, 1)),
    )

    assert len(facts.therapy_lines(therapies)) == 2
    assert facts.line_start(record(therapies=therapies), 2) == dt.date(2023, 1, 1)
    assert label("attribute", {"attribute": "lines"}, record(therapies=therapies)) == "2"


def test_treatment_received_by_drug_class_or_exact_drug_name() -> None:
    rec = record(therapies=(TherapyFact("Pembrolizumab", drug_classes=("immunotherapy",)),))

    assert label("attribute", {"attribute": "treatment", "drug_class": "Immunotherapy"}, rec) == (
        "received Immunotherapy"
    )
    assert label("attribute", {"attribute": "treatment", "drug": "pembro"}, rec) == "not received pembro"


def test_groups_are_ordered_with_the_reference_first() -> None:
    recs = [
        record("a", findings=(FindingFact("EGFR", True),)),
        record("b", findings=(FindingFact("EGFR", False),)),
        record("c"),
    ]

    assignment = strata.stratify("biomarker", {"rule": "egfr"}, recs)

    assert assignment.groups == ("EGFR wild-type", "EGFR mutant", "EGFR untested")
    assert assignment.counts() == {"EGFR wild-type": 1, "EGFR mutant": 1, "EGFR untested": 1}


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [
        ("biomarker", {"rule": "brca"}, "'rule'"),
        ("biomarker", {"rule": "gene", "genes": []}, "'genes'"),
        ("biomarker", {"rule": "tmb", "threshold": "ten"}, "'threshold'"),
        ("biomarker", {"rule": "pdl1_tps", "cuts": [50, 1]}, "'cuts'"),
        ("attribute", {"attribute": "height"}, "'attribute'"),
        ("attribute", {"attribute": "treatment"}, "drug"),
        ("learned_clusters", {"k_max": "8"}, "'k_max'"),
        ("learned_survival", {"index": "birth"}, "'index'"),
        ("learned_survival", {"depth": 3}, "depth"),
        ("astrology", {}, "kind"),
    ],
)
def test_bad_parameters_name_the_field(kind: str, params: dict[str, Any], field: str) -> None:
    with pytest.raises(strata.StrataInputError, match=field):
        strata.check_parameters(kind, params)
