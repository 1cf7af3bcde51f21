"""Lines of systemic therapy by cancer type, stage and biomarker: real regimens as drug lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

UNTIL_PROGRESSION = -1


@dataclass(frozen=True)
class Regimen:
    name: str
    drugs: tuple[
        tuple[str, int], ...
    ]  # (ingredient, days given at most; UNTIL_PROGRESSION = until progression)
    kind: str  # chemotherapy, targeted, immunotherapy, hormonal, chemoimmunotherapy


def _r(name: str, kind: str, *drugs: tuple[str, int]) -> Regimen:
    return Regimen(name, drugs, kind)


UP = UNTIL_PROGRESSION
REGIMENS: dict[str, Regimen] = {
    "osimertinib": _r("osimertinib", "targeted", ("osimertinib", UP)),
    "alectinib": _r("alectinib", "targeted", ("alectinib", UP)),
    "lorlatinib": _r("lorlatinib", "targeted", ("lorlatinib", UP)),
    "crizotinib": _r("crizotinib", "targeted", ("crizotinib", UP)),
    "selpercatinib": _r("selpercatinib", "targeted", ("selpercatinib", UP)),
    "larotrectinib": _r("larotrectinib", "targeted", ("larotrectinib", UP)),
    "capmatinib": _r("capmatinib", "targeted", ("capmatinib", UP)),
    "dabrafenib_trametinib": _r(
        "dabrafenib + trametinib", "targeted", ("dabrafenib", UP), ("trametinib", UP)
    ),
    "sotorasib": _r("sotorasib", "targeted", ("sotorasib", UP)),
    "carbo_pem_pembro": _r(
        "carboplatin + pemetrexed + pembrolizumab",
        "chemoimmunotherapy",
        ("carboplatin", 84),
        ("pemetrexed", UP),
        ("pembrolizumab", 730),
    ),
    "carbo_pem": _r("carboplatin + pemetrexed", "chemotherapy", ("carboplatin", 84), ("pemetrexed", UP)),
    "carbo_pacli_pembro": _r(
        "carboplatin + paclitaxel + pembrolizumab",
        "chemoimmunotherapy",
        ("carboplatin", 84),
        ("paclitaxel", 84),
        ("pembrolizumab", 730),
    ),
    "pembrolizumab": _r("pembrolizumab", "immunotherapy", ("pembrolizumab", 730)),
    "docetaxel": _r("docetaxel", "chemotherapy", ("docetaxel", 126)),
    "carbo_etop_atezo": _r(
        "carboplatin + etoposide + atezolizumab",
        "chemoimmunotherapy",
        ("carboplatin", 84),
        ("etoposide", 84),
        ("atezolizumab", UP),
    ),
    "topotecan": _r("topotecan", "chemotherapy", ("topotecan", 105)),
    "chemoradiation_durvalumab": _r(
        "carboplatin + paclitaxel (with radiation), then durvalumab",
        "chemoimmunotherapy",
        ("carboplatin", 42),
        ("paclitaxel", 42),
        ("durvalumab", 365),
    ),
    "cis_pem": _r("cisplatin + pemetrexed (adjuvant)", "chemotherapy", ("cisplatin", 84), ("pemetrexed", 84)),
    "thp": _r(
        "trastuzumab + pertuzumab + docetaxel",
        "chemotherapy",
        ("trastuzumab", UP),
        ("pertuzumab", UP),
        ("docetaxel", 126),
    ),
    "t_dxd": _r("fam-trastuzumab deruxtecan", "targeted", ("fam-trastuzumab deruxtecan", UP)),
    "letrozole_palbociclib": _r(
        "letrozole + palbociclib", "hormonal", ("letrozole", UP), ("palbociclib", UP)
    ),
    "fulvestrant_alpelisib": _r(
        "fulvestrant + alpelisib", "hormonal", ("fulvestrant", UP), ("alpelisib", UP)
    ),
    "fulvestrant": _r("fulvestrant", "hormonal", ("fulvestrant", UP)),
    "pembro_pacli": _r(
        "pembrolizumab + paclitaxel", "chemoimmunotherapy", ("pembrolizumab", 730), ("paclitaxel", 126)
    ),
    "carbo_gem": _r("carboplatin + gemcitabine", "chemotherapy", ("carboplatin", 126), ("gemcitabine", 126)),
    "olaparib": _r("olaparib", "targeted", ("olaparib", UP)),
    "anastrozole": _r("anastrozole (adjuvant)", "hormonal", ("anastrozole", 1825)),
    "tamoxifen": _r("tamoxifen (adjuvant)", "hormonal", ("tamoxifen", 1825)),
    "ac_t": _r(
        "doxorubicin + cyclophosphamide, then paclitaxel",
        "chemotherapy",
        ("doxorubicin", 56),
        ("cyclophosphamide", 56),
        ("paclitaxel", 84),
    ),
    "tp_adjuvant": _r(
        "paclitaxel + trastuzumab (adjuvant)", "chemotherapy", ("paclitaxel", 84), ("trastuzumab", 365)
    ),
    "folfox_bev": _r(
        "FOLFOX + bevacizumab",
        "chemotherapy",
        ("fluorouracil", 168),
        ("leucovorin", 168),
        ("oxaliplatin", 168),
        ("bevacizumab", UP),
    ),
    "folfiri_bev": _r(
        "FOLFIRI + bevacizumab",
        "chemotherapy",
        ("fluorouracil", 168),
        ("leucovorin", 168),
        ("irinotecan", 168),
        ("bevacizumab", UP),
    ),
    "encorafenib_cetuximab": _r(
        "encorafenib + cetuximab", "targeted", ("encorafenib", UP), ("cetuximab", UP)
    ),
    "capox": _r("CAPOX (adjuvant)", "chemotherapy", ("capecitabine", 90), ("oxaliplatin", 90)),
    "folfirinox": _r(
        "FOLFIRINOX",
        "chemotherapy",
        ("fluorouracil", 168),
        ("leucovorin", 168),
        ("irinotecan", 168),
        ("oxaliplatin", 168),
    ),
    "gem_nabpac": _r(
        "gemcitabine + nab-paclitaxel", "chemotherapy", ("gemcitabine", 168), ("paclitaxel", 168)
    ),
    "nivo_ipi": _r("nivolumab + ipilimumab", "immunotherapy", ("nivolumab", 730), ("ipilimumab", 84)),
    "nivolumab_adjuvant": _r("nivolumab (adjuvant)", "immunotherapy", ("nivolumab", 365)),
    "adt_abiraterone": _r(
        "leuprolide + abiraterone + prednisone",
        "hormonal",
        ("leuprolide", UP),
        ("abiraterone", UP),
        ("prednisone", UP),
    ),
    "adt_enzalutamide": _r("leuprolide + enzalutamide", "hormonal", ("leuprolide", UP), ("enzalutamide", UP)),
    "gem_cis": _r("gemcitabine + cisplatin", "chemotherapy", ("gemcitabine", 126), ("cisplatin", 126)),
    "erdafitinib": _r("erdafitinib", "targeted", ("erdafitinib", UP)),
    "pembro_axitinib": _r(
        "pembrolizumab + axitinib", "immunotherapy", ("pembrolizumab", 730), ("axitinib", UP)
    ),
    "cabozantinib": _r("cabozantinib", "targeted", ("cabozantinib", UP)),
    "carbo_pacli": _r("carboplatin + paclitaxel", "chemotherapy", ("carboplatin", 126), ("paclitaxel", 126)),
    "carbo_pacli_dostarlimab": _r(
        "carboplatin + paclitaxel + dostarlimab",
        "chemoimmunotherapy",
        ("carboplatin", 126),
        ("paclitaxel", 126),
        ("dostarlimab", UP),
    ),
    "pembro_lenvatinib": _r(
        "pembrolizumab + lenvatinib", "immunotherapy", ("pembrolizumab", 730), ("lenvatinib", UP)
    ),
    "capox_trastuzumab_pembro": _r(
        "capecitabine + oxaliplatin + trastuzumab + pembrolizumab",
        "chemoimmunotherapy",
        ("capecitabine", 126),
        ("oxaliplatin", 126),
        ("trastuzumab", UP),
        ("pembrolizumab", 730),
    ),
    "folfox_nivolumab": _r(
        "FOLFOX + nivolumab",
        "chemoimmunotherapy",
        ("fluorouracil", 168),
        ("leucovorin", 168),
        ("oxaliplatin", 168),
        ("nivolumab", 730),
    ),
    "paclitaxel_ramucirumab": _r(
        "paclitaxel + ramucirumab", "chemotherapy", ("paclitaxel", UP), ("ramucirumab", UP)
    ),
    "carbo_5fu_pembro": _r(
        "carboplatin + fluorouracil + pembrolizumab",
        "chemoimmunotherapy",
        ("carboplatin", 126),
        ("fluorouracil", 126),
        ("pembrolizumab", 730),
    ),
    "cetuximab": _r("cetuximab", "targeted", ("cetuximab", UP)),
    "cisplatin_radiation": _r("cisplatin (with radiation)", "chemotherapy", ("cisplatin", 49)),
    "lenvatinib": _r("lenvatinib", "targeted", ("lenvatinib", UP)),
    "atezo_bev": _r("atezolizumab + bevacizumab", "immunotherapy", ("atezolizumab", UP), ("bevacizumab", UP)),
    "sorafenib": _r("sorafenib", "targeted", ("sorafenib", UP)),
    "temozolomide": _r("temozolomide (with radiation, then adjuvant)", "chemotherapy", ("temozolomide", 224)),
    "lomustine": _r("lomustine", "chemotherapy", ("lomustine", 126)),
    "seven_three_midostaurin": _r(
        "cytarabine + daunorubicin + midostaurin",
        "targeted",
        ("cytarabine", 35),
        ("daunorubicin", 35),
        ("midostaurin", 120),
    ),
    "seven_three": _r("cytarabine + daunorubicin", "chemotherapy", ("cytarabine", 35), ("daunorubicin", 35)),
    "aza_venetoclax": _r("azacitidine + venetoclax", "chemotherapy", ("azacitidine", UP), ("venetoclax", UP)),
    "gilteritinib": _r("gilteritinib", "targeted", ("gilteritinib", UP)),
    "r_chop": _r(
        "R-CHOP",
        "chemotherapy",
        ("rituximab", 126),
        ("cyclophosphamide", 126),
        ("doxorubicin", 126),
        ("vincristine", 126),
        ("prednisone", 126),
    ),
    "polatuzumab_br": _r(
        "polatuzumab vedotin + bendamustine + rituximab",
        "chemotherapy",
        ("polatuzumab vedotin", 126),
        ("bendamustine", 126),
        ("rituximab", 126),
    ),
    "vrd": _r(
        "bortezomib + lenalidomide + dexamethasone",
        "chemotherapy",
        ("bortezomib", 168),
        ("lenalidomide", UP),
        ("dexamethasone", 168),
    ),
    "dara_pd": _r(
        "daratumumab + pomalidomide + dexamethasone",
        "chemotherapy",
        ("daratumumab", UP),
        ("pomalidomide", UP),
        ("dexamethasone", UP),
    ),
}

IMMUNOTHERAPY_DRUGS = frozenset({"pembrolizumab", "nivolumab", "atezolizumab", "durvalumab", "dostarlimab"})


@dataclass(frozen=True)
class TherapyContext:
    """What the treating oncologist knows at diagnosis (only tested results count)."""

    cancer: str
    stage: str | None
    advanced: bool
    subtype: str | None
    known: frozenset[str]  # allele keys detected by a test
    actionable: str | None  # first-line targeted therapy key for a known driver
    msi_h: bool  # known MSI-H
    pdl1_high: bool  # TPS >= 50% or CPS >= 10
    age: float


Picker = Callable[[float], bool]  # draws True with the given probability


def _has(ctx: TherapyContext, prefix: str) -> bool:
    return any(k.startswith(prefix) for k in ctx.known)


TARGETED_FIRST: dict[str, tuple[str, str]] = {  # actionable key -> (first line, second line)
    "egfr": ("osimertinib", "carbo_pem"),
    "alk": ("alectinib", "lorlatinib"),
    "ros1": ("crizotinib", "carbo_pem"),
    "ret": ("selpercatinib", "carbo_pem_pembro"),
    "ntrk": ("larotrectinib", "carbo_pem"),
    "braf": ("dabrafenib_trametinib", "carbo_pem_pembro"),
    "met": ("capmatinib", "carbo_pem_pembro"),
    "flt3": ("seven_three_midostaurin", "gilteritinib"),
}


def plan(ctx: TherapyContext, chance: Picker) -> tuple[str | None, str | None]:
    """(first line, second line) regimen keys; None when no systemic therapy is given."""
    c, adv = ctx.cancer, ctx.advanced
    if ctx.actionable and adv and ctx.actionable in TARGETED_FIRST and chance(0.9):
        first, second = TARGETED_FIRST[ctx.actionable]
        if ctx.cancer == "melanoma" and ctx.actionable == "braf":
            second = "nivo_ipi"
        return first, second
    if c in ("luad", "lusc"):
        if not adv:
            return (
                ("chemoradiation_durvalumab", "carbo_pem_pembro")
                if ctx.stage == "III"
                else (("cis_pem", "carbo_pem_pembro") if chance(0.4) else (None, "carbo_pem_pembro"))
            )
        second = "sotorasib" if _has(ctx, "KRAS_G12C") else "docetaxel"
        if c == "lusc":
            return "carbo_pacli_pembro", second
        return ("pembrolizumab" if ctx.pdl1_high and chance(0.6) else "carbo_pem_pembro"), second
    if c == "sclc":
        return "carbo_etop_atezo", "topotecan"
    if c == "breast":
        her2 = ctx.subtype in ("HR+/HER2+", "HR-/HER2+")
        if not adv:
            if her2:
                return "tp_adjuvant", "thp"
            if ctx.subtype == "TNBC":
                return "ac_t", "pembro_pacli"
            return ("anastrozole" if ctx.age >= 55 else "tamoxifen"), "letrozole_palbociclib"
        if her2:
            return "thp", "t_dxd"
        if ctx.subtype == "TNBC":
            return ("pembro_pacli" if ctx.pdl1_high else "carbo_gem"), (
                "olaparib" if _has(ctx, "BRCA") else "t_dxd"
            )
        return "letrozole_palbociclib", ("fulvestrant_alpelisib" if _has(ctx, "PIK3CA") else "fulvestrant")
    if c in ("crc", "endometrial", "gastroesophageal") and ctx.msi_h and adv and chance(0.85):
        return "pembrolizumab", {
            "crc": "folfox_bev",
            "endometrial": "carbo_pacli",
            "gastroesophageal": "folfox_bev",
        }[c]
    if c == "crc":
        if not adv:
            return ("capox", "folfox_bev") if ctx.stage == "III" else (None, "folfox_bev")
        return "folfox_bev", ("encorafenib_cetuximab" if _has(ctx, "BRAF_V600E") else "folfiri_bev")
    if c == "pancreas":
        first = "folfirinox" if ctx.age < 70 and chance(0.6) else "gem_nabpac"
        return first, (
            "olaparib" if _has(ctx, "BRCA") else ("gem_nabpac" if first == "folfirinox" else "folfirinox")
        )
    if c == "melanoma":
        if not adv:
            return ("nivolumab_adjuvant", "nivo_ipi") if ctx.stage == "III" else (None, "nivo_ipi")
        return ("nivo_ipi" if chance(0.6) else "pembrolizumab"), (
            "dabrafenib_trametinib" if _has(ctx, "BRAF_V600") else "carbo_pacli"
        )
    if c == "prostate":
        if not adv:
            return None, "adt_abiraterone"
        return ("adt_abiraterone" if chance(0.5) else "adt_enzalutamide"), (
            "olaparib" if _has(ctx, "BRCA") else "docetaxel"
        )
    if c == "bladder":
        return (
            ("gem_cis", "erdafitinib" if _has(ctx, "FGFR3") else "pembrolizumab")
            if adv
            else (None, "gem_cis")
        )
    if c == "kidney":
        return ("pembro_axitinib", "cabozantinib") if adv else (None, "pembro_axitinib")
    if c == "endometrial":
        return (
            ("carbo_pacli_dostarlimab" if chance(0.5) else "carbo_pacli", "pembro_lenvatinib")
            if adv
            else (None, "carbo_pacli")
        )
    if c == "ovarian":
        return "carbo_pacli", ("olaparib" if _has(ctx, "BRCA") else "carbo_gem")
    if c == "gastroesophageal":
        if not adv:
            return None, "folfox_nivolumab"
        first = "capox_trastuzumab_pembro" if _has(ctx, "ERBB2_amp") else "folfox_nivolumab"
        return first, "paclitaxel_ramucirumab"
    if c == "head_neck":
        if not adv:
            return (
                ("cisplatin_radiation", "carbo_5fu_pembro")
                if ctx.stage == "III"
                else (None, "carbo_5fu_pembro")
            )
        return ("pembrolizumab" if ctx.pdl1_high else "carbo_5fu_pembro"), "cetuximab"
    if c == "thyroid":
        return ("lenvatinib", "sorafenib") if ctx.stage == "IV" else (None, None)
    if c == "liver":
        return ("atezo_bev", "lenvatinib") if adv else (None, "atezo_bev")
    if c == "glioma":
        return "temozolomide", "lomustine"
    if c == "aml":
        return ("seven_three" if ctx.age < 70 else "aza_venetoclax"), "aza_venetoclax"
    if c == "lymphoma":
        return "r_chop", "polatuzumab_br"
    if c == "myeloma":
        return "vrd", "dara_pd"
    return None, None


def is_immunotherapy(regimen_key: str | None) -> bool:
    return regimen_key is not None and any(d in IMMUNOTHERAPY_DRUGS for d, _ in REGIMENS[regimen_key].drugs)
