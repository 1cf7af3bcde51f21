"""Plain patient records the matching engine reads: frozen dataclasses mirroring apps/patients/models.py.

No Django here. `apps.matching.services` builds these from the database; the benchmarks and tests build
them directly. Every fact carries `source` (the FHIR resource id it came from) and `date` (its effective,
onset, start or performed date) so a verdict can cite its evidence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class DiagnosisFact:
    """A Condition. `category` is cancer, metastasis or comorbidity; `oncotree_code` is set for cancers."""

    category: str
    code_system: str = ""
    code: str = ""
    display: str = ""
    oncotree_code: str = ""
    stage: str = ""
    histology: str = ""
    clinical_status: str = ""
    is_primary: bool = False
    codes: tuple[str, ...] = ()
    source: str = ""
    date: dt.date | None = None


@dataclass(frozen=True)
class LabFact:
    """A lab or vital sign, `value` in the canonical UCUM `unit` for its LOINC; ref range in that unit."""

    loinc: str
    value: float
    unit: str = ""
    ref_low: float | None = None
    ref_high: float | None = None
    display: str = ""
    source: str = ""
    date: dt.date | None = None


@dataclass(frozen=True)
class PerformanceFact:
    """ECOG (0-5), KPS (0-100) or LANSKY (0-100)."""

    scale: str
    value: int
    source: str = ""
    date: dt.date | None = None


@dataclass(frozen=True)
class FindingFact:
    """One tested gene's result: a detected variant, or tested negative when `present` is False.

    `variant_class` uses the MolecularFinding codes: SNV, INDEL, DEL, INS, AMP, CNV_DEL, FUSION, OTHER,
    NEGATIVE. `origin` is somatic, germline or unknown.
    """

    gene: str
    present: bool
    protein_change: str = ""
    protein_short: str = ""
    codon: int | None = None
    dna_change: str = ""
    exon: int | None = None
    variant_class: str = ""
    partner_gene: str = ""
    vaf: float | None = None
    origin: str = "unknown"
    source: str = ""
    date: dt.date | None = None


@dataclass(frozen=True)
class BiomarkerFact:
    """TMB, MSI, MMR, PD-L1, HER2-IHC, HER2-ISH, ER, PR.

    `result` is normalised (MSI-H, MSI-L, MSS, dMMR, pMMR, positive, negative, equivocal, 0, 1+, 2+, 3+,
    amplified, not-amplified); `scoring` is TPS, CPS or IC for PD-L1; `clone` the assay (e.g. 22C3).
    """

    marker: str
    value_number: float | None = None
    result: str = ""
    scoring: str = ""
    clone: str = ""
    value_text: str = ""
    source: str = ""
    date: dt.date | None = None


@dataclass(frozen=True)
class TherapyFact:
    """A drug the patient received; `date` is the start date, `end_date` the last dose where known."""

    drug_name: str = ""
    drugbank_id: str = ""
    drug_classes: tuple[str, ...] = ()
    end_date: dt.date | None = None
    line: int | None = None
    status: str = ""
    rxnorm: str = ""
    source: str = ""
    date: dt.date | None = None


@dataclass(frozen=True)
class ProcedureFact:
    """surgery, radiation or other."""

    kind: str
    code_system: str = ""
    code: str = ""
    display: str = ""
    source: str = ""
    date: dt.date | None = None


@dataclass(frozen=True)
class PregnancyFact:
    """pregnant, not_pregnant, lactating or unknown."""

    status: str
    source: str = ""
    date: dt.date | None = None


@dataclass(frozen=True)
class PatientRecord:
    """Everything the matcher may read about one patient. `key` is the pseudonymous FHIR Patient.id.

    `sex` is female, male, other or unknown. `weight_kg` is optional (Cockcroft-Gault falls back to the
    most recent body-weight lab, LOINC 29463-7, when it is None).
    """

    key: str
    sex: str = "unknown"
    birth_date: dt.date | None = None
    diagnoses: tuple[DiagnosisFact, ...] = ()
    labs: tuple[LabFact, ...] = ()
    performance: tuple[PerformanceFact, ...] = ()
    findings: tuple[FindingFact, ...] = ()
    biomarkers: tuple[BiomarkerFact, ...] = ()
    therapies: tuple[TherapyFact, ...] = ()
    procedures: tuple[ProcedureFact, ...] = ()
    pregnancy: tuple[PregnancyFact, ...] = ()
    death_date: dt.date | None = None

    def age_on(self, on: dt.date) -> int | None:
        """Whole years on `on`; None when the birth date is unknown."""
        if self.birth_date is None:
            return None
        born = self.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
