"""Seeded synthetic patients (PatientRecord) and trials (criterion dicts) for the matching benchmark.

Distributions are plausible for an oncology clinic, not fitted: common cancers and stages, lab values near
their normal ranges with tails, panel testing for some patients (tested genes negative unless a variant is
listed), biomarkers, prior regimens with DrugBank ids and classes, and criteria drawn from the templates
eligibility texts use most (age, cancer type, stage, alteration, ECOG, labs, prior therapy, washout,
brain metastases, pregnancy, non-computable items).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from apps.matching.records import (
    BiomarkerFact,
    DiagnosisFact,
    FindingFact,
    LabFact,
    PatientRecord,
    PerformanceFact,
    PregnancyFact,
    TherapyFact,
)

CANCERS = [
    ("LUAD", 18),
    ("LUSC", 6),
    ("IDC", 14),
    ("COAD", 9),
    ("READ", 3),
    ("PAAD", 5),
    ("SKCM", 5),
    ("UEC", 4),
    ("PRAD", 10),
    ("BLCA", 4),
    ("HGSOC", 3),
    ("STAD", 3),
    ("HNSC", 3),
    ("AML", 3),
    ("THPA", 2),
    ("SCLC", 3),
]
STAGES = ["I", "IA", "II", "IIB", "III", "IIIA", "IIIB", "IIIC", "IV", "IVA", "IVB"]
LABS = [  # loinc, unit, low, high, mean, sd
    ("751-8", "10*3/uL", 1.8, 7.7, 4.0, 1.6),
    ("777-3", "10*3/uL", 150.0, 400.0, 230.0, 70.0),
    ("718-7", "g/dL", 12.0, 15.5, 12.5, 1.8),
    ("2160-0", "mg/dL", 0.5, 1.2, 0.95, 0.35),
    ("1975-2", "mg/dL", 0.2, 1.2, 0.7, 0.4),
    ("1920-8", "U/L", 10.0, 40.0, 30.0, 22.0),
    ("1742-6", "U/L", 7.0, 56.0, 30.0, 25.0),
]
PANEL = ["EGFR", "KRAS", "BRAF", "ALK", "ROS1", "PIK3CA", "ERBB2", "NTRK1", "MET", "TP53"]
VARIANTS = [  # gene, protein_change, short, codon, exon, class
    ("EGFR", "p.Leu747_Thr751del", "L747_T751del", 747, 19, "DEL"),
    ("EGFR", "p.Glu746_Ala750del", "E746_A750del", 746, 19, "DEL"),
    ("EGFR", "p.Leu858Arg", "L858R", 858, 21, "SNV"),
    ("EGFR", "p.Ser768_Asp770dup", "S768_D770dup", 768, 20, "INS"),
    ("KRAS", "p.Gly12Cys", "G12C", 12, 2, "SNV"),
    ("KRAS", "p.Gly12Asp", "G12D", 12, 2, "SNV"),
    ("KRAS", "p.Gly12Val", "G12V", 12, 2, "SNV"),
    ("KRAS", "p.Gly13Asp", "G13D", 13, 2, "SNV"),
    ("BRAF", "p.Val600Glu", "V600E", 600, 15, "SNV"),
    ("BRAF", "p.Val600Lys", "V600K", 600, 15, "SNV"),
    ("PIK3CA", "p.His1047Arg", "H1047R", 1047, 20, "SNV"),
    ("PIK3CA", "p.Glu545Lys", "E545K", 545, 9, "SNV"),
    ("TP53", "p.Arg273His", "R273H", 273, 8, "SNV"),
    ("ERBB2", "", "", None, None, "AMP"),
    ("ALK", "", "", None, None, "FUSION"),
    ("ROS1", "", "", None, None, "FUSION"),
    ("NTRK1", "", "", None, None, "FUSION"),
    ("MET", "p.Asp1010His", "D1010H", 1010, 14, "SNV"),
]
PARTNERS = {"ALK": "EML4", "ROS1": "CD74", "NTRK1": "TPM3"}
DRUGS = [  # name, DrugBank id, classes
    ("carboplatin", "DB00958", ("chemotherapy", "platinum")),
    ("cisplatin", "DB00515", ("chemotherapy", "platinum")),
    ("pemetrexed", "DB00642", ("antimetabolite", "chemotherapy")),
    ("paclitaxel", "DB01229", ("chemotherapy", "microtubule_inhibitor", "taxane")),
    ("docetaxel", "DB01248", ("chemotherapy", "microtubule_inhibitor", "taxane")),
    (
        "pembrolizumab",
        "DB09037",
        ("anti_pd_1", "anti_pd_1_pd_l1", "immune_checkpoint_inhibitor", "immunotherapy"),
    ),
    (
        "nivolumab",
        "DB09035",
        ("anti_pd_1", "anti_pd_1_pd_l1", "immune_checkpoint_inhibitor", "immunotherapy"),
    ),
    ("osimertinib", "DB09330", ("egfr_tki", "kinase_inhibitor", "targeted_therapy", "tki")),
    ("trastuzumab", "DB00072", ("anti_her2", "targeted_therapy")),
    ("fluorouracil", "DB00544", ("antimetabolite", "chemotherapy", "fluoropyrimidine")),
    ("oxaliplatin", "DB00526", ("chemotherapy", "platinum")),
    ("vemurafenib", "DB08881", ("braf_inhibitor", "kinase_inhibitor", "targeted_therapy")),
]
COMORBIDITIES = [
    ("J84.9", "Interstitial lung disease", 0.02),
    ("B20", "HIV disease", 0.01),
    ("E11.9", "Type 2 diabetes mellitus", 0.12),
    ("I50.9", "Heart failure", 0.04),
]


def patients(n: int, seed: int = 0, as_of: dt.date = dt.date(2026, 11, 1)) -> list[PatientRecord]:
    rng = random.Random(seed)
    codes, weights = zip(*CANCERS, strict=True)
    today = as_of.toordinal()
    out = []
    for i in range(n):
        key = f"P{seed}-{i}"

        def when(lo: int, hi: int) -> dt.date:
            return dt.date.fromordinal(today - rng.randint(lo, hi))

        sex = rng.choices(("female", "male", "unknown"), (52, 47, 1))[0]
        age = min(95, max(19, int(rng.gauss(63, 12))))
        birth = None if rng.random() < 0.02 else dt.date.fromordinal(today - age * 365 - rng.randint(0, 364))
        cancer = rng.choices(codes, weights)[0]
        onset = when(60, 2000)
        diagnoses = [
            DiagnosisFact(
                "cancer",
                "ICD-10-CM",
                "",
                "",
                cancer,
                "" if rng.random() < 0.1 or cancer == "AML" else rng.choice(STAGES),
                is_primary=True,
                source=f"Condition/{key}-c",
                date=onset,
            )
        ]
        if rng.random() < 0.1:
            diagnoses.append(
                DiagnosisFact(
                    "metastasis",
                    "ICD-10-CM",
                    "C79.31",
                    "Brain metastases",
                    source=f"Condition/{key}-b",
                    date=when(0, 400),
                )
            )
        if rng.random() < 0.15:
            diagnoses.append(
                DiagnosisFact(
                    "metastasis",
                    "ICD-10-CM",
                    "C78.7",
                    "Liver metastases",
                    source=f"Condition/{key}-l",
                    date=when(0, 400),
                )
            )
        for code, name, p in COMORBIDITIES:
            if rng.random() < p:
                diagnoses.append(
                    DiagnosisFact(
                        "comorbidity",
                        "ICD-10-CM",
                        code,
                        name,
                        source=f"Condition/{key}-{code}",
                        date=when(100, 3000),
                    )
                )
        labs = []
        if rng.random() < 0.92:
            # Most panels are recent enough for a trial's look-back window (28 days), some are not.
            lab_day = when(0, 27) if rng.random() < 0.95 else when(29, 90)
            for loinc, unit, low, high, mean, sd in LABS:
                if rng.random() < 0.95:
                    value = round(max(0.05, rng.gauss(mean, sd)), 2)
                    labs.append(
                        LabFact(
                            loinc,
                            value,
                            unit,
                            low,
                            high,
                            source=f"Observation/{key}-{loinc}",
                            date=lab_day,
                        )
                    )
            if rng.random() < 0.8:
                labs.append(
                    LabFact(
                        "29463-7",
                        round(rng.gauss(72, 14), 1),
                        "kg",
                        source=f"Observation/{key}-w",
                        date=when(0, 50),
                    )
                )
        performance = []
        r = rng.random()
        if r < 0.8:
            performance.append(
                PerformanceFact(
                    "ECOG",
                    rng.choices((0, 1, 2, 3), (35, 40, 18, 7))[0],
                    source=f"Observation/{key}-e",
                    date=when(0, 90),
                )
            )
        elif r < 0.9:
            performance.append(
                PerformanceFact(
                    "KPS", rng.choice((60, 70, 80, 90, 100)), source=f"Observation/{key}-k", date=when(0, 90)
                )
            )
        findings = []
        if rng.random() < 0.75:
            tested = PANEL if rng.random() < 0.5 else rng.sample(PANEL, rng.randint(3, len(PANEL)))
            found = {}
            for gene, protein, short, codon, exon, klass in VARIANTS:
                if gene in tested and gene not in found and rng.random() < 0.08:
                    found[gene] = (protein, short, codon, exon, klass)
            for gene in tested:
                if gene in found:
                    protein, short, codon, exon, klass = found[gene]
                    partner = PARTNERS.get(gene, "") if klass == "FUSION" else ""
                    findings.append(
                        FindingFact(
                            gene,
                            True,
                            protein,
                            short,
                            codon,
                            "",
                            exon,
                            klass,
                            partner,
                            0.3,
                            "somatic",
                            f"Observation/{key}-{gene}",
                            onset,
                        )
                    )
                else:
                    findings.append(
                        FindingFact(
                            gene,
                            False,
                            variant_class="NEGATIVE",
                            origin="somatic",
                            source=f"Observation/{key}-{gene}",
                            date=onset,
                        )
                    )
        biomarkers = []
        if rng.random() < 0.4:
            biomarkers.append(
                BiomarkerFact(
                    "TMB", round(rng.lognormvariate(1.5, 0.9), 1), source=f"Observation/{key}-t", date=onset
                )
            )
        if rng.random() < 0.3:
            biomarkers.append(
                BiomarkerFact(
                    "MSI",
                    result="MSI-H" if rng.random() < 0.06 else "MSS",
                    source=f"Observation/{key}-m",
                    date=onset,
                )
            )
        if rng.random() < 0.4:
            biomarkers.append(
                BiomarkerFact(
                    "PD-L1",
                    float(rng.choice((0, 1, 5, 20, 50, 80))),
                    scoring=rng.choice(("TPS", "TPS", "CPS")),
                    clone=rng.choice(("22C3", "SP263")),
                    source=f"Observation/{key}-p",
                    date=onset,
                )
            )
        if cancer in ("IDC", "STAD") or rng.random() < 0.05:
            biomarkers.append(
                BiomarkerFact(
                    "HER2-IHC",
                    result=rng.choice(("0", "1+", "2+", "3+")),
                    source=f"Observation/{key}-h",
                    date=onset,
                )
            )
            if rng.random() < 0.4:
                biomarkers.append(
                    BiomarkerFact(
                        "HER2-ISH",
                        result=rng.choice(("amplified", "not-amplified")),
                        source=f"Observation/{key}-hi",
                        date=onset,
                    )
                )
        if cancer in ("IDC", "UEC"):
            for marker in ("ER", "PR"):
                biomarkers.append(
                    BiomarkerFact(
                        marker,
                        result=rng.choice(("positive", "positive", "negative")),
                        source=f"Observation/{key}-{marker}",
                        date=onset,
                    )
                )
        therapies = []
        for line in range(1, rng.choices((0, 1, 2, 3), (40, 30, 20, 10))[0] + 1):
            start = when(20, 900)
            for name, dbid, classes in rng.sample(DRUGS, rng.randint(1, 2)):
                end = start + dt.timedelta(days=rng.randint(0, 180))
                therapies.append(
                    TherapyFact(
                        name,
                        dbid,
                        classes,
                        end if end <= as_of else None,
                        line,
                        "completed" if end <= as_of else "active",
                        source=f"MedicationStatement/{key}-{line}-{dbid}",
                        date=start,
                    )
                )
        pregnancy = []
        if sex == "female" and age < 50 and rng.random() < 0.8:
            pregnancy.append(
                PregnancyFact(
                    "pregnant" if rng.random() < 0.02 else "not_pregnant",
                    source=f"Observation/{key}-preg",
                    date=when(0, 60),
                )
            )
        out.append(
            PatientRecord(
                key,
                sex,
                birth,
                tuple(diagnoses),
                tuple(labs),
                tuple(performance),
                tuple(findings),
                tuple(biomarkers),
                tuple(therapies),
                (),
                tuple(pregnancy),
            )
        )
    return out


TRIAL_CANCERS = [
    ("NSCLC", 20),
    ("LUAD", 6),
    ("BRCA", 12),
    ("COADREAD", 8),
    ("MEL", 5),
    ("PAAD", 5),
    ("UEC", 4),
    ("PRAD", 8),
    ("BLCA", 4),
    ("STAD", 3),
    ("HNSC", 3),
    ("AML", 3),
    ("SCLC", 3),
]
ALTERATIONS: list[dict[str, Any]] = [
    {"gene": "EGFR", "exon": 19, "variant_class": "deletion"},
    {"gene": "EGFR", "protein": "L858R"},
    {"gene": "EGFR", "exon": 20, "variant_class": "insertion"},
    {"gene": "KRAS", "protein": "G12C"},
    {"gene": "KRAS", "protein": "p.G12D"},
    {"gene": "KRAS", "codon": 12},
    {"gene": "BRAF", "protein": "p.Val600Glu"},
    {"gene": "BRAF", "protein": "V600"},
    {"gene": "ALK", "variant_class": "fusion"},
    {"gene": "ROS1", "variant_class": "fusion", "partner": "CD74"},
    {"gene": "NTRK1", "variant_class": "fusion"},
    {"gene": "ERBB2", "variant_class": "amplification"},
    {"gene": "PIK3CA", "variant_class": "activating mutation"},
    {"gene": "MET", "exon": 14},
    {"gene": "KRAS", "variant_class": "wild_type"},
    {"gene": "BRCA2", "variant_class": "mutation", "origin": "germline"},
]


def _c(cid: str, section: str, kind: str, rule: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "section": section,
        "text": "",
        "span": [0, 0],
        "kind": kind,
        "computable": True,
        "negated": False,
        "entities": [],
        "rule": rule,
        **extra,
    }


def trial(rng: random.Random) -> list[dict[str, Any]]:
    codes, weights = zip(*TRIAL_CANCERS, strict=True)
    inc: list[dict[str, Any]] = []
    exc: list[dict[str, Any]] = []

    def add(kind: str, rule: dict[str, Any], exclusion: bool = False, **extra: Any) -> None:
        where = exc if exclusion else inc
        where.append(
            _c(
                f"{'E' if exclusion else 'I'}{len(where) + 1}",
                "exclusion" if exclusion else "inclusion",
                kind,
                rule,
                **extra,
            )
        )

    add(
        "age",
        {"min": rng.choice((18, 18, 18, 12)), "unit": "a", **({"max": 75} if rng.random() < 0.1 else {})},
    )
    if rng.random() < 0.3:
        add("diagnosis", {"any_solid": True})
    else:
        add("diagnosis", {"oncotree": sorted(set(rng.choices(codes, weights, k=rng.choice((1, 1, 2)))))})
    if rng.random() < 0.4:
        add("stage", {"stages": rng.choice((["III", "IV"], ["IIIB", "IIIC", "IV"], ["IV"]))})
    if rng.random() < 0.6:
        picks = rng.sample(ALTERATIONS, rng.choice((1, 1, 2)))
        if len(picks) == 1:
            add("alteration", dict(picks[0]))
        else:
            children = [
                _c(f"I{len(inc) + 1}.{j + 1}", "inclusion", "alteration", dict(p))
                for j, p in enumerate(picks)
            ]
            add("group", {}, operator="any", children=children)
    if rng.random() < 0.05:
        add("tmb", {"min": 10.0})
    if rng.random() < 0.05:
        add("msi", {"status": "MSI-H"})
    if rng.random() < 0.1:
        add("expression", {"marker": "PD-L1", "scoring": "TPS", "assay": "22C3", "min": rng.choice((1, 50))})
    if rng.random() < 0.1:
        add("expression", {"marker": "HER2", "result": rng.choice(("positive", "low", "negative"))})
    if rng.random() < 0.08:
        add("expression", {"marker": "ER", "result": "positive"})
    if rng.random() < 0.85:
        add("performance_status", {"scale": "ECOG", "max": rng.choice((1, 2))})
    else:
        add("performance_status", {"scale": "KPS", "min": rng.choice((60, 70))})
    if rng.random() < 0.6:
        add("measurement", {"loinc": "751-8", "min": rng.choice((1.0, 1.5)), "unit": "10*9/L"})
        add("measurement", {"loinc": "777-3", "min": rng.choice((75, 100)), "unit": "10*3/uL"})
        add("measurement", {"loinc": "718-7", "min": rng.choice((8, 9)), "unit": "g/dL"})
        add("measurement", {"loinc": "1975-2", "max": 1.5, "relative_to": "ULN"})
        liver = (
            [{"condition": "liver metastases", "max": 5, "relative_to": "ULN"}] if rng.random() < 0.5 else []
        )
        for loinc in ("1920-8", "1742-6"):
            add(
                "measurement",
                {"loinc": loinc, "max": rng.choice((2.5, 3)), "relative_to": "ULN", "alternatives": liver},
            )
        renal = [
            _c(
                f"I{len(inc) + 1}.1",
                "inclusion",
                "measurement",
                {"loinc": "2160-0", "max": 1.5, "relative_to": "ULN"},
            ),
            _c(
                f"I{len(inc) + 1}.2",
                "inclusion",
                "measurement",
                {"loinc": "2164-2", "min": rng.choice((40, 50, 60)), "unit": "mL/min"},
            ),
        ]
        add("group", {}, operator="any", children=renal)
    if rng.random() < 0.2:
        add("prior_therapy", {"classes": ["platinum"], "min_lines": 1})
    if rng.random() < 0.05:
        add("prior_therapy", {"max_lines": rng.choice((0, 2, 3))})
    if rng.random() < 0.2:
        add("measurable_disease", {}, computable=False)
    add("administrative", {})
    if rng.random() < 0.3:
        add("prior_therapy", {"classes": ["anti_pd_1"]}, exclusion=True)
    if rng.random() < 0.25:
        add("washout", {"any_anticancer": True, "days": rng.choice((14, 21, 28))}, exclusion=True)
    if rng.random() < 0.2:
        add("condition", {"condition": "brain metastases", "qualifier": "active"}, exclusion=True)
    if rng.random() < 0.15:
        add("condition", {"condition": "interstitial lung disease"}, exclusion=True)
    if rng.random() < 0.15:
        children = [
            _c(f"E{len(exc) + 1}.1", "exclusion", "condition", {"condition": "hiv"}),
            _c(f"E{len(exc) + 1}.2", "exclusion", "condition", {"condition": "hepatitis b"}),
        ]
        add("group", {}, exclusion=True, operator="any", children=children)
    if rng.random() < 0.8:
        add("pregnancy", {}, exclusion=True)
    if rng.random() < 0.1:
        add("life_expectancy", {}, computable=False)
    return inc + exc


def trials(m: int, seed: int = 0) -> list[list[dict[str, Any]]]:
    rng = random.Random(seed + 7919)
    return [trial(rng) for _ in range(m)]
