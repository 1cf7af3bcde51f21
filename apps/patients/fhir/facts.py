"""Plain facts read from FHIR resources, and the problems and notes found while reading them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Location:
    """Where a resource sits: NDJSON `line` (1-based) or Bundle `entry` (0-based index of Bundle.entry)."""

    file: str
    line: int | None = None
    entry: int | None = None


@dataclass(frozen=True)
class Problem:
    """One reason a file is refused. `path` is a FHIR path such as `Observation.subject.reference`."""

    file: str
    message: str
    path: str = ""
    line: int | None = None
    entry: int | None = None
    code: str = "invalid"

    @classmethod
    def at(cls, where: Location, message: str, path: str = "", code: str = "invalid") -> Problem:
        return cls(file=where.file, message=message, path=path, line=where.line, entry=where.entry, code=code)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "code": self.code, "message": self.message}
        if self.line is not None:
            out["line"] = self.line
        if self.entry is not None:
            out["entry"] = self.entry
        if self.path:
            out["field"] = self.path
        return out

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.entry is not None:
            where += f", entry {self.entry}"
        if self.path:
            where += f", {self.path}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Note:
    """Something kept verbatim or not understood, for the import summary: e.g. ("unknown-loinc", "1695-6")."""

    kind: str
    value: str


class ReadError(ValueError):
    """A resource element the product reads is present but unusable; `path` is relative to the resource."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


@dataclass
class Fact:
    source_id: str
    subject: str  # the FHIR reference to the Patient, resolved by the importer


@dataclass
class PatientFact:
    source_id: str
    key: str
    sex: str
    birth_date: dt.date | None
    deceased: bool
    death_date: dt.date | None
    name: str = ""
    mrn: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    identifiers: list[dict[str, str]] = field(default_factory=list)
    race: str = "unknown"  # an OMB category, "multiple" or "unknown" (demographics.py)
    race_text: str = ""
    ethnicity: str = "unknown"
    ethnicity_text: str = ""
    managing_organization: dict[str, Any] | None = None  # the Patient.managingOrganization reference


@dataclass
class DiagnosisFact(Fact):
    category: str
    code_system: str
    code: str
    display: str
    codes: list[str]
    oncotree_code: str
    onset_date: dt.date | None
    stage: str
    stage_text: str
    histology: str
    clinical_status: str


@dataclass
class LabFact(Fact):
    loinc: str
    display: str
    value: float
    unit: str
    value_as_recorded: float
    unit_as_recorded: str
    ref_low: float | None
    ref_high: float | None
    interpretation: str
    effective_date: dt.date | None


@dataclass
class PerformanceFact(Fact):
    scale: str
    value: int
    effective_date: dt.date | None


@dataclass
class FindingFact(Fact):
    gene: str
    gene_as_recorded: str
    present: bool
    protein_change: str
    protein_short: str
    codon: int | None
    dna_change: str
    exon: int | None
    variant_class: str
    partner_gene: str
    vaf: float | None
    origin: str
    effective_date: dt.date | None
    text: str


@dataclass
class BiomarkerFact(Fact):
    marker: str
    loinc: str
    value_number: float | None
    value_text: str
    result: str
    scoring: str
    clone: str
    effective_date: dt.date | None


@dataclass
class TherapyFact(Fact):
    drug_name: str
    drugbank_id: str
    rxnorm: str
    drug_classes: list[str]
    start_date: dt.date | None
    end_date: dt.date | None
    status: str


@dataclass
class ProcedureFact(Fact):
    kind: str
    code_system: str
    code: str
    display: str
    performed_date: dt.date | None


@dataclass
class PregnancyFact(Fact):
    status: str
    effective_date: dt.date | None


@dataclass
class StageFact(Fact):
    """An mCODE stage-group Observation: fills the stage of `condition` (or the primary cancer) when blank."""

    condition: str
    stage: str
    stage_text: str


@dataclass
class OutcomeFact(Fact):
    """Follow-up evidence: a date the patient was seen alive, or a progression date."""

    alive_on: dt.date | None = None
    progressed_on: dt.date | None = None


@dataclass
class Reading:
    """What one resource yields."""

    facts: list[Any] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    stored: bool = True  # False: read (e.g. for follow-up dates) and counted, not stored as a fact
