"""Seeded synthetic oncology cohort as FHIR R4 resources (pure: no ORM). The model is in MODEL.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np

from .cancers import CANCER_TYPES, TYPE_SHARES
from .fhir import patient_resources
from .fhir_types import Resource, seed_namespace
from .model import DEFAULT_CUTOFF, SyntheticPatient, sample_patient
from .outcomes import Outcome, outcome_from_resources
from .survival import TRUE_HAZARD_RATIOS, TRUE_LOG_HAZARD_RATIOS

__all__ = [
    "CANCER_TYPES",
    "DEFAULT_CUTOFF",
    "TRUE_HAZARD_RATIOS",
    "TRUE_LOG_HAZARD_RATIOS",
    "TYPE_SHARES",
    "Outcome",
    "Resource",
    "SyntheticPatient",
    "generate",
    "generate_records",
    "outcome_from_resources",
    "patient_resources",
    "seed_namespace",
]


def patient_rng(seed: int, index: int) -> np.random.Generator:
    """Patient `index` has its own stream, so it is the same whatever the cohort size."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, index])))


def generate_records(n: int, seed: int, cutoff: dt.date = DEFAULT_CUTOFF) -> Iterator[SyntheticPatient]:
    """The sampled patients as plain data, with the true covariates of the survival model."""
    if n < 0:
        raise ValueError(f"number of patients must be >= 0, got {n}")
    for index in range(n):
        yield sample_patient(patient_rng(seed, index), index, cutoff)


def generate(
    n: int, seed: int, *, cutoff: dt.date = DEFAULT_CUTOFF, urn_references: bool = False
) -> Iterator[list[Resource]]:
    """Per-patient FHIR R4 resource lists (Patient first). Same (n, seed, cutoff): identical output."""
    namespace = seed_namespace(seed)
    for record in generate_records(n, seed, cutoff):
        yield patient_resources(record, namespace, urn=urn_references)
