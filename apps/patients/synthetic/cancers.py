"""Cancer types of the synthetic cohort: US incidence, sex, age at diagnosis, stage and baseline survival.

Numbers are approximate and cited in MODEL.md: incidence from ACS Cancer Facts & Figures 2024
(estimated new US cases, thousands), sex shares and median age at diagnosis from SEER Cancer Stat
Facts, stage shares from SEER summary stage mapped to AJCC groups, and baseline median overall
survival (months) for the reference patient (ECOG 0, age 60, no prognostic marker) by stage.
"""

from __future__ import annotations

from dataclasses import dataclass

STAGES = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class CancerType:
    key: str
    label: str
    incidence: float  # thousands of new US cases a year
    male_share: float  # 0 = women only, 1 = men only
    median_age: float
    sites: tuple[tuple[str, str, str], ...]  # (ICD-10-CM code, display, text naming the site and histology)
    histology: str
    snomed: tuple[str, str] | None  # added where ICD-10-CM cannot say the histology
    stage_shares: tuple[float, float, float, float] | None  # None: not staged by AJCC (haematological, CNS)
    median_os: tuple[float, ...]  # months, per stage (one value when not staged)
    weibull_shape: float = 1.1
    solid: bool = True


NSCLC = ("254637007", "Non-small cell lung cancer (disorder)")
LUNG_SITES = (
    ("C34.11", "Malignant neoplasm of upper lobe, right bronchus or lung", "right upper lobe"),
    ("C34.12", "Malignant neoplasm of upper lobe, left bronchus or lung", "left upper lobe"),
    ("C34.2", "Malignant neoplasm of middle lobe, bronchus or lung", "right middle lobe"),
    ("C34.31", "Malignant neoplasm of lower lobe, right bronchus or lung", "right lower lobe"),
    ("C34.32", "Malignant neoplasm of lower lobe, left bronchus or lung", "left lower lobe"),
)

CANCER_TYPES: dict[str, CancerType] = {
    t.key: t
    for t in (
        CancerType(
            "luad",
            "NSCLC, adenocarcinoma",
            136.0,
            0.47,
            70,
            LUNG_SITES,
            "Non-small cell lung cancer, adenocarcinoma",
            NSCLC,
            (0.28, 0.10, 0.17, 0.45),
            (120, 60, 30, 14),
        ),
        CancerType(
            "lusc",
            "NSCLC, squamous cell carcinoma",
            65.7,
            0.58,
            71,
            LUNG_SITES,
            "Non-small cell lung cancer, squamous cell carcinoma",
            NSCLC,
            (0.22, 0.13, 0.25, 0.40),
            (100, 50, 26, 11),
        ),
        CancerType(
            "sclc",
            "Small cell lung cancer",
            32.8,
            0.50,
            68,
            LUNG_SITES,
            "Small cell lung carcinoma",
            ("254632001", "Small cell carcinoma of lung (disorder)"),
            (0.04, 0.04, 0.22, 0.70),
            (40, 25, 16, 9),
        ),
        CancerType(
            "breast",
            "Breast cancer",
            313.5,
            0.009,
            63,
            (
                ("C50.911", "Malignant neoplasm of unspecified site of right female breast", "right breast"),
                ("C50.912", "Malignant neoplasm of unspecified site of left female breast", "left breast"),
                (
                    "C50.411",
                    "Malignant neoplasm of upper-outer quadrant of right female breast",
                    "upper-outer quadrant of the right breast",
                ),
                (
                    "C50.412",
                    "Malignant neoplasm of upper-outer quadrant of left female breast",
                    "upper-outer quadrant of the left breast",
                ),
            ),
            "Invasive ductal carcinoma of the breast",
            ("254837009", "Malignant neoplasm of breast (disorder)"),
            (0.48, 0.33, 0.12, 0.07),
            (400, 200, 100, 40),
        ),
        CancerType(
            "prostate",
            "Prostate adenocarcinoma",
            299.0,
            1.0,
            67,
            (("C61", "Malignant neoplasm of prostate", "prostate"),),
            "Acinar adenocarcinoma of the prostate",
            None,
            (0.25, 0.50, 0.16, 0.09),
            (400, 400, 200, 45),
        ),
        CancerType(
            "crc",
            "Colorectal adenocarcinoma",
            152.8,
            0.54,
            66,
            (
                ("C18.0", "Malignant neoplasm of cecum", "cecum"),
                ("C18.2", "Malignant neoplasm of ascending colon", "ascending colon"),
                ("C18.7", "Malignant neoplasm of sigmoid colon", "sigmoid colon"),
                ("C20", "Malignant neoplasm of rectum", "rectum"),
            ),
            "Adenocarcinoma (colorectal cancer)",
            None,
            (0.22, 0.25, 0.30, 0.23),
            (300, 200, 90, 26),
        ),
        CancerType(
            "melanoma",
            "Cutaneous melanoma",
            100.6,
            0.59,
            66,
            (
                ("C43.59", "Malignant melanoma of other part of trunk", "trunk"),
                ("C43.4", "Malignant melanoma of scalp and neck", "scalp and neck"),
                ("C43.61", "Malignant melanoma of right upper limb, including shoulder", "right upper limb"),
                ("C43.72", "Malignant melanoma of left lower limb, including hip", "left lower limb"),
            ),
            "Cutaneous melanoma",
            None,
            (0.60, 0.20, 0.12, 0.08),
            (400, 200, 90, 36),
        ),
        CancerType(
            "bladder",
            "Urothelial carcinoma of the bladder",
            83.2,
            0.76,
            73,
            (("C67.9", "Malignant neoplasm of bladder, unspecified", "bladder"),),
            "Urothelial carcinoma",
            None,
            (0.45, 0.25, 0.15, 0.15),
            (200, 90, 40, 14),
        ),
        CancerType(
            "kidney",
            "Clear cell renal cell carcinoma",
            81.6,
            0.64,
            65,
            (
                ("C64.1", "Malignant neoplasm of right kidney, except renal pelvis", "right kidney"),
                ("C64.2", "Malignant neoplasm of left kidney, except renal pelvis", "left kidney"),
            ),
            "Clear cell renal cell carcinoma",
            None,
            (0.55, 0.10, 0.17, 0.18),
            (300, 200, 90, 32),
        ),
        CancerType(
            "lymphoma",
            "Diffuse large B-cell lymphoma",
            89.2,
            0.55,
            67,
            (("C83.30", "Diffuse large B-cell lymphoma, unspecified site", "lymph nodes"),),
            "Diffuse large B-cell lymphoma",
            None,
            None,
            (150,),
            0.9,
            False,
        ),
        CancerType(
            "endometrial",
            "Endometrioid endometrial carcinoma",
            67.9,
            0.0,
            63,
            (("C54.1", "Malignant neoplasm of endometrium", "endometrium"),),
            "Endometrioid adenocarcinoma of the endometrium",
            None,
            (0.67, 0.08, 0.15, 0.10),
            (400, 200, 60, 20),
        ),
        CancerType(
            "pancreas",
            "Pancreatic ductal adenocarcinoma",
            66.4,
            0.52,
            70,
            (
                ("C25.0", "Malignant neoplasm of head of pancreas", "head of pancreas"),
                ("C25.1", "Malignant neoplasm of body of pancreas", "body of pancreas"),
                ("C25.2", "Malignant neoplasm of tail of pancreas", "tail of pancreas"),
            ),
            "Pancreatic ductal adenocarcinoma",
            None,
            (0.12, 0.18, 0.18, 0.52),
            (40, 22, 14, 8),
        ),
        CancerType(
            "aml",
            "Acute myeloid leukaemia",
            20.8,
            0.55,
            69,
            (("C92.00", "Acute myeloblastic leukemia, not having achieved remission", "bone marrow"),),
            "Acute myeloid leukemia",
            None,
            None,
            (14,),
            0.9,
            False,
        ),
        CancerType(
            "thyroid",
            "Papillary thyroid carcinoma",
            44.0,
            0.27,
            51,
            (("C73", "Malignant neoplasm of thyroid gland", "thyroid gland"),),
            "Papillary thyroid carcinoma",
            None,
            (0.70, 0.12, 0.13, 0.05),
            (800, 600, 300, 60),
        ),
        CancerType(
            "liver",
            "Hepatocellular carcinoma",
            41.6,
            0.68,
            65,
            (("C22.0", "Liver cell carcinoma", "liver"),),
            "Hepatocellular carcinoma",
            None,
            (0.30, 0.20, 0.25, 0.25),
            (50, 30, 14, 8),
        ),
        CancerType(
            "head_neck",
            "Head and neck squamous cell carcinoma",
            71.1,
            0.74,
            64,
            (
                ("C01", "Malignant neoplasm of base of tongue", "base of tongue"),
                ("C02.9", "Malignant neoplasm of tongue, unspecified", "oral tongue"),
                ("C10.9", "Malignant neoplasm of oropharynx, unspecified", "oropharynx"),
                ("C32.9", "Malignant neoplasm of larynx, unspecified", "larynx"),
            ),
            "Squamous cell carcinoma (head and neck)",
            None,
            (0.15, 0.15, 0.25, 0.45),
            (200, 100, 50, 14),
        ),
        CancerType(
            "myeloma",
            "Plasma cell myeloma",
            35.8,
            0.56,
            69,
            (("C90.00", "Multiple myeloma not having achieved remission", "bone marrow"),),
            "Multiple myeloma",
            None,
            None,
            (70,),
            1.0,
            False,
        ),
        CancerType(
            "gastroesophageal",
            "Gastric or oesophageal adenocarcinoma",
            49.3,
            0.68,
            68,
            (
                ("C16.0", "Malignant neoplasm of cardia", "gastric cardia"),
                ("C16.9", "Malignant neoplasm of stomach, unspecified", "stomach"),
                ("C15.5", "Malignant neoplasm of lower third of esophagus", "distal esophagus"),
            ),
            "Adenocarcinoma (gastroesophageal)",
            None,
            (0.20, 0.15, 0.25, 0.40),
            (120, 50, 22, 11),
        ),
        CancerType(
            "ovarian",
            "High-grade serous ovarian carcinoma",
            19.7,
            0.0,
            63,
            (
                ("C56.1", "Malignant neoplasm of right ovary", "right ovary"),
                ("C56.2", "Malignant neoplasm of left ovary", "left ovary"),
            ),
            "High-grade serous carcinoma of the ovary",
            None,
            (0.18, 0.07, 0.45, 0.30),
            (300, 150, 50, 30),
        ),
        CancerType(
            "glioma",
            "Diffuse glioma",
            19.0,
            0.56,
            58,
            (("C71.9", "Malignant neoplasm of brain, unspecified", "brain"),),
            "Diffuse glioma",
            None,
            None,
            (30,),
            1.2,
            True,
        ),
    )
}

TOTAL_INCIDENCE = sum(t.incidence for t in CANCER_TYPES.values())
TYPE_SHARES: dict[str, float] = {k: t.incidence / TOTAL_INCIDENCE for k, t in CANCER_TYPES.items()}
FEMALE_ONLY = frozenset(k for k, t in CANCER_TYPES.items() if t.male_share == 0.0)
MALE_ONLY = frozenset(k for k, t in CANCER_TYPES.items() if t.male_share == 1.0)
