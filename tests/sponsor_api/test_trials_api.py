"""A sponsor's own trials through the API: list, create, update, parse preview; another sponsor's are 404
(PROMISES 4); protected fields cannot be set (PROMISES 7); every call writes an access row (PROMISES 13)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import Role
from apps.audit.models import AuditEvent
from apps.trials.models import Arm, Trial

from .helpers import NSCLC_TEXT, bearer, own_trial, sponsor_user, user_with_role

pytestmark = pytest.mark.django_db


def _json(client: Client, method: str, path: str, body: Any) -> Any:
    return getattr(client, method)(path, body, content_type="application/json")


def test_a_sponsor_lists_only_its_own_trials_with_filters_and_pages() -> None:
    ada, bob = sponsor_user("ada", "Own Oncology"), sponsor_user("bob", "Other Pharma")
    for i in range(3):
        own_trial(ada, f"NCT1000000{i}", phase="PHASE2" if i else "PHASE1")
    own_trial(ada, "NCT10000009", overall_status="COMPLETED", title="Closed lung study")
    own_trial(bob, "NCT20000000")
    client = bearer(ada)

    page = client.get("/api/v1/trials/?page_size=2").json()
    recruiting = client.get("/api/v1/trials/?status=recruiting").json()
    phase1 = client.get("/api/v1/trials/?phase=PHASE1").json()
    searched = client.get("/api/v1/trials/?q=lung").json()

    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"] and page["previous"] is None
    assert {t["trial_id"] for t in recruiting["results"]} == {"NCT10000000", "NCT10000001", "NCT10000002"}
    assert [t["trial_id"] for t in phase1["results"]] == ["NCT10000000"]
    assert [t["trial_id"] for t in searched["results"]] == ["NCT10000009"]
    assert "NCT20000000" not in str(client.get("/api/v1/trials/?page_size=200").json())


def test_another_sponsors_trial_is_404_for_read_update_and_every_sub_resource() -> None:
    ada, bob = sponsor_user("ada", "Own Oncology"), sponsor_user("bob", "Other Pharma")
    own_trial(bob, "NCT20000000", title="Bob's secret study")
    client = bearer(ada)

    responses = [
        client.get("/api/v1/trials/NCT20000000/"),
        _json(client, "patch", "/api/v1/trials/NCT20000000/", {"title": "mine now"}),
        client.get("/api/v1/trials/NCT20000000/feasibility/"),
        client.get("/api/v1/trials/NCT20000000/attrition/"),
        _json(client, "post", "/api/v1/trials/NCT20000000/what-if/", {"drop": []}),
        client.get("/api/v1/trials/NCT20000000/fhir/"),
        client.get("/api/v1/trials/NCT29999999/"),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert all(r["Content-Type"] == "application/problem+json" for r in responses)
    assert all("Bob" not in r.content.decode() for r in responses)
    assert Trial.objects.get(trial_id="NCT20000000").title == "Bob's secret study"


def test_a_sponsor_creates_a_trial_with_arms_and_its_criteria_are_parsed_and_audited() -> None:
    ada = sponsor_user("ada", "Own Oncology")
    client = bearer(ada)

    response = _json(
        client,
        "post",
        "/api/v1/trials/",
        {
            "trial_id": "NCT30000000",
            "title": "A lung study",
            "status": "NOT_YET_RECRUITING",
            "phase": "PHASE2",
            "eligibility_text": NSCLC_TEXT,
            "min_age_years": 18,
            "arms": [{"code": "A", "description": "osimertinib"}],
        },
    )

    assert response.status_code == 201, response.content
    trial = Trial.objects.get(trial_id="NCT30000000")
    assert trial.sponsor == ada.profile.sponsor and trial.overall_status == "NOT_YET_RECRUITING"
    version = trial.current_version()
    assert version is not None and version.number == 1 and version.parsed["criteria"]
    assert response.json()["criteria_version"] == 1 and response.json()["arms"][0]["code"] == "A"
    assert AuditEvent.objects.filter(action="trials.created", object_id="NCT30000000").count() == 1


def test_updating_the_eligibility_text_makes_a_new_version_and_left_out_arms_are_closed_not_deleted() -> None:
    ada = sponsor_user("ada", "Own Oncology")
    client = bearer(ada)
    _json(
        client,
        "post",
        "/api/v1/trials/",
        {"trial_id": "NCT30000000", "eligibility_text": NSCLC_TEXT, "arms": [{"code": "A"}, {"code": "B"}]},
    )

    response = _json(
        client,
        "patch",
        "/api/v1/trials/NCT30000000/",
        {
            "eligibility_text": NSCLC_TEXT + "\n- Brain metastases",
            "status": "RECRUITING",
            "arms": [{"code": "A"}],
        },
    )

    assert response.status_code == 200, response.content
    trial = Trial.objects.get(trial_id="NCT30000000")
    assert [v.number for v in trial.criteria_versions.all()] == [1, 2]
    assert dict(Arm.objects.filter(trial=trial).values_list("code", "status")) == {"A": "open", "B": "closed"}
    changes = AuditEvent.objects.filter(action="trials.field_changed", object_id="NCT30000000")
    assert sorted(changes.values_list("field", flat=True)) == ["eligibility_text", "overall_status"]


@pytest.mark.parametrize(
    "field,value",
    [
        ("sponsor", "Other Pharma"),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("updated_at", "2020-01-01T00:00:00Z"),
        ("criteria_version", 7),
        ("source", "ctml"),
        ("raw", {}),
        ("approved_by", 1),
    ],
)
def test_a_protected_field_cannot_be_set_and_the_error_names_it(field: str, value: Any) -> None:
    ada = sponsor_user("ada", "Own Oncology")
    own_trial(ada, "NCT10000000")
    client = bearer(ada)

    created = _json(client, "post", "/api/v1/trials/", {"trial_id": "NCT30000000", field: value})
    patched = _json(client, "patch", "/api/v1/trials/NCT10000000/", {"title": "new", field: value})

    for response in (created, patched):
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert {"field": field, "message": "this field cannot be set"} in response.json()["errors"]
    assert not Trial.objects.filter(trial_id="NCT30000000").exists()
    assert Trial.objects.get(trial_id="NCT10000000").title == "Trial NCT10000000"


def test_bad_input_is_a_problem_listing_every_field_at_fault_and_nothing_is_saved() -> None:
    ada = sponsor_user("ada", "Own Oncology")
    client = bearer(ada)

    response = _json(
        client,
        "post",
        "/api/v1/trials/",
        {"trial_id": "not an id!", "min_age_years": -1, "sex": "BOTH", "arms": [{"description": "no code"}]},
    )

    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"trial_id", "min_age_years", "sex", "arms[0].code"}
    assert Trial.objects.count() == 0


def test_other_roles_cannot_write_trials_and_coordinators_cannot_start_runs() -> None:
    coordinator = user_with_role("carol", Role.COORDINATOR)
    client = bearer(coordinator)

    created = _json(client, "post", "/api/v1/trials/", {"trial_id": "NCT30000000"})
    run = _json(client, "post", "/api/v1/runs/", {})

    assert created.status_code == 403 and run.status_code == 403
    assert created["Content-Type"] == "application/problem+json"


def test_parse_previews_criteria_with_spans_and_confidence() -> None:
    client = bearer(sponsor_user("ada", "Own Oncology"))

    response = _json(client, "post", "/api/v1/parse/", {"text": NSCLC_TEXT})
    empty = _json(client, "post", "/api/v1/parse/", {"text": ""})

    assert response.status_code == 200
    criteria = response.json()["criteria"]
    assert [c["id"] for c in criteria] == ["I1", "I2", "E1"]
    for c in criteria:
        assert NSCLC_TEXT[c["span"][0] : c["span"][1]] == c["text"]
    assert empty.status_code == 400 and empty.json()["errors"][0]["field"] == "text"


def test_every_call_writes_one_access_row_with_endpoint_trial_and_count_and_no_patient_data() -> None:
    ada, bob = sponsor_user("ada", "Own Oncology"), sponsor_user("bob", "Other Pharma")
    own_trial(ada, "NCT10000000")
    own_trial(bob, "NCT20000000")
    client = bearer(ada)
    before = AuditEvent.objects.filter(kind="access").count()

    client.get("/api/v1/trials/")
    client.get("/api/v1/trials/NCT10000000/")
    client.get("/api/v1/trials/NCT20000000/")

    rows = list(AuditEvent.objects.filter(kind="access").order_by("pk"))[before:]
    assert [(r.details["endpoint"], r.details["status"], r.details["result_count"]) for r in rows] == [
        ("api:trial-list", 200, 1),
        ("api:trial-detail", 200, 1),
        ("api:trial-detail", 404, 0),
    ]
    assert [r.object_id for r in rows] == ["", "NCT10000000", ""]
    assert all(r.actor == ada for r in rows)
    assert "NCT20000000" not in str([r.details for r in rows])


def test_each_token_is_throttled(settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "token": "3/minute"},
    }
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    api_settings.reload()
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        ada = sponsor_user("ada", "Own Oncology")
        first, second = bearer(ada), bearer(ada)

        codes = [first.get("/api/v1/trials/").status_code for _ in range(4)]
        other = second.get("/api/v1/trials/").status_code
    finally:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
        api_settings.reload()
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        cache.clear()

    assert codes == [200, 200, 200, 429] and other == 200
