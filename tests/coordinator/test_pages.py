"""A coordinator's day through the real client: home, trials, a trial's worklist, a patient, a match moved
through the workflow, runs, imports, reports; other sites' patients never appear and are 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.screening import services as screening
from apps.screening.models import Screening
from apps.trials.models import Trial
from tests.coordinator.world import build_clinic

pytestmark = pytest.mark.django_db


def test_home_shows_the_work_to_do_and_the_navigation(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)

    page = clinic.client().get(reverse("coordinator:home")).content.decode()

    for link in ("Trials", "Patients", "Worklist", "Runs", "Cohorts", "Import", "Log out", "North Hospital"):
        assert link in page
    assert "2</span> new eligible matches" in page
    assert "awaiting a decision" in page
    assert "missing-data worklist" in page


def test_trial_list_counts_only_the_users_sites_and_searches(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    Trial.objects.create(
        trial_id="NCT09999999", source="ctgov", title="Breast study", overall_status="COMPLETED"
    )

    page = clinic.client().get(reverse("coordinator:trial-list")).content.decode()
    found = clinic.client().get(reverse("coordinator:trial-list"), {"q": "lung"}).content.decode()
    faceted = clinic.client().get(reverse("coordinator:trial-list"), {"status": "COMPLETED"}).content.decode()

    assert "<td>2</td><td>2</td>" in page  # eligible, possible at North only (South's 2 not counted)
    assert "NCT01000001" in found and "NCT09999999" not in found
    assert "NCT09999999" in faceted and "NCT01000001" not in faceted


def test_trial_worklist_ranks_own_patients_with_chips_and_filters(
    django_capture_on_commit_callbacks: Any,
) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    url = reverse("coordinator:trial-detail", args=[clinic.trial.pk])

    page = clinic.client().get(url).content.decode()
    possible = clinic.client().get(url, {"match": "possible"}).content.decode()

    assert all(p.key in page for p in clinic.own)
    assert "pt-south" not in page
    assert page.index("pt-north-000") < page.index("pt-north-001")  # eligible ranked before possible
    assert "I2: unknown" in page and "I1: met" in page
    assert "pt-north-000" not in possible and "pt-north-001" in possible


def test_workflow_filter_and_bulk_move(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    client = clinic.client()
    url = reverse("coordinator:trial-detail", args=[clinic.trial.pk])
    ids = [m.pk for m in clinic.trial.matches.filter(patient__in=clinic.own[:2])]

    response = client.post(
        reverse("coordinator:trial-bulk-move", args=[clinic.trial.pk]), {"to": "under_review", "matches": ids}
    )
    reviewing = client.get(url, {"workflow": "under_review"}).content.decode()

    assert response.status_code == 302
    assert Screening.objects.filter(status="under_review").count() == 2
    assert "pt-north-000" in reviewing and "pt-north-002" not in reviewing


def test_bulk_move_refuses_another_sites_match(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    theirs = clinic.trial.matches.filter(patient=clinic.other[0]).get()

    clinic.client().post(
        reverse("coordinator:trial-bulk-move", args=[clinic.trial.pk]),
        {"to": "under_review", "matches": [theirs.pk]},
    )

    assert not Screening.objects.exists()


def test_patient_page_is_audited_and_identifiers_only_on_request(
    django_capture_on_commit_callbacks: Any,
) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    url = reverse("coordinator:patient-detail", args=[clinic.own[0].pk])
    client = clinic.client()

    plain = client.get(url).content.decode()
    identified = client.get(url, {"identify": "1"}).content.decode()

    assert "NCT01000001" in plain and "ZZNORTH-NAME" not in plain
    assert "ZZNORTH-NAME" in identified and "ZZNORTH-MRN" in identified
    reads = AuditEvent.objects.filter(kind="access", object_id=str(clinic.own[0].pk))
    assert [e.action for e in reads.order_by("pk")] == ["patients.record_viewed", "patients.identity_viewed"]


def test_another_sites_patient_is_404_everywhere_and_nothing_changes(
    django_capture_on_commit_callbacks: Any,
) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    theirs, trial = clinic.other[0].pk, clinic.trial.pk
    client = clinic.client()
    before = AuditEvent.objects.count()

    answers = [
        client.get(reverse("coordinator:patient-detail", args=[theirs]), {"identify": "1"}).status_code,
        client.get(reverse("coordinator:match-detail", args=[theirs, trial])).status_code,
        client.get(reverse("coordinator:match-explain", args=[theirs, trial])).status_code,
        client.post(
            reverse("coordinator:match-move", args=[theirs, trial]), {"to": "under_review"}
        ).status_code,
        client.post(reverse("coordinator:match-note", args=[theirs, trial]), {"text": "x"}).status_code,
        client.post(reverse("coordinator:match-assign", args=[theirs, trial]), {"assignee": ""}).status_code,
        client.post(
            reverse("coordinator:verdict-flag", args=[theirs, trial]),
            {"criterion_id": "I1", "verdict": "met"},
        ).status_code,
    ]

    assert answers == [404] * 7
    assert AuditEvent.objects.count() == before
    assert not Screening.objects.exists()


def test_a_match_moves_through_the_workflow_with_reasons(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    patient = clinic.own[1]
    client = clinic.client()
    move = reverse("coordinator:match-move", args=[patient.pk, clinic.trial.pk])
    detail = reverse("coordinator:match-detail", args=[patient.pk, clinic.trial.pk])
    later = (dt.date.today() + dt.timedelta(days=14)).isoformat()

    refused = client.post(move, {"to": "not_eligible"})
    client.post(move, {"to": "not_eligible", "failing_criterion": "I2"})
    client.post(move, {"to": "under_review"})
    client.post(move, {"to": "deferred", "deferred_until": later})
    client.post(
        reverse("coordinator:match-note", args=[patient.pk, clinic.trial.pk]), {"text": "Call after scan"}
    )
    client.post(
        reverse("coordinator:match-assign", args=[patient.pk, clinic.trial.pk]), {"assignee": clinic.alice.pk}
    )
    page = client.get(detail).content.decode()

    assert refused.status_code == 400 and "pick the failing criterion" in refused.content.decode()
    current = screening.find(patient, clinic.trial)
    assert current is not None and (current.status, current.deferred_until.isoformat()) == ("deferred", later)  # type: ignore[union-attr]
    assert current.assigned_to == clinic.alice
    assert "Deferred" in page and "Call after scan" in page and "criterion I2" in page
    assert AuditEvent.objects.filter(action="screening.status_changed").count() == 3


def test_flagging_a_verdict_reaches_the_quality_report(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    client = clinic.client()

    client.post(
        reverse("coordinator:verdict-flag", args=[clinic.own[1].pk, clinic.trial.pk]),
        {"criterion_id": "I2", "verdict": "unknown", "comment": "ECOG 0 in letter"},
    )
    report = client.get(reverse("coordinator:quality")).content.decode()
    trial_page = client.get(reverse("coordinator:trial-detail", args=[clinic.trial.pk])).content.decode()

    assert "<strong>I2</strong>" in report and "NCT01000001" in report
    assert "1 verdict flagged as wrong" in trial_page


def test_explanation_on_demand_says_why_not_eligible(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    url = reverse("coordinator:match-explain", args=[clinic.own[1].pk, clinic.trial.pk])

    fragment = clinic.client().get(url, headers={"HX-Request": "true"}).content.decode()

    assert "<html" not in fragment
    assert "possible" in fragment and "I2" in fragment and "unknown" in fragment


def test_starting_a_run_shows_its_progress_until_done(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    client = clinic.client()

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("coordinator:run-list"), {"trial": "NCT01000001"})
    progress = client.get(started["Location"].replace("/runs/", "/runs/", 1) + "progress/").content.decode()
    unknown = client.post(reverse("coordinator:run-list"), {"trial": "NCT404"})

    assert started.status_code == 302
    assert 'data-status="completed"' in progress and 'value="100"' in progress
    assert "hx-trigger" not in progress  # polling stops once the run is done
    assert unknown.status_code == 400 and "NCT404" in unknown.content.decode()


def test_a_running_run_keeps_polling(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    clinic.run.status, clinic.run.pairs_done = "running", clinic.run.pairs_total // 2
    clinic.run.save()

    fragment = clinic.client().get(reverse("coordinator:run-progress", args=[clinic.run.pk])).content.decode()

    assert 'hx-trigger="every 1s"' in fragment and 'value="50"' in fragment


def test_a_malformed_upload_is_refused_with_its_errors(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    from django.core.files.uploadedfile import SimpleUploadedFile

    trials_before = Trial.objects.count()
    bad = SimpleUploadedFile("broken.json", b'{"studies": [', content_type="application/json")

    response = clinic.client().post(reverse("coordinator:import"), {"kind": "trials", "upload": bad})

    assert response.status_code == 400
    assert (
        "broken.json" in response.content.decode() and "rejected, nothing saved" in response.content.decode()
    )
    assert Trial.objects.count() == trials_before


def test_missing_data_worklist_ranks_what_decides_most_and_exports(
    django_capture_on_commit_callbacks: Any,
) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)

    page = clinic.client().get(reverse("coordinator:missing-data")).content.decode()
    csv = b"".join(
        clinic.client().get(reverse("coordinator:missing-data"), {"format": "csv"}).streaming_content
    ).decode()

    assert "<td>2</td><td>2</td>" in page  # ECOG for 2 patients would decide 2 possible matches
    assert csv.splitlines()[0] == "data,patients,possible_matches"
    assert AuditEvent.objects.filter(action="coordinator.export").count() == 1


def test_worklist_export_is_scoped_and_audited(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)

    response = clinic.client().get(reverse("coordinator:trial-export", args=[clinic.trial.pk]))
    body = b"".join(response.streaming_content).decode()

    assert len(body.splitlines()) == 1 + len(clinic.own)
    assert "pt-south" not in body
    assert AuditEvent.objects.get(action="coordinator.export").details == {"rows": len(clinic.own)}


def test_auditor_filters_exports_and_verifies_the_trail(django_capture_on_commit_callbacks: Any) -> None:
    from apps.accounts import services as accounts

    accounts.create_demo_users(password="audit-page-password-1")
    clinic = build_clinic(django_capture_on_commit_callbacks)
    from django.contrib.auth.models import User

    client = clinic.client(User.objects.get(username="auditor"))

    page = client.get(reverse("coordinator:audit"), {"action": "matching"}).content.decode()
    verified = client.post(reverse("coordinator:audit-verify")).content.decode()
    csv = b"".join(client.get(reverse("coordinator:audit"), {"format": "csv"}).streaming_content).decode()

    assert "matching.run_requested" in page
    assert "The hash chain is intact" in verified
    assert csv.startswith("id,at,kind,actor")
    assert clinic.client().get(reverse("coordinator:audit")).status_code == 403


def test_uploaded_patients_get_the_uploaders_site_and_are_matched(
    django_capture_on_commit_callbacks: Any,
) -> None:
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.patients.models import Patient
    from tests.patients.builders import bundle, condition, patient

    clinic = build_clinic(django_capture_on_commit_callbacks)
    fhir = bundle(patient("pt-new"), condition(subject="urn:uuid:pt-new"))
    upload = SimpleUploadedFile("new.json", json.dumps(fhir).encode())

    with django_capture_on_commit_callbacks(execute=True):
        response = clinic.client().post(reverse("coordinator:import"), {"kind": "patients", "upload": upload})

    assert response.status_code == 200, response.content.decode()[:2000]
    new = Patient.objects.get(key="pt-new")
    assert new.site == clinic.site
    assert f"Patients by site: {clinic.site.code} 1." in response.content.decode()
    assert new.matches.filter(trial=clinic.trial).exists()


def test_uploaded_patients_of_a_known_managing_organization_go_to_its_site(
    django_capture_on_commit_callbacks: Any,
) -> None:
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.accounts.models import Site
    from apps.patients.models import Patient
    from tests.patients.builders import bundle, patient

    clinic = build_clinic(django_capture_on_commit_callbacks)
    other = Site.objects.create(code="riverside", name="Riverside Cancer Centre")
    fhir = bundle(
        patient("pt-theirs", managingOrganization={"display": "Riverside Cancer Centre"}),
        patient("pt-ours", managingOrganization={"display": "Somewhere unknown"}),
    )
    upload = SimpleUploadedFile("two.json", json.dumps(fhir).encode())

    with django_capture_on_commit_callbacks(execute=True):
        response = clinic.client().post(reverse("coordinator:import"), {"kind": "patients", "upload": upload})

    assert response.status_code == 200
    assert Patient.objects.get(key="pt-theirs").site == other
    assert Patient.objects.get(key="pt-ours").site == clinic.site
    page = clinic.client().get(reverse("coordinator:patient-list"), {"q": "pt-"}).content.decode()
    assert "pt-ours" in page and "pt-theirs" not in page


def test_a_failed_run_says_why(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    clinic.run.status, clinic.run.failure_reason = "failed", "chunk 3 kept failing: database unavailable"
    clinic.run.save()

    page = clinic.client().get(reverse("coordinator:run-detail", args=[clinic.run.pk])).content.decode()

    assert "The run failed: chunk 3 kept failing: database unavailable" in page
    assert "hx-trigger" not in page


def test_a_due_deferral_is_back_on_the_home_page(django_capture_on_commit_callbacks: Any) -> None:
    clinic = build_clinic(django_capture_on_commit_callbacks)
    from apps.screening.workflow import Move

    screening.move(
        user=clinic.alice,
        patient=clinic.own[2],
        trial=clinic.trial,
        arm=None,
        change=Move(to="deferred", deferred_until=dt.date.today() + dt.timedelta(days=1)),
        today=dt.date.today() - dt.timedelta(days=5),
    )
    Screening.objects.update(deferred_until=dt.date.today())  # the date has come

    page = clinic.client().get(reverse("coordinator:home")).content.decode()

    assert "Deferred matches whose date has come" in page and "pt-north-002" in page


def test_an_upload_over_the_limit_is_refused_with_413(
    django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    clinic = build_clinic(django_capture_on_commit_callbacks)
    settings.MAX_UPLOAD_BYTES = 100
    before = Trial.objects.count()

    response = clinic.client().post(
        reverse("coordinator:import"),
        {"kind": "trials", "upload": SimpleUploadedFile("big.json", b" " * 101)},
    )

    assert response.status_code == 413
    assert "over the 100 byte limit: big.json" in response.content.decode()
    assert Trial.objects.count() == before
