"""A small clinic for the coordinator page tests: two sites, a coordinator each, a lung trial with two
criteria (NSCLC; ECOG 0-1), patients with and without ECOG, and a completed match run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from apps.accounts.models import Site
from apps.matching.models import MatchRun
from apps.patients.models import Patient, PatientIdentity, PerformanceStatus
from apps.trials.models import Trial
from tests.cohorts.helpers import coordinator
from tests.matching.test_services import criterion, make_patient, make_trial, run_now

LUNG = [
    criterion("I1", "diagnosis", {"oncotree": ["NSCLC"]}),
    criterion("I2", "performance_status", {"scale": "ECOG", "min": 0, "max": 1}),
]


@dataclass
class Clinic:
    site: Site
    other_site: Site
    alice: User  # coordinator of `site`
    dave: User  # coordinator of `other_site`
    trial: Trial
    run: MatchRun
    own: list[Patient]
    other: list[Patient]

    def client(self, user: User | None = None) -> Client:
        client = Client()
        client.force_login(user or self.alice)
        return client


def lung_patient(key: str, site: Site, *, ecog: int | None) -> Patient:
    patient = make_patient(key, born=dt.date(1960, 1, 1), oncotree="LUAD")
    patient.site = site
    patient.save()
    if ecog is not None:
        PerformanceStatus.objects.create(
            patient=patient,
            source_id=f"Observation/ecog-{key}",
            scale="ECOG",
            value=ecog,
            effective_date=dt.date(2026, 1, 1),
        )
    return patient


def build_clinic(capture: Any, *, own: int = 4, other: int = 2) -> Clinic:
    site = Site.objects.create(code="north", name="North Hospital")
    other_site = Site.objects.create(code="south", name="South Hospital")
    alice, dave = coordinator("alice", site), coordinator("dave", other_site)
    trial = make_trial("NCT01000001", LUNG, title="Lung trial", phase="PHASE2")
    # Even-numbered patients have ECOG 1 (eligible); odd ones have none (possible: ECOG unknown).
    own_patients = [
        lung_patient(f"pt-north-{i:03d}", site, ecog=1 if i % 2 == 0 else None) for i in range(own)
    ]
    other_patients = [lung_patient(f"pt-south-{i:03d}", other_site, ecog=1) for i in range(other)]
    PatientIdentity.objects.filter(patient__site=other_site).update(name="ZZSOUTH-NAME", mrn="ZZSOUTH-MRN")
    PatientIdentity.objects.filter(patient__site=site).update(name="ZZNORTH-NAME", mrn="ZZNORTH-MRN")
    run = run_now(capture)
    return Clinic(site, other_site, alice, dave, trial, run, own_patients, other_patients)
