"""Shared test fixtures."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from trialmatch.celery import app as celery_app


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: the real reference files every importer is tested on."""
    path = Path(settings.TRIALMATCH_SHARED_DATA)
    if not path.is_dir():
        pytest.fail(f"shared data folder not found at {path}; set TRIALMATCH_SHARED_DATA")
    return path


@pytest.fixture(autouse=True)
def _celery_mode(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests run tasks in-process, except integration tests, which use the real broker and worker."""
    eager = request.node.get_closest_marker("integration") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous
