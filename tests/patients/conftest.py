"""Fixtures for patient intake tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.patients import models as m

TABLES = [
    m.Patient,
    m.PatientIdentity,
    m.Diagnosis,
    m.LabObservation,
    m.PerformanceStatus,
    m.MolecularFinding,
    m.Biomarker,
    m.Therapy,
    m.Procedure,
    m.PregnancyStatus,
    m.FollowUp,
]


@pytest.fixture
def row_counts() -> Callable[[], dict[str, int]]:
    def counts() -> dict[str, int]:
        from apps.audit.models import AuditEvent

        out = {model.__name__: model.objects.count() for model in TABLES}
        # a refused file writes its one rejection row (PROMISES 12) and nothing else
        out["AuditEvent"] = AuditEvent.objects.exclude(action="patients.import_rejected").count()
        return out

    return counts
