"""Small hand-made cohorts in the database for service and view tests."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User

from apps.accounts.models import Profile, Role, Site
from apps.accounts.services import ensure_roles
from apps.patients.models import (
    Diagnosis,
    FollowUp,
    MolecularFinding,
    Patient,
    PatientIdentity,
    PerformanceStatus,
)

DX = dt.date(2021, 1, 1)


def coordinator(username: str, site: Site) -> User:
    user = User.objects.create_user(username, password="a-long-test-password-1")
    user.groups.add(ensure_roles()[Role.COORDINATOR])
    Profile.objects.create(user=user).sites.add(site)
    return user


def patient(
    key: str, site: Site, *, egfr: bool | None, days: int, died: bool, oncotree: str = "LUAD", ecog: int = 1
) -> Patient:
    """A lung cancer patient diagnosed on DX with an EGFR result (None: untested) and an outcome."""
    p = Patient.objects.create(key=key, sex="female", birth_year=1960, site=site)
    PatientIdentity.objects.create(patient=p, birth_date=dt.date(1960, 5, 1), name="ZZCANARY Name")
    Diagnosis.objects.create(
        patient=p,
        source_id=f"Condition/{key}",
        category="cancer",
        code_system="TEXT",
        oncotree_code=oncotree,
        is_primary=True,
        onset_date=DX,
        stage="IV",
    )
    if egfr is not None:
        MolecularFinding.objects.create(
            patient=p,
            source_id=f"Observation/{key}",
            gene="EGFR",
            present=egfr,
            variant_class="SNV" if egfr else "NEGATIVE",
            effective_date=DX + dt.timedelta(days=20),
        )
    PerformanceStatus.objects.create(
        patient=p, source_id=f"Observation/ecog-{key}", scale="ECOG", value=ecog, effective_date=DX
    )
    end = DX + dt.timedelta(days=days)
    FollowUp.objects.create(patient=p, last_known_alive=end, death_date=end if died else None)
    return p


def lung_cohort(site: Site, n: int = 30) -> list[Patient]:
    """EGFR-mutant patients live longer; a few are untested."""
    made = []
    for i in range(n):
        egfr = None if i % 10 == 9 else i % 2 == 0
        days = 300 + 40 * i + (500 if egfr else 0)
        made.append(
            patient(f"pt-{site.code}-{i:03d}", site, egfr=egfr, days=days, died=i % 4 != 3, ecog=i % 3)
        )
    return made


TREATED_FROM = 400  # days after diagnosis


def immortal_time_cohort(site: Site) -> list[Patient]:
    """40 lung cancer patients who all die, one every 25 days; the even-numbered ones still alive on
    day 400 start osimertinib (an EGFR inhibitor) then. The drug does nothing, but only survivors can
    receive it (immortal time). Every third patient progresses 10 days before death."""
    from apps.patients.models import Therapy

    made = []
    for i in range(40):
        days = 20 + 25 * i
        p = patient(f"pt-{site.code}-{i:03d}", site, egfr=True, days=days, died=True)
        if i % 2 == 0 and days > TREATED_FROM:
            Therapy.objects.create(
                patient=p,
                source_id=f"MedicationStatement/{i}",
                drug_name="osimertinib",
                drug_classes=["EGFR inhibitor"],
                start_date=DX + dt.timedelta(days=TREATED_FROM),
            )
        if i % 3 == 0:
            FollowUp.objects.filter(patient=p).update(progression_date=DX + dt.timedelta(days=days - 10))
        made.append(p)
    return made
