"""Shared test fixtures."""

from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: the real reference files every importer is tested on."""
    path = Path(settings.TRIALMATCH_SHARED_DATA)
    if not path.is_dir():
        pytest.fail(f"shared data folder not found at {path}; set TRIALMATCH_SHARED_DATA")
    return path
