"""Acceptance on a generated demo cohort imported through FHIR intake: biomarker effect, learned strata."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from apps.accounts.models import Role
from apps.accounts.services import ensure_roles
from apps.cohorts import services as cohorts
from apps.cohorts.models import Stratification
from apps.patients import services as intake
from apps.patients import synthetic
from apps.patients.synthetic import writer

PATIENTS, SEED = 2000, 20260101
TRUE_HR = synthetic.TRUE_HAZARD_RATIOS["tp53_or_stk11_nsclc"]


@pytest.fixture(scope="module")
def owner(
    django_db_setup: None, django_db_blocker: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[User]:
    """The demo cohort imported once for the module, inside a transaction rolled back at the end (the
    audit trail is append-only, so nothing may be committed and left behind for later tests)."""
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        folder: Path = tmp_path_factory.mktemp("demo-fhir")
        writer.write_ndjson(synthetic.generate(PATIENTS, SEED), folder)
        report = intake.import_paths([folder])
        assert report.ok, report.as_dict()
        user = User.objects.create_user("demo-analyst")
        user.groups.add(ensure_roles()[Role.ADMIN])
        yield user
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_stratifying_nsclc_by_tp53_or_stk11_recovers_the_generators_hazard_ratio(
    owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    cohort = cohorts.create_ad_hoc_cohort(
        owner=owner, name="NSCLC", criteria_text="Histologically confirmed non-small cell lung cancer"
    )
    with django_capture_on_commit_callbacks(execute=True):
        stratification = cohorts.request_stratification(
            cohort=cohort, kind="biomarker", parameters={"rule": "gene", "genes": ["TP53", "STK11"]}
        )

    stratification.refresh_from_db()
    analysis = cohorts.analyse_survival(
        stratification=stratification,
        covariates=["age", "ecog", "stage", "cancer_type"],
        excluded_groups=["TP53/STK11 untested"],
    )

    assert stratification.status == Stratification.Status.COMPLETED
    terms = {t["term"]: t for t in analysis.result["cox"]["terms"]}
    mutant = next(t for name, t in terms.items() if name.endswith("TP53/STK11 mutant"))
    lower, upper = mutant["hr_ci"]
    assert lower < TRUE_HR < upper, mutant
    assert mutant["hr"] > 1


@pytest.mark.django_db
def test_learned_survival_strata_separate_survival_on_held_out_folds(
    owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    cohort = cohorts.create_ad_hoc_cohort(owner=owner, name="everyone", criteria_text="Age >= 18 years")
    with django_capture_on_commit_callbacks(execute=True):
        stratification = cohorts.request_stratification(cohort=cohort, kind="learned_survival", parameters={})

    stratification.refresh_from_db()
    details = stratification.result["details"]
    analysis = cohorts.analyse_survival(stratification=stratification)

    assert stratification.status == Stratification.Status.COMPLETED
    assert cohort.members.count() > 0.9 * PATIENTS
    assert details["concordance_out_of_fold"] > 0.5
    assert min(details["concordance_per_fold"]) > 0.5
    assert details["logrank_out_of_fold"]["p"] < 0.05
    medians = [g["median"] for g in analysis.result["groups"]]
    assert [g["name"] for g in analysis.result["groups"]] == ["low risk", "intermediate risk", "high risk"]
    assert medians[2] is not None and (medians[0] is None or medians[0] > medians[2])
