"""One synthetic oncology patient drawn from the documented model (MODEL.md), as plain data."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from . import clinical, survival, therapy
from .cancers import CANCER_TYPES, STAGES, TYPE_SHARES, CancerType
from .clinical import chance, pick
from .genomics import ALLELES, BREAST_EVENT_SHARES, BREAST_SUBTYPES, DRIVERS, EVENTS, Allele
from .panels import FUSION_GENES, HOTSPOT_PANEL, MYELOID_PANEL, SOLID_PANEL, actionable_therapy

DEFAULT_CUTOFF = dt.date(2026, 10, 1)
ACCRUAL_YEARS = 8.0  # diagnoses spread uniformly over the years before the cut-off
NSCLC = frozenset({"luad", "lusc"})
TYPE_ITEMS = tuple(TYPE_SHARES.items())


@dataclass(frozen=True)
class Finding:
    key: str
    allele: Allele
    vaf: float | None


@dataclass(frozen=True)
class DrugPeriod:
    line: int
    regimen: str
    drug: str
    start: dt.date
    end: dt.date | None  # None: still taken at last contact


@dataclass
class SyntheticPatient:
    index: int
    sex: str
    birth_date: dt.date
    person: clinical.Demographics
    cancer: CancerType
    site: tuple[str, str, str]
    stage: str | None  # I, II, III, IV
    stage_group: str | None  # with substage, e.g. IIIB
    diagnosis_date: dt.date
    subtype: str | None
    ecog: int  # at diagnosis
    ecog_last: int
    alterations: list[Finding]
    panel: tuple[str, ...]  # genes tested (empty: not tested)
    msi_h: bool
    msi_tested: bool
    tmb: float
    tmb_tested: bool
    pdl1: tuple[float, str, str] | None  # (score, TPS or CPS, clone)
    her2_ihc: str | None
    her2_fish: str | None
    er_pct: int | None
    pr_pct: int | None
    conditions: list[tuple[str, str]]  # comorbidities and metastases (ICD-10-CM, display)
    pregnancy: bool | None
    surgery: dt.date | None
    drugs: list[DrugPeriod]
    labs: dict[str, float]
    alt_units: frozenset[str]
    weight: float
    height: float
    covariates: dict[str, float]
    death_date: dt.date | None
    progression_date: dt.date | None
    last_contact: dt.date
    lab_date: dt.date
    marker_date: dt.date
    first_line: str | None = None
    second_line: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def age_at_diagnosis(self) -> float:
        return (self.diagnosis_date - self.birth_date).days / 365.25

    def has(self, prefix: str) -> bool:
        return any(f.key.startswith(prefix) for f in self.alterations)


def _stage(rng: np.random.Generator, ctype: CancerType) -> tuple[str | None, str | None]:
    if ctype.stage_shares is None:
        return None, None
    stage = pick(rng, list(zip(STAGES, ctype.stage_shares, strict=True)))
    if stage == "III":
        return stage, stage + "ABC"[int(rng.integers(3))]
    if stage == "IV" and ctype.key in ("luad", "lusc", "crc", "head_neck"):
        return stage, stage + "AB"[int(rng.integers(2))]
    return stage, stage


def _alterations(
    rng: np.random.Generator, ctype: CancerType, subtype: str | None, msi_h: bool
) -> list[Finding]:
    model = DRIVERS[ctype.key]
    keys: list[str] = []
    exclusive = list(model.exclusive)
    if ctype.key == "crc" and msi_h:  # BRAF V600E is enriched, KRAS depleted, in MSI-H colorectal cancer
        exclusive = [(k, w * (5.0 if k == "BRAF_V600E" else 0.6)) for k, w in exclusive]
    total = sum(w for _, w in exclusive)
    if exclusive and chance(rng, total):
        keys.append(pick(rng, exclusive))
    shares = dict(model.independent)
    if subtype in BREAST_EVENT_SHARES:
        shares.update(BREAST_EVENT_SHARES[subtype])
        if "HER2+" in subtype:
            keys.append("ERBB2_amp")
    for event, share in shares.items():
        if event == "STK11" and any(k.startswith("KRAS") for k in keys):
            share = 0.28  # STK11 co-occurs with KRAS in lung adenocarcinoma
        if event == "ESR1" and subtype != "HR+/HER2-":
            continue
        if chance(rng, share):
            drawn = pick(rng, EVENTS[event])
            if drawn not in keys and not any(ALLELES[k].gene == ALLELES[drawn].gene for k in keys):
                keys.append(drawn)
    if any(k.startswith(("EGFR_ex19", "EGFR_L858R")) for k in keys) and chance(rng, 0.04):
        keys.append("EGFR_T790M")  # de novo T790M alongside a sensitizing mutation
    purity = 0.25 + 0.6 * rng.random()
    findings = []
    for key in keys:
        allele = ALLELES[key]
        vaf: float | None = None
        if allele.kind == "variant":
            if allele.origin == "germline":
                vaf = round(min(max(rng.normal(0.5, 0.04), 0.35), 0.65), 2)
            else:
                vaf = round(min(max(purity / 2 * rng.uniform(0.6, 1.2), 0.03), 0.95), 2)
        findings.append(Finding(key, allele, vaf))
    return findings


def _panel(rng: np.random.Generator, ctype: CancerType, advanced: bool) -> tuple[str, ...]:
    model = DRIVERS[ctype.key]
    if not chance(rng, model.tested_advanced if advanced else model.tested_early):
        return ()
    if ctype.key == "aml":
        return MYELOID_PANEL
    return SOLID_PANEL if chance(rng, 0.75) else HOTSPOT_PANEL


def _days(start: dt.date, days: float) -> dt.date:
    return start + dt.timedelta(days=int(days))


def sample_patient(
    rng: np.random.Generator, index: int, cutoff: dt.date = DEFAULT_CUTOFF
) -> SyntheticPatient:
    ctype = CANCER_TYPES[pick(rng, TYPE_ITEMS)]
    sex = "male" if chance(rng, ctype.male_share) else "female"
    age = min(max(rng.normal(ctype.median_age, 15.0 if ctype.key == "thyroid" else 11.5), 18.5), 94.0)
    diagnosis = _days(cutoff, -(30 + rng.random() * ACCRUAL_YEARS * 365.25))
    birth = _days(diagnosis, -age * 365.25)
    stage, stage_group = _stage(rng, ctype)
    advanced = stage in (None, "III", "IV")
    metastatic = stage == "IV" or (stage is None and ctype.solid)
    ecog = clinical.ecog_at_diagnosis(rng, stage, age)

    # Biology: subtype, MSI, alterations, TMB; then what was tested.
    subtype = pick(rng, BREAST_SUBTYPES) if ctype.key == "breast" else None
    model = DRIVERS[ctype.key]
    msi_h = chance(rng, model.msi_h)
    findings = _alterations(rng, ctype, subtype, msi_h)
    panel = _panel(rng, ctype, advanced)
    comprehensive = panel == SOLID_PANEL
    tmb = model.tmb_median * math.exp(rng.normal(0.0, model.tmb_sdlog))
    if msi_h:
        tmb *= 9.0
    if any(f.key.startswith(("EGFR", "EML4", "KIF5B_ALK", "CD74", "EZR")) for f in findings):
        tmb *= 0.5
    universal_mmr = ctype.key in ("crc", "endometrial", "gastroesophageal") and chance(rng, 0.8)
    msi_tested = comprehensive or universal_mmr
    nsclc = ctype.key in NSCLC
    pdl1: tuple[float, str, str] | None = None
    if (nsclc and chance(rng, 0.9 if advanced else 0.3)) or (
        advanced
        and (ctype.key in ("head_neck", "gastroesophageal", "bladder") or subtype == "TNBC")
        and chance(rng, 0.7)
    ):
        clone = "22C3" if chance(rng, 0.75) else "SP263"
        if nsclc:
            band = pick(rng, [((0.0, 1.0), 0.33), ((1.0, 50.0), 0.37), ((50.0, 100.0), 0.30)])
            pdl1 = (float(int(band[0] + rng.random() * (band[1] - band[0]))), "TPS", clone)
        else:
            band = pick(rng, [((0.0, 1.0), 0.20), ((1.0, 10.0), 0.40), ((10.0, 100.0), 0.40)])
            pdl1 = (float(int(band[0] + rng.random() * (band[1] - band[0]))), "CPS", clone)
    her2_amp = any(f.key == "ERBB2_amp" for f in findings)
    her2_ihc = her2_fish = None
    if ctype.key == "breast" or (ctype.key == "gastroesophageal" and advanced and chance(rng, 0.85)):
        if her2_amp:
            her2_ihc = "3+" if chance(rng, 0.85) else "2+"
        else:
            her2_ihc = pick(rng, [("0", 0.35), ("1+", 0.40), ("2+", 0.25)])
        if her2_ihc == "2+":
            her2_fish = "amplified" if her2_amp else "not amplified"
    er_pct = pr_pct = None
    if ctype.key == "breast" or (ctype.key == "endometrial" and chance(rng, 0.4)):
        hr_pos = (subtype or "").startswith("HR+") or (ctype.key == "endometrial" and chance(rng, 0.75))
        er_pct = int(rng.integers(60, 101)) if hr_pos else 0
        pr_pct = (int(rng.integers(10, 96)) if chance(rng, 0.8) else 0) if hr_pos else 0

    # Comorbidities and metastases.
    conditions = clinical.comorbidities(rng, ctype.key, sex)
    brain = stage == "IV" and chance(rng, clinical.BRAIN_METS.get(ctype.key, 0.03))
    liver = stage == "IV" and chance(rng, clinical.LIVER_METS.get(ctype.key, 0.12))
    if brain:
        conditions.append(("C79.31", "Secondary malignant neoplasm of brain"))
    if liver:
        conditions.append(("C78.7", "Secondary malignant neoplasm of liver and intrahepatic bile duct"))

    # Treatment decided at diagnosis from what was tested.
    known = frozenset(f.key for f in findings if f.allele.gene in panel)
    actionable = next((t for k in sorted(known) if (t := actionable_therapy(k))), None)
    ctx = therapy.TherapyContext(
        cancer=ctype.key,
        stage=stage,
        advanced=metastatic or stage == "IV" or not ctype.solid,
        subtype=subtype,
        known=known,
        actionable=actionable,
        msi_h=msi_h and msi_tested,
        pdl1_high=pdl1 is not None and pdl1[0] >= (50 if pdl1[1] == "TPS" else 10),
        age=age,
    )
    first, second = therapy.plan(ctx, lambda p: chance(rng, p))
    matched = actionable is not None and first == therapy.TARGETED_FIRST.get(actionable, ("",))[0]
    covariates = {
        "ecog": float(ecog),
        "age_per_decade": (age - 60.0) / 10.0,
        "matched_targeted_first_line": float(matched and ctx.advanced),
        "msi_h_immunotherapy": float(msi_h and therapy.is_immunotherapy(first)),
        "kras_g12c_nsclc": float(nsclc and any(f.key == "KRAS_G12C" for f in findings)),
        "tp53_or_stk11_nsclc": float(nsclc and any(f.allele.gene in ("TP53", "STK11") for f in findings)),
        "brain_metastases": float(brain),
    }

    # Outcomes from the proportional-hazards model.
    lp = survival.linear_predictor(covariates)
    median = ctype.median_os[STAGES.index(stage)] if stage else ctype.median_os[0]
    death_days = max(1.0, survival.weibull_days(rng.random(), median, ctype.weibull_shape, lp))
    prog_days = max(
        1.0,
        survival.weibull_days(rng.random(), median * survival.PROGRESSION_FRACTION, ctype.weibull_shape, lp),
    )
    censor_days = max(
        1.0, min(survival.loss_to_follow_up_days(rng.random()), float((cutoff - diagnosis).days))
    )
    died = death_days <= censor_days
    end_days = death_days if died else censor_days
    last_contact = _days(diagnosis, end_days)
    death_date = last_contact if died else None
    progression = _days(diagnosis, prog_days) if prog_days < end_days else None
    ecog_last = min(4, ecog + (1 if progression and chance(rng, 0.5) else 0))

    # Lines of therapy with dates.
    surgery = None
    if ctype.solid and stage in ("I", "II", "III") and chance(rng, 0.85 if stage != "III" else 0.5):
        surgery = _days(diagnosis, 14 + rng.random() * 21)
    drugs: list[DrugPeriod] = []
    line = 0
    for key, start_after in ((first, surgery or diagnosis), (second, progression)):
        if key is None or start_after is None:
            continue
        start = _days(start_after, 14 + rng.random() * (28 if surgery and key == first else 21))
        if start >= last_contact:
            continue
        line += 1
        stop_at = progression if key == first and progression and progression > start else last_contact
        for drug, days in therapy.REGIMENS[key].drugs:
            end: dt.date | None = (
                stop_at if days == therapy.UNTIL_PROGRESSION else min(_days(start, days), stop_at)
            )
            if end is not None and end >= last_contact and death_date is None:
                end = None  # still on it at last contact
            drugs.append(DrugPeriod(line, key, drug, start, end))

    lab_date = max(diagnosis, _days(last_contact, -rng.random() * 20))
    weight, height = clinical.body_size(rng, sex, metastatic)
    ckd = any(code == "N18.3" for code, _ in conditions)
    labs = clinical.labs(rng, sex, ecog_last, not ctype.solid, liver, ckd)
    alt_units = frozenset(k for k in labs if clinical.lab_unit_choice(rng, k))
    age_at_labs = (lab_date - birth).days / 365.25
    pregnancy = None
    if sex == "female" and age_at_labs < 50 and chance(rng, 0.6):
        pregnancy = chance(rng, 0.05)
    return SyntheticPatient(
        index=index,
        sex=sex,
        birth_date=birth,
        person=clinical.demographics(rng, sex),
        cancer=ctype,
        site=ctype.sites[int(rng.integers(len(ctype.sites)))],
        stage=stage,
        stage_group=stage_group,
        diagnosis_date=diagnosis,
        subtype=subtype,
        ecog=ecog,
        ecog_last=ecog_last,
        alterations=findings,
        panel=panel,
        msi_h=msi_h,
        msi_tested=msi_tested,
        tmb=round(tmb, 1),
        tmb_tested=comprehensive,
        pdl1=pdl1,
        her2_ihc=her2_ihc,
        her2_fish=her2_fish,
        er_pct=er_pct,
        pr_pct=pr_pct,
        conditions=conditions,
        pregnancy=pregnancy,
        surgery=surgery if surgery and surgery < last_contact else None,
        drugs=drugs,
        labs=labs,
        alt_units=alt_units,
        weight=weight,
        height=height,
        covariates=covariates,
        death_date=death_date,
        progression_date=progression,
        last_contact=last_contact,
        lab_date=lab_date,
        marker_date=min(_days(diagnosis, 10 + rng.random() * 20), last_contact),
        first_line=first,
        second_line=second,
    )


def fusion_genes_tested(panel: tuple[str, ...]) -> frozenset[str]:
    return frozenset(g for g in panel if g in FUSION_GENES)
