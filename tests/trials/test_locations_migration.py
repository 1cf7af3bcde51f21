"""Migration trials 0003: the sites that registry records brought in become trial locations and leave
`Site`, which keeps the centre's own sites (those with patients or coordinators)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("trials", "0002_arm_kind_arm_parent"), ("accounts", "0003_apitoken"), ("patients", "0001_initial")]
AFTER = [("trials", "0003_trial_locations")]


@pytest.mark.django_db(transaction=True)
def test_registry_facilities_become_locations_and_only_the_centres_own_sites_stay() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Site, Trial, Patient = (
        old.get_model(*m) for m in [("accounts", "Site"), ("trials", "Trial"), ("patients", "Patient")]
    )
    own = Site.objects.create(code="own-centre", name="Own Centre")
    Patient.objects.create(key="p1", site=own)
    trial = Trial.objects.create(trial_id="NCT1", source="ctgov")
    far = [Site.objects.create(code=f"far-{i}", name=f"Far Hospital {i}") for i in range(3)]
    trial.sites.set([own, *far])

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Site, Trial, Location = (
        new.get_model(*m) for m in [("accounts", "Site"), ("trials", "Trial"), ("trials", "TrialLocation")]
    )

    trial = Trial.objects.get(trial_id="NCT1")
    assert sorted(Location.objects.values_list("facility", flat=True)) == [
        "Far Hospital 0",
        "Far Hospital 1",
        "Far Hospital 2",
        "Own Centre",
    ]
    assert list(Site.objects.values_list("code", flat=True)) == ["own-centre"]
    assert list(trial.sites.values_list("code", flat=True)) == ["own-centre"]
    assert Location.objects.get(facility="Own Centre").site.code == "own-centre"
    # Later migrations (trials 0004 on) were unapplied to get here: the tests that follow need them.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
