"""The persistent feature store: snapshots judge as the records they came from, saved as bytes, split and
joined; imports build their patients' blocks and a changed fact replaces them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from apps.matching import services as matching
from apps.matching.engine import FeatureStore, Snapshot, match_all
from apps.matching.models import FeatureBlock, Match
from apps.matching.services import features
from apps.matching.synthetic_bench import patients, trials
from apps.patients import services as patient_intake
from apps.patients.models import Patient, PatientIdentity
from tests.matching.test_services import criterion, make_trial
from tests.patients import builders

AS_OF = dt.date(2026, 11, 1)


def test_a_snapshot_saved_as_bytes_split_and_joined_judges_as_the_records_do() -> None:
    people, criteria_list = patients(200, seed=7), trials(12, seed=7)
    direct = match_all(criteria_list, people, AS_OF, verdicts=True)
    parts = [Snapshot.from_bytes(Snapshot.of(people[i : i + 64]).to_bytes()) for i in range(0, 200, 64)]

    joined = match_all(criteria_list, FeatureStore.on(Snapshot.join(parts), AS_OF), verdicts=True)
    some = match_all(criteria_list, FeatureStore.on(Snapshot.join(parts).take(range(0, 200, 3)), AS_OF))

    assert (direct.status == joined.status).all() and (direct.verdicts == joined.verdicts).all()
    assert np.allclose(direct.score, joined.score)
    assert (direct.first_failed == joined.first_failed).all()
    assert (some.status == direct.status[:, ::3]).all() and np.allclose(some.score, direct.score[:, ::3])
    assert (direct.status == 2).any() and (direct.status == 1).any()


def test_facts_dated_after_the_match_date_are_left_out_of_a_snapshot_judged_earlier() -> None:
    people = patients(100, seed=6)
    snap = Snapshot.of(people)
    earlier = dt.date(2026, 6, 1)

    on_earlier = FeatureStore.on(snap, earlier)

    expected = sum(1 for r in people for lab in r.labs if lab.date is None or lab.date <= earlier)
    assert len(on_earlier.labs.owner) == expected < len(snap.tables["labs"].owner)


def hemoglobin_bundle(tmp_path: Path, value: float) -> Path:
    return builders.write(
        tmp_path / f"pt-{value}.json",
        builders.bundle(
            builders.patient("pt-1"), builders.condition(), builders.lab("hb-1", "718-7", value, "g/dL")
        ),
    )


def run_in_process(trial: Any) -> Any:
    run = matching.request_run(trials=[trial], as_of=AS_OF)
    for chunk in range(run.chunks_total):
        matching.execute_chunk(run_id=run.pk, chunk=chunk)
    return run


def hemoglobin(patient: Patient) -> float:
    snap, _ = features.snapshot([patient.pk])
    (value,) = snap.tables["labs"].cols["value"].tolist()
    return float(value)


@pytest.mark.django_db
def test_an_import_builds_its_patients_features_and_a_changed_fact_replaces_them(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    trial = make_trial("NCT00000009", [criterion("hb", "measurement", {"loinc": "718-7", "min": 9})])

    with django_capture_on_commit_callbacks(execute=True):
        assert patient_intake.import_paths([hemoglobin_bundle(tmp_path, 8.0)], workers=0).ok
    (patient,) = Patient.objects.all()
    (block,) = FeatureBlock.objects.all()
    assert block.built_version == block.version == 1 and hemoglobin(patient) == 8.0
    first = run_in_process(trial)
    assert not Match.objects.filter(run=first).exists()  # ineligible: 8 g/dL is under 9

    with django_capture_on_commit_callbacks(execute=True):
        assert patient_intake.import_paths([hemoglobin_bundle(tmp_path, 11.5)], workers=0).ok
    block.refresh_from_db()
    assert block.built_version == block.version == 2 and hemoglobin(patient) == 11.5
    second = run_in_process(trial)
    assert Match.objects.get(run=second, patient=patient).status == Match.Status.ELIGIBLE


@pytest.mark.django_db
def test_features_marked_stale_are_rebuilt_when_read_even_before_the_commit_rebuilds_them(
    tmp_path: Path,
) -> None:
    assert patient_intake.import_paths([hemoglobin_bundle(tmp_path, 8.0)], workers=0).ok  # no commit here
    (patient,) = Patient.objects.all()
    assert FeatureBlock.objects.get().built_version is None

    assert hemoglobin(patient) == 8.0

    assert FeatureBlock.objects.get().built_version == 1


@pytest.mark.django_db
def test_a_patient_added_to_a_built_block_without_the_importer_is_read_all_the_same(tmp_path: Path) -> None:
    assert patient_intake.import_paths([hemoglobin_bundle(tmp_path, 8.0)], workers=0).ok
    (first,) = Patient.objects.all()
    features.snapshot([first.pk])
    other = Patient.objects.create(key="pt-2", sex="male", birth_year=1950)
    PatientIdentity.objects.create(patient=other, birth_date=dt.date(1950, 3, 3))

    snap, pks = features.snapshot([first.pk, other.pk])

    assert pks.tolist() == [first.pk, other.pk] and snap.keys == ["pt-1", "pt-2"]
    assert snap.birth.tolist()[1] == dt.date(1950, 3, 3).toordinal()
