"""What one patient record says at baseline: primary cancer, stage, ECOG, age, lines of therapy, tests.

Pure: reads `apps.matching.records.PatientRecord` (plain dataclasses), no Django. "Baseline" is the
primary cancer's diagnosis date; a fact recorded after it counts only when nothing was recorded before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TypeVar

from apps.matching.eligibility.clinical import parse_stage
from apps.matching.records import (
    BiomarkerFact,
    DiagnosisFact,
    FindingFact,
    PatientRecord,
    PerformanceFact,
    TherapyFact,
)

LINE_WINDOW_DAYS = 28  # drugs started within this many days of a line's first drug belong to that line
BRAIN_METASTASIS_ICD10 = "C79.3"
LIVER_METASTASIS_ICD10 = "C78.7"

Dated = TypeVar("Dated", BiomarkerFact, FindingFact, TherapyFact, DiagnosisFact, PerformanceFact)


def primary_cancer(record: PatientRecord) -> DiagnosisFact | None:
    """The diagnosis flagged primary, else the earliest cancer diagnosis."""
    cancers = [d for d in record.diagnoses if d.category == "cancer"]
    flagged = [d for d in cancers if d.is_primary]
    pool = flagged or cancers
    if not pool:
        return None
    return min(pool, key=lambda d: (d.date or dt.date.max, d.source))


def diagnosis_date(record: PatientRecord) -> dt.date | None:
    cancer = primary_cancer(record)
    return cancer.date if cancer else None


def cancer_type(record: PatientRecord) -> str | None:
    cancer = primary_cancer(record)
    return (cancer.oncotree_code or None) if cancer else None


def stage(record: PatientRecord) -> str | None:
    """Main stage group I-IV (0 for in situ) of the primary cancer; substages folded (IVB -> IV)."""
    cancer = primary_cancer(record)
    parsed = parse_stage(cancer.stage) if cancer and cancer.stage else None
    return parsed[0] if parsed else None


def baseline(facts: Iterable[Dated], on: dt.date | None) -> Dated | None:
    """The latest fact dated on or before `on`, else the earliest after it (undated facts last)."""
    dated = sorted(facts, key=lambda f: (f.date is None, f.date or dt.date.max, f.source))
    if not dated:
        return None
    if on is not None:
        before = [f for f in dated if f.date is not None and f.date <= on]
        if before:
            return before[-1]
    return dated[0]


def ecog(record: PatientRecord) -> int | None:
    score = baseline((p for p in record.performance if p.scale == "ECOG"), diagnosis_date(record))
    return score.value if score else None


def age(record: PatientRecord) -> float | None:
    """Age in years (with fraction) at the diagnosis of the primary cancer."""
    on = diagnosis_date(record)
    if record.birth_date is None or on is None:
        return None
    return (on - record.birth_date).days / 365.25


def therapy_lines(therapies: Sequence[TherapyFact]) -> dict[int, list[TherapyFact]]:
    """Drugs by line: the recorded line where every drug has one, else lines by start date.

    A derived line opens at the first drug not started within LINE_WINDOW_DAYS of the current line's first
    drug (a common real-world-data rule). Drugs without a start date are left out.
    """
    started = sorted((t for t in therapies if t.date is not None), key=lambda t: (t.date, t.drug_name))
    if started and all(t.line is not None for t in started):
        recorded: dict[int, list[TherapyFact]] = {}
        for t in started:
            recorded.setdefault(int(t.line or 0), []).append(t)
        return recorded
    lines: dict[int, list[TherapyFact]] = {}
    opened: dt.date | None = None
    for t in started:
        assert t.date is not None
        if opened is None or (t.date - opened).days > LINE_WINDOW_DAYS:
            opened = t.date
            lines[len(lines) + 1] = []
        lines[len(lines)].append(t)
    return lines


def line_start(record: PatientRecord, line: int) -> dt.date | None:
    drugs = therapy_lines(record.therapies).get(line)
    return min(t.date for t in drugs if t.date is not None) if drugs else None


def sequencing_date(record: PatientRecord) -> dt.date | None:
    """The first dated molecular result: a gene finding, TMB or MSI."""
    dates = [f.date for f in record.findings if f.date is not None]
    dates += [b.date for b in record.biomarkers if b.marker in ("TMB", "MSI") and b.date is not None]
    return min(dates) if dates else None


def latest_marker(record: PatientRecord, marker: str, scoring: str | None = None) -> BiomarkerFact | None:
    facts = [b for b in record.biomarkers if b.marker == marker and (scoring is None or b.scoring == scoring)]
    return max(facts, key=lambda b: (b.date or dt.date.min, b.source)) if facts else None


def gene_status(record: PatientRecord, genes: Sequence[str]) -> str:
    """mutant (any listed gene has a detected variant), wild-type (every listed gene tested, none detected)
    or untested. A tested gene is negative for what its results do not list (contracts 2)."""
    wanted = {g.upper() for g in genes}
    results = [f for f in record.findings if f.gene.upper() in wanted]
    if any(f.present for f in results):
        return "mutant"
    tested = {f.gene.upper() for f in results}
    return "wild-type" if tested == wanted else "untested"


def has_metastasis(record: PatientRecord, icd10_prefix: str) -> bool:
    return any(
        code.rsplit("|", 1)[-1].startswith(icd10_prefix)
        for d in record.diagnoses
        for code in (d.code, *d.codes)
    )


def received(record: PatientRecord, *, drug: str | None = None, drug_class: str | None = None) -> bool:
    name = (drug or "").strip().lower()
    klass = (drug_class or "").strip().lower()
    return any(
        (name and t.drug_name.strip().lower() == name)
        or (klass and klass in {c.lower() for c in t.drug_classes})
        for t in record.therapies
    )


def first_received(
    record: PatientRecord, *, drug: str | None = None, drug_class: str | None = None
) -> dt.date | None:
    """The earliest start date of the drug (or any drug of the class); None if never received or undated."""
    name = (drug or "").strip().lower()
    klass = (drug_class or "").strip().lower()
    dates = [
        t.date
        for t in record.therapies
        if t.date is not None
        and (
            (name and t.drug_name.strip().lower() == name)
            or (klass and klass in {c.lower() for c in t.drug_classes})
        )
    ]
    return min(dates) if dates else None
