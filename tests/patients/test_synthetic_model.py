"""The synthetic cohort's distributions match the documented model (MODEL.md) within sampling tolerance."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from apps.patients.synthetic import TYPE_SHARES, SyntheticPatient, generate_records
from apps.patients.synthetic.genomics import DRIVERS

N = 4000


@pytest.fixture(scope="module")
def records() -> list[SyntheticPatient]:
    return list(generate_records(N, seed=2024))


def _within(observed: float, expected: float, n: int, sds: float = 4.0) -> bool:
    return abs(observed - expected) <= sds * math.sqrt(expected * (1 - expected) / n) + 0.002


def _of(records: list[SyntheticPatient], *types: str) -> list[SyntheticPatient]:
    return [r for r in records if r.cancer.key in types]


def test_cancer_type_shares_follow_us_incidence(records: list[SyntheticPatient]) -> None:
    counts = Counter(r.cancer.key for r in records)

    for key, share in TYPE_SHARES.items():
        assert _within(counts[key] / N, share, N), (key, counts[key] / N, share)


def test_sex_specific_cancers_occur_only_in_the_right_sex(records: list[SyntheticPatient]) -> None:
    assert {r.sex for r in _of(records, "prostate")} == {"male"}
    assert {r.sex for r in _of(records, "endometrial", "ovarian")} == {"female"}
    breast = _of(records, "breast")
    assert sum(r.sex == "female" for r in breast) / len(breast) > 0.97


def test_egfr_mutation_rate_in_lung_adenocarcinoma(records: list[SyntheticPatient]) -> None:
    luad = _of(records, "luad")
    expected = sum(share for key, share in DRIVERS["luad"].exclusive if key.startswith("EGFR"))

    observed = sum(r.has("EGFR") for r in luad) / len(luad)

    assert 0.12 < expected < 0.20
    assert _within(observed, expected, len(luad)), (observed, expected)


def test_kras_g12c_share_in_nsclc(records: list[SyntheticPatient]) -> None:
    nsclc = _of(records, "luad", "lusc")
    shares = {k: dict(DRIVERS[k].exclusive)["KRAS_G12C"] for k in ("luad", "lusc")}
    expected = sum(shares[r.cancer.key] for r in nsclc) / len(nsclc)

    observed = sum(r.has("KRAS_G12C") for r in nsclc) / len(nsclc)

    assert _within(observed, expected, len(nsclc)), (observed, expected)


def test_msi_high_rate_in_colorectal_cancer(records: list[SyntheticPatient]) -> None:
    crc = _of(records, "crc")

    observed = sum(r.msi_h for r in crc) / len(crc)

    assert _within(observed, DRIVERS["crc"].msi_h, len(crc)), observed


def test_main_lung_drivers_are_mutually_exclusive(records: list[SyntheticPatient]) -> None:
    drivers = ("EGFR_ex19", "EGFR_L858R", "KRAS", "_ALK", "_ROS1", "_RET", "BRAF_V600E", "MET_ex14")
    for r in _of(records, "luad", "lusc"):
        keys = [f.key for f in r.alterations]
        assert sum(any(d in k for k in keys) for d in drivers) <= 1, keys


def test_ecog_worsens_with_stage(records: list[SyntheticPatient]) -> None:
    mean = {
        stage: sum(r.ecog for r in records if r.stage == stage) / sum(r.stage == stage for r in records)
        for stage in ("I", "II", "III", "IV")
    }
    share_0_1 = sum(r.ecog <= 1 for r in records) / N

    assert mean["I"] < mean["III"] < mean["IV"]
    assert 0.70 < share_0_1 < 0.90
    assert {r.ecog for r in records} == {0, 1, 2, 3, 4}


def test_her2_positive_breast_cancer_is_amplified_and_ihc_3_plus_or_2_plus(
    records: list[SyntheticPatient],
) -> None:
    for r in _of(records, "breast"):
        positive = r.subtype in ("HR+/HER2+", "HR-/HER2+")

        assert r.has("ERBB2_amp") == positive
        assert (r.her2_ihc == "3+" or r.her2_fish == "amplified") == positive


def test_targeted_therapy_follows_a_known_driver(records: list[SyntheticPatient]) -> None:
    egfr_first = [r for r in records if r.first_line == "osimertinib"]
    alk_first = [r for r in records if r.first_line == "alectinib"]

    assert egfr_first and all(r.has("EGFR") and "EGFR" in r.panel for r in egfr_first)
    assert alk_first and all(r.has("EML4_ALK") or r.has("KIF5B_ALK") for r in alk_first)
    assert all(r.second_line == "lorlatinib" for r in alk_first)


def test_therapy_periods_lie_between_diagnosis_and_last_contact(records: list[SyntheticPatient]) -> None:
    for r in records:
        for d in r.drugs:
            assert r.diagnosis_date < d.start < r.last_contact
            assert d.end is None or d.start <= d.end <= r.last_contact


def test_some_women_of_child_bearing_age_have_a_pregnancy_status(records: list[SyntheticPatient]) -> None:
    statuses = [r.pregnancy for r in records if r.pregnancy is not None]

    assert statuses and all(r.sex == "female" for r in records if r.pregnancy is not None)
    assert 0 < sum(statuses) < len(statuses) * 0.1
