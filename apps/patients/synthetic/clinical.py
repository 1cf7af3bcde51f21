"""Demographics, performance status, labs, body size, comorbidities and pregnancy of a synthetic patient."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from .codes import ALT_UNITS

T = TypeVar("T")


def pick(rng: np.random.Generator, items: Sequence[tuple[T, float]]) -> T:
    """One item drawn with probability proportional to its weight."""
    total = sum(w for _, w in items)
    u = rng.random() * total
    for item, weight in items:
        u -= weight
        if u < 0:
            return item
    return items[-1][0]


def chance(rng: np.random.Generator, p: float) -> bool:
    return bool(rng.random() < p)


# Invented names and places (common US given and family names; 555-01xx numbers are reserved as fictional).
GIVEN_FEMALE = (
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Barbara",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Lisa",
    "Nancy",
    "Betty",
    "Sandra",
    "Margaret",
    "Ashley",
    "Kimberly",
    "Emily",
    "Donna",
    "Michelle",
    "Carol",
    "Amanda",
    "Melissa",
    "Deborah",
    "Maria",
    "Rosa",
    "Mei",
    "Aisha",
)
GIVEN_MALE = (
    "James",
    "Robert",
    "John",
    "Michael",
    "David",
    "William",
    "Richard",
    "Joseph",
    "Thomas",
    "Charles",
    "Christopher",
    "Daniel",
    "Matthew",
    "Anthony",
    "Mark",
    "Donald",
    "Steven",
    "Paul",
    "Andrew",
    "Joshua",
    "Kenneth",
    "Kevin",
    "Brian",
    "George",
    "Jose",
    "Wei",
    "Omar",
    "Hiroshi",
)
FAMILY = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
)
STREETS = (
    "Maple Street",
    "Oak Avenue",
    "Cedar Lane",
    "Pine Road",
    "Elm Street",
    "Washington Avenue",
    "Lakeview Drive",
    "Hillcrest Road",
    "Park Place",
    "River Road",
    "Sunset Boulevard",
    "Highland Avenue",
)
CITIES = (
    ("Boston", "MA", "021", "617"),
    ("Worcester", "MA", "016", "508"),
    ("Providence", "RI", "029", "401"),
    ("Hartford", "CT", "061", "860"),
    ("Albany", "NY", "122", "518"),
    ("Portland", "ME", "041", "207"),
    ("Manchester", "NH", "031", "603"),
    ("Burlington", "VT", "054", "802"),
)


@dataclass(frozen=True)
class Demographics:
    given: str
    family: str
    mrn: str
    line: str
    city: str
    state: str
    postal_code: str
    phone: str


def demographics(rng: np.random.Generator, sex: str) -> Demographics:
    given = GIVEN_FEMALE if sex == "female" else GIVEN_MALE
    city, state, zip3, area = CITIES[int(rng.integers(len(CITIES)))]
    return Demographics(
        given=given[int(rng.integers(len(given)))],
        family=FAMILY[int(rng.integers(len(FAMILY)))],
        mrn=f"MRN-{int(rng.integers(10**8)):08d}",
        line=f"{int(rng.integers(1, 2000))} {STREETS[int(rng.integers(len(STREETS)))]}",
        city=city,
        state=state,
        postal_code=f"{zip3}{int(rng.integers(100)):02d}",
        phone=f"({area}) 555-01{int(rng.integers(100)):02d}",
    )


# ECOG at diagnosis by stage group (share of 0, 1, 2, 3, 4); unstaged cancers use "advanced".
ECOG_BY_STAGE: dict[str, tuple[float, ...]] = {
    "I": (0.60, 0.32, 0.06, 0.02, 0.00),
    "II": (0.55, 0.35, 0.08, 0.02, 0.00),
    "III": (0.40, 0.42, 0.13, 0.04, 0.01),
    "IV": (0.25, 0.45, 0.20, 0.08, 0.02),
    "advanced": (0.30, 0.45, 0.17, 0.06, 0.02),
}


def ecog_at_diagnosis(rng: np.random.Generator, stage: str | None, age: float) -> int:
    shares = ECOG_BY_STAGE[stage or "advanced"]
    score = pick(rng, list(enumerate(shares)))
    if age >= 75 and score < 4 and chance(rng, 0.2):
        score += 1
    return score


# Reference ranges in the canonical unit: key -> {sex: (low, high)}.
REFERENCE_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "anc": {"female": (1.8, 7.7), "male": (1.8, 7.7)},
    "plt": {"female": (150.0, 400.0), "male": (150.0, 400.0)},
    "hgb": {"female": (12.0, 15.5), "male": (13.5, 17.5)},
    "creat": {"female": (0.5, 1.1), "male": (0.7, 1.3)},
    "bili": {"female": (0.2, 1.2), "male": (0.2, 1.2)},
    "ast": {"female": (10.0, 40.0), "male": (10.0, 40.0)},
    "alt": {"female": (7.0, 56.0), "male": (7.0, 56.0)},
}
DECIMALS = {"anc": 2, "plt": 0, "hgb": 1, "creat": 2, "bili": 1, "ast": 0, "alt": 0}
ALT_DECIMALS = {"anc": 0, "plt": 0, "hgb": 0, "creat": 0, "bili": 0}


def labs(
    rng: np.random.Generator, sex: str, ecog: int, haematological: bool, liver_mets: bool, ckd: bool
) -> dict[str, float]:
    """Lab values in canonical units: log-normal around typical values, worse with ECOG and disease."""
    frail = 0.06 * ecog
    marrow = 0.75 if haematological else 1.0
    values = {
        "anc": 4.0 * marrow * math.exp(rng.normal(-frail, 0.38)),
        "plt": 245.0 * marrow * math.exp(rng.normal(-frail, 0.30)),
        "hgb": (12.9 if sex == "female" else 14.0)
        * (0.92 if haematological else 1.0)
        * math.exp(rng.normal(-frail / 2, 0.09)),
        "creat": (0.78 if sex == "female" else 0.98) * (1.8 if ckd else 1.0) * math.exp(rng.normal(0, 0.22)),
        "bili": 0.6 * (1.4 if liver_mets else 1.0) * math.exp(rng.normal(0, 0.40)),
        "ast": 24.0 * (1.6 if liver_mets else 1.0) * math.exp(rng.normal(0, 0.35)),
        "alt": 22.0 * (1.6 if liver_mets else 1.0) * math.exp(rng.normal(0, 0.45)),
    }
    return {k: round(v, DECIMALS[k]) for k, v in values.items()}


def lab_unit_choice(rng: np.random.Generator, key: str) -> bool:
    """True when this result is reported in its alternative unit (about 1 in 6 where one exists)."""
    return key in ALT_UNITS and chance(rng, 0.17)


def body_size(rng: np.random.Generator, sex: str, metastatic: bool) -> tuple[float, float]:
    """(weight kg, height cm)."""
    height = rng.normal(176.0, 7.0) if sex == "male" else rng.normal(162.0, 6.5)
    bmi = min(max(rng.normal(26.5 - (2.0 if metastatic else 0.0), 4.8), 16.0), 45.0)
    return round(bmi * (height / 100.0) ** 2, 1), round(height, 1)


# Comorbidities: (ICD-10-CM, display, share of patients). Shares are for adults with cancer (see MODEL.md).
COMORBIDITIES: tuple[tuple[str, str, float], ...] = (
    ("I10", "Essential (primary) hypertension", 0.40),
    ("E11.9", "Type 2 diabetes mellitus without complications", 0.18),
    ("J44.9", "Chronic obstructive pulmonary disease, unspecified", 0.08),
    ("N18.3", "Chronic kidney disease, stage 3 (moderate)", 0.07),
    ("B20", "Human immunodeficiency virus [HIV] disease", 0.006),
    ("B18.1", "Chronic viral hepatitis B without delta-agent", 0.01),
    ("B18.2", "Chronic viral hepatitis C", 0.015),
    ("M06.9", "Rheumatoid arthritis, unspecified", 0.02),
    ("K51.90", "Ulcerative colitis, unspecified, without complications", 0.008),
    ("L40.0", "Psoriasis vulgaris", 0.02),
    ("J84.9", "Interstitial pulmonary disease, unspecified", 0.015),
)
# Cancer-specific raised shares of some comorbidities.
COMORBIDITY_BOOST: dict[str, dict[str, float]] = {
    "luad": {"J44.9": 0.25},
    "lusc": {"J44.9": 0.40},
    "sclc": {"J44.9": 0.35},
    "head_neck": {"J44.9": 0.15},
    "liver": {"B18.2": 0.25, "B18.1": 0.12},
    "lymphoma": {"B20": 0.03},
}
# Brain and liver metastases at diagnosis, share of stage IV patients.
BRAIN_METS = {"luad": 0.25, "lusc": 0.15, "sclc": 0.30, "melanoma": 0.30, "breast": 0.12, "kidney": 0.08}
LIVER_METS = {
    "crc": 0.50,
    "pancreas": 0.60,
    "breast": 0.25,
    "luad": 0.20,
    "lusc": 0.15,
    "sclc": 0.35,
    "gastroesophageal": 0.35,
    "melanoma": 0.20,
}
PRIOR_CANCERS: tuple[tuple[str, str, str], ...] = (  # (ICD-10-CM, display, sex or "")
    ("Z85.3", "Personal history of malignant neoplasm of breast", "female"),
    ("Z85.46", "Personal history of malignant neoplasm of prostate", "male"),
    ("Z85.038", "Personal history of other malignant neoplasm of large intestine", ""),
    ("Z85.820", "Personal history of malignant melanoma of skin", ""),
)


def comorbidities(rng: np.random.Generator, cancer: str, sex: str) -> list[tuple[str, str]]:
    boost = COMORBIDITY_BOOST.get(cancer, {})
    found = [(code, display) for code, display, share in COMORBIDITIES if chance(rng, boost.get(code, share))]
    if chance(rng, 0.07):
        options = [(c, d) for c, d, s in PRIOR_CANCERS if s in ("", sex)]
        found.append(options[int(rng.integers(len(options)))])
    return found
