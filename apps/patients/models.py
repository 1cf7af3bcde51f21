"""Patients (pseudonymous), their identifying data kept apart, and their clinical and molecular facts.

Identifying data (PHI) lives only in `PatientIdentity`. Every other table here is keyed by the
pseudonymous `Patient.key` (the FHIR Patient.id) and can be shown without it. Each fact keeps the
file and the FHIR resource it came from (`source_file`, `source_id`) and its own date.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import Q

from apps.accounts.models import Site

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class PatientQuerySet(models.QuerySet["Patient"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> PatientQuerySet:
        """Coordinators see their own sites' patients; admins and auditors all; sponsors none."""
        from apps.accounts.models import Role
        from apps.accounts.roles import has_role

        if not user.is_authenticated:
            return self.none()
        if has_role(user, Role.ADMIN) or has_role(user, Role.AUDITOR):
            return self.all()
        if has_role(user, Role.COORDINATOR):
            # The user's site ids as constants (one small query): with them the planner hashes the site's
            # patients once instead of walking the membership tables for every match row.
            return self.filter(
                site__in=list(Site.objects.filter(members__user_id=user.pk).values_list("pk", flat=True))
            )
        return self.none()


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female"
        MALE = "male"
        OTHER = "other"
        UNKNOWN = "unknown"

    key = models.CharField(max_length=64, unique=True, help_text="pseudonymous key: the FHIR Patient.id")

    class Race(models.TextChoices):
        AMERICAN_INDIAN_OR_ALASKA_NATIVE = "american_indian_or_alaska_native"
        ASIAN = "asian"
        BLACK_OR_AFRICAN_AMERICAN = "black_or_african_american"
        NATIVE_HAWAIIAN_OR_OTHER_PACIFIC_ISLANDER = "native_hawaiian_or_other_pacific_islander"
        WHITE = "white"
        MULTIPLE = "multiple", "more than one race"
        UNKNOWN = "unknown"

    class Ethnicity(models.TextChoices):
        HISPANIC_OR_LATINO = "hispanic_or_latino"
        NOT_HISPANIC_OR_LATINO = "not_hispanic_or_latino"
        UNKNOWN = "unknown"

    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    # From the US Core race and ethnicity extensions: OMB categories for counts, the text as written.
    race = models.CharField(max_length=48, choices=Race.choices, default=Race.UNKNOWN)
    race_text = models.CharField(max_length=100, blank=True)
    ethnicity = models.CharField(max_length=24, choices=Ethnicity.choices, default=Ethnicity.UNKNOWN)
    ethnicity_text = models.CharField(max_length=100, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="patients")
    source_file = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        # the latest change is read on every feasibility request (apps.feasibility.services)
        indexes = [models.Index(fields=["updated_at"], name="patient_updated_at")]

    def __str__(self) -> str:
        return self.key

    def age_on(self, on: dt.date) -> int | None:
        """Whole years on `on`, from the birth date kept with the identity (None if unknown)."""
        identity = getattr(self, "identity", None)
        if identity is None or identity.birth_date is None:
            return None
        born = identity.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class PatientIdentity(models.Model):
    """Protected health information. Only coordinators of the patient's site read it; reads are audited."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="identity")
    name = models.CharField(max_length=300, blank=True)
    mrn = models.CharField(max_length=100, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=200, blank=True)
    identifiers = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "patient identities"

    def __str__(self) -> str:
        return f"identity of {self.patient.key}"


class Fact(models.Model):
    """Fields every clinical fact has: whose, from which file and resource."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="%(class)ss")
    source_file = models.CharField(max_length=500, blank=True)
    source_id = models.CharField(max_length=200, help_text="FHIR resourceType/id (or fullUrl) it came from")

    class Meta:
        abstract = True
        constraints: ClassVar[list[models.BaseConstraint]] = []

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.source_id}"

    @classmethod
    def unique_source(cls, name: str) -> models.UniqueConstraint:
        return models.UniqueConstraint(fields=["patient", "source_id"], name=name)


class Diagnosis(Fact):
    """A Condition: the cancer(s), metastases and comorbidities."""

    class Category(models.TextChoices):
        CANCER = "cancer"
        METASTASIS = "metastasis"
        COMORBIDITY = "comorbidity"

    category = models.CharField(max_length=12, choices=Category.choices)
    code_system = models.CharField(max_length=20, help_text="ICD-10-CM, SNOMED CT or TEXT")
    code = models.CharField(max_length=40, blank=True)
    display = models.TextField(blank=True)
    codes = models.JSONField(default=list, blank=True, help_text="every coding of the resource, system|code")
    oncotree_code = models.CharField(max_length=20, blank=True)
    onset_date = models.DateField(null=True, blank=True)
    stage = models.CharField(max_length=20, blank=True, help_text="summary stage group, e.g. IV, IIIC")
    stage_text = models.CharField(max_length=200, blank=True)
    histology = models.CharField(max_length=200, blank=True)
    clinical_status = models.CharField(max_length=20, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "diagnoses"
        constraints = [Fact.unique_source("one_diagnosis_per_patient_and_source")]


class LabObservation(Fact):
    """A lab or vital sign with its value converted to the canonical UCUM unit for its LOINC code."""

    loinc = models.CharField(max_length=20)
    display = models.CharField(max_length=300, blank=True)
    value = models.FloatField()
    unit = models.CharField(max_length=40, blank=True, help_text="canonical UCUM unit of `value`")
    value_as_recorded = models.FloatField()
    unit_as_recorded = models.CharField(max_length=40, blank=True)
    ref_low = models.FloatField(null=True, blank=True, help_text="in the canonical unit")
    ref_high = models.FloatField(null=True, blank=True, help_text="in the canonical unit")
    interpretation = models.CharField(max_length=10, blank=True)
    effective_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [Fact.unique_source("one_lab_per_patient_and_source")]
        indexes = [models.Index(fields=["patient", "loinc", "effective_date"])]


class PerformanceStatus(Fact):
    class Scale(models.TextChoices):
        ECOG = "ECOG"
        KARNOFSKY = "KPS"
        LANSKY = "LANSKY"

    scale = models.CharField(max_length=10, choices=Scale.choices)
    value = models.PositiveSmallIntegerField()
    effective_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "performance statuses"
        constraints = [
            Fact.unique_source("one_performance_status_per_patient_and_source"),
            models.CheckConstraint(
                name="ecog_between_0_and_5",
                condition=~Q(scale="ECOG") | Q(value__lte=5),
            ),
            models.CheckConstraint(name="karnofsky_at_most_100", condition=Q(value__lte=100)),
        ]


class MolecularFinding(Fact):
    """One tested gene's result: a detected variant, or tested negative (wild-type) if `present` is False."""

    class VariantClass(models.TextChoices):
        SNV = "SNV"
        INDEL = "INDEL", "insertion/deletion"
        DELETION = "DEL", "deletion (small)"
        INSERTION = "INS", "insertion/duplication (small)"
        AMPLIFICATION = "AMP", "amplification"
        COPY_LOSS = "CNV_DEL", "copy-number deletion"
        FUSION = "FUSION"
        OTHER = "OTHER"
        NEGATIVE = "NEGATIVE", "tested, none detected"

    class Origin(models.TextChoices):
        SOMATIC = "somatic"
        GERMLINE = "germline"
        UNKNOWN = "unknown"

    gene = models.CharField(max_length=40, help_text="HGNC approved symbol")
    gene_as_recorded = models.CharField(max_length=60, blank=True)
    present = models.BooleanField(help_text="False: the gene was tested and nothing was detected")
    protein_change = models.CharField(max_length=120, blank=True, help_text="HGVS p. as recorded")
    protein_short = models.CharField(max_length=60, blank=True, help_text="one-letter form, e.g. V600E")
    codon = models.PositiveIntegerField(null=True, blank=True)
    dna_change = models.CharField(max_length=200, blank=True, help_text="HGVS c.")
    exon = models.PositiveSmallIntegerField(null=True, blank=True)
    variant_class = models.CharField(max_length=10, choices=VariantClass.choices)
    partner_gene = models.CharField(max_length=40, blank=True, help_text="fusion partner (HGNC)")
    vaf = models.FloatField(null=True, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.UNKNOWN)
    effective_date = models.DateField(null=True, blank=True)
    text = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "source_id", "gene"], name="one_finding_per_patient_source_and_gene"
            ),
            models.CheckConstraint(
                name="vaf_is_a_fraction", condition=Q(vaf__isnull=True) | (Q(vaf__gte=0) & Q(vaf__lte=1))
            ),
            models.CheckConstraint(
                name="negative_finding_has_no_variant",
                condition=Q(present=True) | Q(variant_class="NEGATIVE"),
            ),
        ]
        indexes = [models.Index(fields=["gene"])]


class Biomarker(Fact):
    """TMB, MSI/MMR and expression markers (PD-L1, HER2 IHC/ISH, ER, PR)."""

    class Marker(models.TextChoices):
        TMB = "TMB"
        MSI = "MSI"
        MMR = "MMR"
        PDL1 = "PD-L1"
        HER2_IHC = "HER2-IHC"
        HER2_ISH = "HER2-ISH"
        ER = "ER"
        PR = "PR"

    marker = models.CharField(max_length=10, choices=Marker.choices)
    loinc = models.CharField(max_length=20, blank=True)
    value_number = models.FloatField(null=True, blank=True, help_text="TMB mut/Mb; PD-L1 score; ER/PR %")
    value_text = models.CharField(max_length=300, blank=True)
    result = models.CharField(
        max_length=20,
        blank=True,
        help_text="normalised: MSI-H, MSI-L, MSS, dMMR, pMMR, positive, negative, equivocal, 0, 1+, 2+, 3+, "
        "amplified, not-amplified",
    )
    scoring = models.CharField(max_length=10, blank=True, help_text="PD-L1: TPS, CPS or IC")
    clone = models.CharField(max_length=40, blank=True, help_text="PD-L1 assay clone, e.g. 22C3")
    effective_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [Fact.unique_source("one_biomarker_per_patient_and_source")]


class Therapy(Fact):
    drug_name = models.CharField(max_length=200)
    drugbank_id = models.CharField(max_length=10, blank=True)
    rxnorm = models.CharField(max_length=20, blank=True)
    drug_classes = models.JSONField(default=list, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    line_of_therapy = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=30, blank=True)

    class Meta:
        verbose_name_plural = "therapies"
        constraints = [
            Fact.unique_source("one_therapy_per_patient_and_source"),
            models.CheckConstraint(
                name="therapy_ends_after_it_starts",
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
            ),
        ]


class Procedure(Fact):
    class Kind(models.TextChoices):
        SURGERY = "surgery"
        RADIATION = "radiation"
        OTHER = "other"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    code_system = models.CharField(max_length=20, blank=True)
    code = models.CharField(max_length=40, blank=True)
    display = models.TextField(blank=True)
    performed_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [Fact.unique_source("one_procedure_per_patient_and_source")]


class PregnancyStatus(Fact):
    class Status(models.TextChoices):
        PREGNANT = "pregnant"
        NOT_PREGNANT = "not_pregnant"
        LACTATING = "lactating"
        UNKNOWN = "unknown"

    status = models.CharField(max_length=15, choices=Status.choices)
    effective_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "pregnancy statuses"
        constraints = [Fact.unique_source("one_pregnancy_status_per_patient_and_source")]


class FollowUp(models.Model):
    """Outcome dates for survival analysis: one row per patient, derived from all its sources."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="follow_up")
    last_known_alive = models.DateField(null=True, blank=True)
    death_date = models.DateField(null=True, blank=True)
    progression_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "follow-ups"
        constraints = [
            models.CheckConstraint(
                name="alive_not_after_death",
                condition=Q(death_date__isnull=True)
                | Q(last_known_alive__isnull=True)
                | Q(last_known_alive__lte=models.F("death_date")),
            )
        ]

    def __str__(self) -> str:
        return f"follow-up of {self.patient.key}"
