"""Settings: embedded defaults with no environment, production by environment variables (PROMISES 23)."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PRODUCTION_ENV = {
    "SECRET_KEY": "k" * 20 + "-production-secret-0123456789-abcdefghijklmnopqrstuv",
    "ALLOWED_HOSTS": "trialmatch.example.org",
    "DATABASE_URL": "postgres://trialmatch@db.example.org:5432/trialmatch",
    "REDIS_URL": "redis://redis.example.org:6379/0",
    "SECURE_COOKIES": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_SSL_REDIRECT": "1",
}


def _run(code: str, env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**clean, "DJANGO_SETTINGS_MODULE": "trialmatch.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_no_environment_means_sqlite_and_in_process_tasks():
    out = _run(
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG)",
        {},
    )

    assert out.split() == ["django.db.backends.sqlite3", "True", "False"]


def test_environment_switches_to_postgresql_and_a_redis_broker():
    out = _run(
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL)",
        PRODUCTION_ENV,
    )

    assert out.split() == ["django.db.backends.postgresql", "False", "redis://redis.example.org:6379/0"]


def test_check_deploy_passes_with_production_settings():
    out = _run(
        "import django, sys; django.setup(); from django.core.management import call_command; "
        "call_command('check', '--deploy', '--fail-level', 'WARNING')",
        PRODUCTION_ENV,
    )

    assert "no issues" in out
