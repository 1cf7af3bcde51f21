"""The README's first command: the demo loads real trials, a generated cohort, matches and the demo users."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from apps.matching.models import Match
from apps.patients.models import Patient
from apps.trials.models import Trial

# Committed transactions: `match` enqueues its chunks on commit and waits for them.
pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_loads_trials_patients_matches_and_prints_a_working_login(
    tmp_path, settings, monkeypatch, capsys
):
    settings.DEMO_DATA_DIR = tmp_path
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")

    call_command("demo", patients=25)

    out = capsys.readouterr().out
    assert Trial.objects.count() == 447
    assert Patient.objects.count() == 25
    assert Patient.objects.filter(site__isnull=True).count() == 0
    assert Match.objects.exists()
    assert "demo-password-for-tests" in out
    assert authenticate(username="coordinator", password="demo-password-for-tests") is not None
