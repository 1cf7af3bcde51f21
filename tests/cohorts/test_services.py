"""Cohort services against the database: definitions, membership, stratification tasks, survival, plots."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.conf import settings

from apps.accounts.models import Site
from apps.cohorts import services as cohorts
from apps.cohorts.models import Cohort, Stratification
from apps.matching.models import Match, MatchRun, VerdictPattern
from apps.trials.models import CriteriaVersion, Trial

from .helpers import coordinator, lung_cohort, patient

pytestmark = pytest.mark.django_db
NSCLC = "Inclusion Criteria:\n- Non-small cell lung cancer"


@pytest.fixture
def site() -> Site:
    return Site.objects.create(code="north", name="North")


@pytest.fixture
def user(site: Site) -> Any:
    return coordinator("carol", site)


def stratify(cohort: Cohort, kind: str, params: dict[str, Any], capture: Any) -> Stratification:
    with capture(execute=True):
        stratification = cohorts.request_stratification(cohort=cohort, kind=kind, parameters=params)
    stratification.refresh_from_db()
    return stratification


def test_ad_hoc_cohort_keeps_visible_patients_meeting_the_criteria(site: Site, user: Any) -> None:
    lung_cohort(site, 6)
    patient("breast", site, egfr=None, days=100, died=False, oncotree="IDC")
    patient("elsewhere", Site.objects.create(code="south", name="South"), egfr=True, days=100, died=False)

    cohort = cohorts.create_ad_hoc_cohort(
        owner=user, name="lung", criteria_text=NSCLC, as_of=dt.date(2026, 1, 1)
    )

    keys = set(cohort.members.values_list("patient__key", flat=True))
    assert keys == {f"pt-north-{i:03d}" for i in range(6)}
    assert cohort.computed_at is not None
    assert cohort.version_label.startswith("criteria parser")


def test_trial_cohort_takes_eligible_and_possible_matches_of_the_current_version(
    site: Site, user: Any
) -> None:
    a, b, c = lung_cohort(site, 3)
    trial = Trial.objects.create(trial_id="NCT00000001", source="ctgov")
    version = CriteriaVersion.objects.create(trial=trial, number=1, text="x", text_sha256="0")
    run = MatchRun.objects.create(idempotency_key="k", as_of=dt.date(2026, 1, 1))
    pattern = VerdictPattern.objects.create(criteria_version=version, digest="d")
    for p, status in ((a, "eligible"), (b, "possible"), (c, "ineligible")):
        Match.objects.create(
            run=run,
            chunk_index=0,
            trial=trial,
            patient=p,
            criteria_version=version,
            as_of=run.as_of,
            status=status,
            score=0.5,
            pattern=pattern,
            unknown_count=1 if status == "possible" else 0,
        )

    cohort = cohorts.create_trial_cohort(owner=user, name="trial", trial=trial)

    assert set(cohort.members.values_list("patient__key", "status")) == {
        (a.key, "eligible"),
        (b.key, "possible"),
    }
    assert cohort.criteria_version == version
    assert cohort.members.first().match_date == dt.date(2026, 1, 1)


def test_duplicate_cohort_name_and_bad_criteria_are_refused(user: Any) -> None:
    cohorts.create_ad_hoc_cohort(owner=user, name="lung", criteria_text=NSCLC)

    with pytest.raises(cohorts.CohortInputError, match="name"):
        cohorts.create_ad_hoc_cohort(owner=user, name="lung", criteria_text=NSCLC)
    with pytest.raises(cohorts.CohortInputError, match="criteria_text"):
        cohorts.create_ad_hoc_cohort(owner=user, name="empty", criteria_text="  ")
    with pytest.raises(cohorts.CohortInputError, match="statuses"):
        cohorts.create_ad_hoc_cohort(owner=user, name="x", criteria_text=NSCLC, statuses=["maybe"])


def test_stratification_runs_as_a_task_after_commit_and_stores_groups(
    site: Site, user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    lung_cohort(site, 20)
    cohort = cohorts.create_ad_hoc_cohort(owner=user, name="lung", criteria_text=NSCLC)

    stratification = stratify(cohort, "biomarker", {"rule": "egfr"}, django_capture_on_commit_callbacks)

    assert stratification.status == Stratification.Status.COMPLETED
    assert stratification.progress == 1.0
    assert stratification.result["counts"] == {"EGFR wild-type": 8, "EGFR mutant": 10, "EGFR untested": 2}
    assert len(stratification.result["labels"]) == 20


def test_running_a_finished_stratification_again_changes_nothing(
    site: Site, user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    lung_cohort(site, 10)
    cohort = cohorts.create_ad_hoc_cohort(owner=user, name="lung", criteria_text=NSCLC)
    stratification = stratify(cohort, "attribute", {"attribute": "stage"}, django_capture_on_commit_callbacks)
    finished = stratification.finished_at

    cohorts.run_stratification(stratification_id=stratification.pk)

    stratification.refresh_from_db()
    assert stratification.finished_at == finished


def test_bad_parameters_are_refused_before_anything_is_queued(user: Any) -> None:
    cohort = cohorts.create_ad_hoc_cohort(owner=user, name="lung", criteria_text=NSCLC)

    with pytest.raises(cohorts.CohortInputError, match="'rule'"):
        cohorts.request_stratification(cohort=cohort, kind="biomarker", parameters={"rule": "nope"})
    assert not Stratification.objects.exists()


def test_learned_strata_on_too_small_a_cohort_fail_with_the_reason(
    site: Site, user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    lung_cohort(site, 5)
    cohort = cohorts.create_ad_hoc_cohort(owner=user, name="lung", criteria_text=NSCLC)

    stratification = stratify(cohort, "learned_clusters", {}, django_capture_on_commit_callbacks)

    assert stratification.status == Stratification.Status.FAILED
    assert "more patients" in stratification.failure_reason


def test_survival_by_egfr_is_schema_valid_with_exclusions_and_plots(
    site: Site, user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    lung_cohort(site, 40)
    cohort = cohorts.create_ad_hoc_cohort(owner=user, name="lung", criteria_text=NSCLC)
    stratification = stratify(cohort, "biomarker", {"rule": "egfr"}, django_capture_on_commit_callbacks)

    analysis = cohorts.analyse_survival(
        stratification=stratification,
        index_date="sequencing_report",
        excluded_groups=["EGFR untested"],
        landmarks=[12],
    )

    schema = json.loads(
        (Path(settings.TRIALMATCH_SHARED_DATA).parent / "contracts/survival.schema.json").read_text()
    )
    jsonschema.validate(analysis.result, schema)
    names = [g["name"] for g in analysis.result["groups"]]
    assert names == ["EGFR wild-type", "EGFR mutant"]
    assert analysis.result["excluded"] == {"in subgroups left out": 4}
    assert analysis.result["cox"]["terms"][0]["hr"] < 1
    assert "sequencing report" in analysis.result["outcome"]
    assert cohorts.render_plot(analysis, "km", "svg").lstrip().startswith(b"<?xml")
    assert cohorts.render_plot(analysis, "forest", "pdf").startswith(b"%PDF")
    assert cohorts.render_plot(analysis, "km", "png").startswith(b"\x89PNG")


def test_stored_table_reproduces_the_stored_result(
    site: Site, user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    lung_cohort(site, 30)
    cohort = cohorts.create_ad_hoc_cohort(owner=user, name="lung", criteria_text=NSCLC)
    stratification = stratify(cohort, "biomarker", {"rule": "egfr"}, django_capture_on_commit_callbacks)
    analysis = cohorts.analyse_survival(stratification=stratification, covariates=["ecog", "age"])

    again = cohorts.survival.to_dict(cohorts.stored_result(analysis))

    assert again["groups"] == analysis.result["groups"]
    assert again["cox"] == analysis.result["cox"]


def test_sponsor_facing_analysis_suppresses_strata_under_eleven(
    site: Site, user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    lung_cohort(site, 30)
    cohort = cohorts.create_ad_hoc_cohort(owner=user, name="lung", criteria_text=NSCLC)
    stratification = stratify(cohort, "biomarker", {"rule": "egfr"}, django_capture_on_commit_callbacks)

    analysis = cohorts.analyse_survival(stratification=stratification, sponsor_facing=True)

    assert analysis.result["suppressed_groups"] == ["EGFR untested"]
    assert all(g["n"] >= 11 for g in analysis.result["groups"])
    assert analysis.min_size == 11


def test_small_subgroups_are_reported_too_small(
    site: Site, user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    lung_cohort(site, 30)
    cohort = cohorts.create_ad_hoc_cohort(owner=user, name="lung", criteria_text=NSCLC)
    stratification = stratify(cohort, "biomarker", {"rule": "egfr"}, django_capture_on_commit_callbacks)

    analysis = cohorts.analyse_survival(stratification=stratification, min_size=5)

    untested = next(g for g in analysis.result["groups"] if g["name"] == "EGFR untested")
    assert untested["too_small"] is True and untested["median"] is None


def test_analysis_refuses_unknown_covariates_and_unfinished_stratifications(site: Site, user: Any) -> None:
    lung_cohort(site, 5)
    cohort = cohorts.create_ad_hoc_cohort(owner=user, name="lung", criteria_text=NSCLC)
    pending = Stratification.objects.create(cohort=cohort, kind="biomarker", parameters={"rule": "egfr"})

    with pytest.raises(cohorts.CohortInputError, match="not completed"):
        cohorts.analyse_survival(stratification=pending)
    pending.status, pending.result = Stratification.Status.COMPLETED, {"groups": [], "labels": {}}
    with pytest.raises(cohorts.CohortInputError, match="covariates"):
        cohorts.analyse_survival(stratification=pending, covariates=["shoe size"])
