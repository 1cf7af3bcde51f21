"""Baseline molecular and phenotypic features of patient records, as a numeric matrix for learned strata.

Only what is known at diagnosis enters (age, sex, ECOG, stage, cancer type, metastases, gene status, TMB,
PD-L1, MSI); treatments received later do not, since they would leak the outcome into the strata.
Unknown values are NaN (an untested gene is unknown, never wild-type); the learners impute them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from apps.matching.records import PatientRecord

from . import facts

STAGE_NUMBER = {"0": 0.0, "I": 1.0, "II": 2.0, "III": 3.0, "IV": 4.0}
MIN_SHARE = 0.02  # a cancer type or gene enters when at least this share of patients has it / was tested


@dataclass(frozen=True)
class FeatureMatrix:
    keys: tuple[str, ...]
    names: tuple[str, ...]
    values: np.ndarray  # patients x features, NaN where unknown
    binary: tuple[bool, ...]

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.names.index(name)]

    def rows(self, mask: np.ndarray) -> FeatureMatrix:
        keys = tuple(k for k, keep in zip(self.keys, mask, strict=True) if keep)
        return FeatureMatrix(keys, self.names, self.values[mask], self.binary)


def _status_value(status: str) -> float:
    return {"mutant": 1.0, "wild-type": 0.0}.get(status, math.nan)


def _msi(record: PatientRecord) -> float:
    results = {b.result for b in record.biomarkers if b.marker in ("MSI", "MMR")}
    if results & {"MSI-H", "dMMR"}:
        return 1.0
    return 0.0 if results & {"MSS", "MSI-L", "pMMR"} else math.nan


def _marker_number(record: PatientRecord, marker: str, scoring: str | None = None) -> float:
    fact = facts.latest_marker(record, marker, scoring)
    return math.nan if fact is None or fact.value_number is None else float(fact.value_number)


def build_features(records: Sequence[PatientRecord], min_share: float = MIN_SHARE) -> FeatureMatrix:
    n = len(records)
    if n == 0:
        raise ValueError("no patients to describe")
    floor = max(1, math.ceil(min_share * n))
    types = Counter(facts.cancer_type(r) for r in records)
    common_types = sorted(t for t, count in types.items() if t and count >= floor)
    tested = Counter(g for r in records for g in {f.gene.upper() for f in r.findings})
    genes = sorted(g for g, count in tested.items() if count >= floor)

    columns: list[tuple[str, bool, list[float]]] = []

    def add(name: str, binary: bool, values: list[float]) -> None:
        columns.append((name, binary, values))

    ages = [facts.age(r) for r in records]
    add("age", False, [math.nan if a is None else a for a in ages])
    add("male", True, [{"male": 1.0, "female": 0.0}.get(r.sex, math.nan) for r in records])
    ecogs = [facts.ecog(r) for r in records]
    add("ecog", False, [math.nan if e is None else float(e) for e in ecogs])
    add("stage", False, [STAGE_NUMBER.get(facts.stage(r) or "", math.nan) for r in records])
    for code in common_types:
        add(f"cancer={code}", True, [float(facts.cancer_type(r) == code) for r in records])
    add(
        "brain metastases",
        True,
        [float(facts.has_metastasis(r, facts.BRAIN_METASTASIS_ICD10)) for r in records],
    )
    add(
        "liver metastases",
        True,
        [float(facts.has_metastasis(r, facts.LIVER_METASTASIS_ICD10)) for r in records],
    )
    for gene in genes:
        add(f"{gene} mutant", True, [_status_value(facts.gene_status(r, [gene])) for r in records])
    add(
        "log2(TMB+1)",
        False,
        [math.log2(v + 1) if v >= 0 else math.nan for v in (_marker_number(r, "TMB") for r in records)],
    )
    add("PD-L1 TPS", False, [_marker_number(r, "PD-L1", "TPS") for r in records])
    add("MSI-H", True, [_msi(r) for r in records])

    kept = [c for c in columns if not np.all(np.isnan(np.asarray(c[2], dtype=float)))]
    return FeatureMatrix(
        keys=tuple(r.key for r in records),
        names=tuple(c[0] for c in kept),
        values=np.asarray([c[2] for c in kept], dtype=float).T.reshape(n, len(kept)),
        binary=tuple(c[1] for c in kept),
    )
