"""Human review keeps its meaning (PROMISES 15): the first parse, each correction and each re-parse add a
parsed revision of the criteria version; results name the revision they were computed with, and a result
computed with an older revision is shown as such until it is matched again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Site
from apps.audit.models import AuditEvent
from apps.criteria import services as criteria
from apps.matching import selectors
from apps.matching.models import IneligibleBlock, Match, VerdictPattern
from apps.patients.models import Patient
from apps.trials.models import CriteriaVersion, ParsedRevision, Trial
from tests.cohorts.helpers import coordinator, patient
from tests.matching.test_services import make_patient, run_now

AS_OF = dt.date(2026, 11, 1)
TEXT = (
    "Inclusion Criteria:\n- ECOG performance status 0-1\n- Age >= 18 years\n\n"
    "Exclusion Criteria:\n- Pregnancy\n"
)


@pytest.fixture
def version(db) -> CriteriaVersion:
    trial = Trial.objects.create(trial_id="NCT00000077", source="ctgov", overall_status="RECRUITING")
    return CriteriaVersion.objects.create(trial=trial, number=1, text=TEXT, text_sha256="x")


@pytest.fixture
def reviewer(db) -> User:
    return User.objects.create_superuser("reviewer", "r@example.org", "a-long-enough-password-123")


def _edit_ecog(version: CriteriaVersion, reviewer: User) -> None:
    criteria.correct(
        version,
        user=reviewer,
        criterion_id="I1",
        action="edit",
        payload={"rule": {"scale": "ECOG", "min": 0, "max": 2}},
        reason="amendment 3 allows ECOG 2",
    )


def test_the_first_parse_is_revision_1_and_the_version_points_at_it(version):
    criteria.parse_version(version)

    version.refresh_from_db()
    (revision,) = version.revisions.all()
    assert (revision.number, revision.cause, revision.created_by) == (1, "parse", None)
    assert version.current_revision == revision
    assert revision.parsed == version.parsed
    assert revision.parser_version == version.parser_version != ""


def test_a_correction_and_a_reparse_each_add_a_revision_and_the_correction_survives_the_reparse(
    version, reviewer
):
    criteria.parse_version(version)

    _edit_ecog(version, reviewer)
    criteria.reparse(version, actor=reviewer)

    version.refresh_from_db()
    revisions = list(version.revisions.order_by("number"))
    assert [(r.number, r.cause, r.created_by) for r in revisions] == [
        (1, "parse", None),
        (2, "correction", reviewer),
        (3, "reparse", reviewer),
    ]
    assert version.current_revision == revisions[2]
    assert revisions[0].parsed["criteria"][0]["rule"]["max"] == 1  # earlier revisions are kept as they were
    assert revisions[2].parsed["criteria"][0]["rule"]["max"] == 2
    assert revisions[2].parsed["criteria"][0]["corrected"] is True


def test_a_reparse_is_audited_with_the_revision_it_replaced(version, reviewer):
    criteria.parse_version(version)

    criteria.reparse(version, actor=reviewer)

    (event,) = AuditEvent.objects.filter(action="trials.criteria_reparsed")
    assert event.actor == reviewer
    assert event.old_value["revision"] == 1 and event.new_value["revision"] == 2


def test_a_stored_revision_cannot_be_changed(version):
    criteria.parse_version(version)
    revision = ParsedRevision.objects.get()
    revision.parsed = {"criteria": []}

    with pytest.raises(ValueError, match="append-only"):
        revision.save()

    assert ParsedRevision.objects.get().parsed == version.parsed


def test_results_name_the_revision_and_a_revised_parse_shows_them_as_computed_with_an_older_one(
    version, reviewer, django_capture_on_commit_callbacks
):
    criteria.parse_version(version)
    make_patient("adult", born=dt.date(1970, 1, 1), oncotree="LUAD")
    make_patient("child", born=dt.date(2015, 1, 1), oncotree="LUAD")
    run_now(django_capture_on_commit_callbacks, trials=[version.trial])
    first = version.revisions.get(number=1)
    trial, patients = version.trial, Patient.objects.all()

    (before,) = selectors.for_trial(trial, patients=patients)
    _edit_ecog(version, reviewer)
    (stale,) = selectors.for_trial(trial, patients=patients)
    run_now(django_capture_on_commit_callbacks, trials=[trial])
    (fresh,) = selectors.for_trial(trial, patients=patients)

    assert set(VerdictPattern.objects.values_list("revision", flat=True)) == {first.pk, first.pk + 1}
    assert IneligibleBlock.objects.get().revision == version.revisions.get(number=2)
    assert selectors.computed_with_older_parse(before) is False
    assert selectors.computed_with_older_parse(stale) is True
    assert selectors.computed_with_older_parse(fresh) is False
    assert fresh.pattern.revision.number == 2


def test_the_worklist_marks_a_pair_computed_with_an_earlier_parse(
    version, reviewer, client: Client, django_capture_on_commit_callbacks
):
    site = Site.objects.create(code="own", name="Own Centre")
    patient("pt-1", site, egfr=True, days=300, died=False)
    criteria.parse_version(version)
    run_now(django_capture_on_commit_callbacks, trials=[version.trial])
    url = reverse("coordinator:trial-detail", args=[version.trial.pk])
    client.force_login(coordinator("coord", site))
    fresh = client.get(url).content.decode()

    _edit_ecog(version, reviewer)
    stale = client.get(url).content.decode()

    assert Match.objects.count() == 1
    assert "pt-1" in fresh and "computed with an earlier parse" not in fresh
    assert "computed with an earlier parse" in stale


def test_the_review_page_action_reparses_into_a_new_audited_revision(version, reviewer, client: Client):
    criteria.parse_version(version)
    client.force_login(reviewer)

    response = client.post(
        reverse("admin:criteria_criteriareview_changelist"),
        {"action": "reparse_versions", "_selected_action": [version.pk]},
    )
    page = client.get(reverse("admin:criteria_criteriareview_change", args=[version.pk])).content.decode()

    assert response.status_code == 302
    assert version.revisions.count() == 2
    assert AuditEvent.objects.filter(action="trials.criteria_reparsed", actor=reviewer).count() == 1
    assert "parsed revisions" in page.lower() and "<td>reparse</td>" in page


BEFORE = [("trials", "0003_trial_locations"), ("matching", "0004_compact_results")]
AFTER = [("trials", "0005_first_parsed_revisions"), ("matching", "0008_results_point_at_first_revisions")]


@pytest.mark.django_db(transaction=True)
def test_migration_makes_revision_1_of_every_parsed_version_and_points_stored_results_at_it() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldTrial, OldVersion = old.get_model("trials", "Trial"), old.get_model("trials", "CriteriaVersion")
    OldPattern = old.get_model("matching", "VerdictPattern")
    trial = OldTrial.objects.create(trial_id="NCT1", source="ctgov")
    parsed = OldVersion.objects.create(
        trial=trial, number=1, text="t", text_sha256="0", parsed={"criteria": []}, parser_version="0.1.0"
    )
    OldVersion.objects.create(trial=trial, number=2, text="t2", text_sha256="1")  # never parsed
    OldPattern.objects.create(criteria_version=parsed, digest="d")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Version, Revision = new.get_model("trials", "CriteriaVersion"), new.get_model("trials", "ParsedRevision")
    Pattern = new.get_model("matching", "VerdictPattern")

    try:
        (revision,) = Revision.objects.all()
        assert (revision.criteria_version_id, revision.number, revision.cause) == (parsed.pk, 1, "parse")
        assert revision.parser_version == "0.1.0" and revision.parsed == {"criteria": []}
        assert Version.objects.get(number=1).current_revision_id == revision.pk
        assert Version.objects.get(number=2).current_revision_id is None
        assert Pattern.objects.get().revision_id == revision.pk
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
