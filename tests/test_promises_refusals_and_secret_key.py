"""A refused request (403) is logged without a traceback; the default SECRET_KEY is flagged (PROMISES 23)."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from apps.accounts.models import Role
from tests.sponsor_api.helpers import bearer, sponsor_user, user_with_role


@pytest.mark.django_db
def test_a_403_page_and_a_403_api_call_log_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    sponsor = sponsor_user("ada", "Own Oncology")
    page = Client()
    page.force_login(sponsor)
    api = bearer(user_with_role("carol", Role.COORDINATOR))

    with caplog.at_level(logging.WARNING, logger="django.request"):
        refused_page = page.get("/cohorts/")
        refused_call = api.post("/api/v1/runs/", {}, content_type="application/json")

    assert refused_page.status_code == 403 and refused_call.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.status_code for r in records] == [403, 403]  # type: ignore[attr-defined]
    assert all(r.exc_info is None for r in records)
    assert "Traceback" not in caplog.text


def test_the_default_secret_key_is_flagged_by_check_deploy() -> None:
    from django.conf import settings

    from tests.test_settings import PRODUCTION_ENV, _run

    assert settings.SECRET_KEY.startswith("django-insecure-")
    without_key = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    out = _run(
        "import django; django.setup(); from django.core.management import call_command; "
        "from django.core.management.base import SystemCheckError\n"
        "try:\n    call_command('check', '--deploy', '--fail-level', 'WARNING')\n"
        "except SystemCheckError as e:\n    print(e)",
        without_key,
    )
    assert "security.W009" in out
