"""The selectors the coordinator pages add: results among a user's patients, one pair, and the missing data
that would decide the most possible matches."""

from __future__ import annotations

from typing import Any

import pytest

from apps.matching import selectors
from apps.patients.models import Patient
from tests.coordinator.world import build_clinic

pytestmark = pytest.mark.django_db


def test_among_keeps_to_the_patients_given(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks, own=4, other=2)

    north = selectors.among(Patient.objects.visible_to(clinic.alice))

    assert sorted(m.patient.key for m in north) == sorted(p.key for p in clinic.own)


def test_pair_is_the_current_result_or_none(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks, own=2, other=0)
    outsider = Patient.objects.create(key="pt-no-lung", site=clinic.site)

    eligible = selectors.pair(clinic.own[0], clinic.trial)
    possible = selectors.pair(clinic.own[1], clinic.trial)

    assert eligible is not None and eligible.status == "eligible"
    assert possible is not None and possible.status == "possible"
    assert selectors.pair(outsider, clinic.trial) is None


def test_missing_counts_rank_by_matches_decided_and_count_patients_once(
    django_capture_on_commit_callbacks: Any,
) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks, own=6, other=3)

    rows = selectors.missing_counts(Patient.objects.visible_to(clinic.alice))

    assert len(rows) == 1
    assert rows[0]["patients"] == 3 and rows[0]["matches"] == 3  # pt-north-001, 003, 005 lack ECOG
    assert selectors.missing_counts(Patient.objects.none()) == []


def test_among_is_current_results_only_like_current(django_capture_on_commit_callbacks: Any) -> None:
    from apps.trials.models import CriteriaVersion

    clinic = build_clinic(django_capture_on_commit_callbacks, own=2, other=0)
    mine = Patient.objects.visible_to(clinic.alice)
    assert set(selectors.among(mine)) == set(selectors.current().filter(patient__in=mine))

    CriteriaVersion.objects.create(
        trial=clinic.trial, number=2, text="y", text_sha256="1", parsed={"criteria": []}
    )

    assert not selectors.among(mine).exists()
    assert not selectors.current().filter(patient__in=mine).exists()
