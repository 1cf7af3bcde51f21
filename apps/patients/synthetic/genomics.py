"""Somatic and germline alterations per cancer type: the allele catalogue and the frequencies they occur at.

Frequencies are approximate shares of patients (AACR Project GENIE, cBioPortal/TCGA PanCancer
Atlas summaries, and the landmark series cited in MODEL.md). Main drivers of one tumour type form
an exclusive group (at most one per patient); other genes occur independently.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Allele:
    gene: str
    kind: str  # "variant", "fusion", "amplification"
    label: str  # short name, e.g. "EGFR L858R"
    p: str | None = None  # three-letter HGVS p.
    c: str | None = None  # HGVS c.
    change: str = "substitution"  # key of codes.DNA_CHANGE_TYPE
    partner: str | None = None  # 5' fusion partner
    origin: str = "somatic"


def _v(
    gene: str, short: str, p: str | None, c: str, change: str = "substitution", origin: str = "somatic"
) -> Allele:
    return Allele(gene, "variant", f"{gene} {short}", p, c, change, None, origin)


def _f(five: str, three: str) -> Allele:
    return Allele(three, "fusion", f"{five}::{three} fusion", partner=five)


ALLELES: dict[str, Allele] = {
    # EGFR
    "EGFR_ex19_E746_A750_a": _v(
        "EGFR", "exon 19 deletion", "p.Glu746_Ala750del", "c.2235_2249del", "deletion"
    ),
    "EGFR_ex19_E746_A750_b": _v(
        "EGFR", "exon 19 deletion", "p.Glu746_Ala750del", "c.2236_2250del", "deletion"
    ),
    "EGFR_ex19_L747_T751": _v("EGFR", "exon 19 deletion", "p.Leu747_Thr751del", "c.2239_2253del", "deletion"),
    "EGFR_ex19_L747_P753delinsS": _v(
        "EGFR", "exon 19 deletion", "p.Leu747_Pro753delinsSer", "c.2240_2257del", "indel"
    ),
    "EGFR_L858R": _v("EGFR", "L858R", "p.Leu858Arg", "c.2573T>G"),
    "EGFR_T790M": _v("EGFR", "T790M", "p.Thr790Met", "c.2369C>T"),
    "EGFR_G719A": _v("EGFR", "G719A", "p.Gly719Ala", "c.2156G>C"),
    "EGFR_G719S": _v("EGFR", "G719S", "p.Gly719Ser", "c.2155G>A"),
    "EGFR_L861Q": _v("EGFR", "L861Q", "p.Leu861Gln", "c.2582T>A"),
    "EGFR_ex20_A767_V769dup": _v(
        "EGFR", "exon 20 insertion", "p.Ala767_Val769dup", "c.2300_2308dup", "duplication"
    ),
    "EGFR_ex20_S768_D770dup": _v(
        "EGFR", "exon 20 insertion", "p.Ser768_Asp770dup", "c.2303_2311dup", "duplication"
    ),
    "EGFR_amp": Allele("EGFR", "amplification", "EGFR amplification"),
    # KRAS / NRAS
    "KRAS_G12C": _v("KRAS", "G12C", "p.Gly12Cys", "c.34G>T"),
    "KRAS_G12D": _v("KRAS", "G12D", "p.Gly12Asp", "c.35G>A"),
    "KRAS_G12V": _v("KRAS", "G12V", "p.Gly12Val", "c.35G>T"),
    "KRAS_G12A": _v("KRAS", "G12A", "p.Gly12Ala", "c.35G>C"),
    "KRAS_G12R": _v("KRAS", "G12R", "p.Gly12Arg", "c.34G>C"),
    "KRAS_G12S": _v("KRAS", "G12S", "p.Gly12Ser", "c.34G>A"),
    "KRAS_G13D": _v("KRAS", "G13D", "p.Gly13Asp", "c.38G>A"),
    "KRAS_Q61H": _v("KRAS", "Q61H", "p.Gln61His", "c.183A>C"),
    "KRAS_A146T": _v("KRAS", "A146T", "p.Ala146Thr", "c.436G>A"),
    "NRAS_Q61R": _v("NRAS", "Q61R", "p.Gln61Arg", "c.182A>G"),
    "NRAS_Q61K": _v("NRAS", "Q61K", "p.Gln61Lys", "c.181C>A"),
    "NRAS_Q61L": _v("NRAS", "Q61L", "p.Gln61Leu", "c.182A>T"),
    "NRAS_G12D": _v("NRAS", "G12D", "p.Gly12Asp", "c.35G>A"),
    # BRAF
    "BRAF_V600E": _v("BRAF", "V600E", "p.Val600Glu", "c.1799T>A"),
    "BRAF_V600K": _v("BRAF", "V600K", "p.Val600Lys", "c.1798_1799delinsAA", "indel"),
    "BRAF_G469A": _v("BRAF", "G469A", "p.Gly469Ala", "c.1406G>C"),
    # fusions
    "EML4_ALK": _f("EML4", "ALK"),
    "KIF5B_ALK": _f("KIF5B", "ALK"),
    "CD74_ROS1": _f("CD74", "ROS1"),
    "EZR_ROS1": _f("EZR", "ROS1"),
    "KIF5B_RET": _f("KIF5B", "RET"),
    "CCDC6_RET": _f("CCDC6", "RET"),
    "NCOA4_RET": _f("NCOA4", "RET"),
    "ETV6_NTRK3": _f("ETV6", "NTRK3"),
    "TPM3_NTRK1": _f("TPM3", "NTRK1"),
    "TMPRSS2_ERG": _f("TMPRSS2", "ERG"),
    "FGFR3_TACC3": Allele("FGFR3", "fusion", "FGFR3::TACC3 fusion", partner="TACC3"),
    # other drivers
    "MET_ex14": _v("MET", "exon 14 skipping", None, "c.3082+1G>T"),
    "ERBB2_ex20_Y772_A775dup": _v(
        "ERBB2", "exon 20 insertion", "p.Tyr772_Ala775dup", "c.2313_2324dup", "duplication"
    ),
    "ERBB2_amp": Allele("ERBB2", "amplification", "ERBB2 amplification"),
    "PIK3CA_H1047R": _v("PIK3CA", "H1047R", "p.His1047Arg", "c.3140A>G"),
    "PIK3CA_E545K": _v("PIK3CA", "E545K", "p.Glu545Lys", "c.1633G>A"),
    "PIK3CA_E542K": _v("PIK3CA", "E542K", "p.Glu542Lys", "c.1624G>A"),
    "PIK3CA_N345K": _v("PIK3CA", "N345K", "p.Asn345Lys", "c.1035T>A"),
    "IDH1_R132H": _v("IDH1", "R132H", "p.Arg132His", "c.395G>A"),
    "IDH1_R132C": _v("IDH1", "R132C", "p.Arg132Cys", "c.394C>T"),
    "IDH2_R140Q": _v("IDH2", "R140Q", "p.Arg140Gln", "c.419G>A"),
    "IDH2_R172K": _v("IDH2", "R172K", "p.Arg172Lys", "c.515G>A"),
    "FLT3_ITD": _v(
        "FLT3", "internal tandem duplication (ITD)", "p.Phe594_Asp600dup", "c.1780_1800dup", "duplication"
    ),
    "FLT3_D835Y": _v("FLT3", "D835Y", "p.Asp835Tyr", "c.2503G>T"),
    "NPM1_W288fs": _v("NPM1", "W288Cfs*12", "p.Trp288CysfsTer12", "c.860_863dup", "duplication"),
    "KIT_L576P": _v("KIT", "L576P", "p.Leu576Pro", "c.1727T>C"),
    "FGFR3_S249C": _v("FGFR3", "S249C", "p.Ser249Cys", "c.746C>G"),
    "FGFR3_Y373C": _v("FGFR3", "Y373C", "p.Tyr373Cys", "c.1118A>G"),
    "ESR1_Y537S": _v("ESR1", "Y537S", "p.Tyr537Ser", "c.1610A>C"),
    "ESR1_D538G": _v("ESR1", "D538G", "p.Asp538Gly", "c.1613A>G"),
    "APC_R1450X": _v("APC", "R1450*", "p.Arg1450Ter", "c.4348C>T"),
    "VHL_S65W": _v("VHL", "S65W", "p.Ser65Trp", "c.194C>G"),
    "TP53_R175H": _v("TP53", "R175H", "p.Arg175His", "c.524G>A"),
    "TP53_R248Q": _v("TP53", "R248Q", "p.Arg248Gln", "c.743G>A"),
    "TP53_R273H": _v("TP53", "R273H", "p.Arg273His", "c.818G>A"),
    "TP53_Y220C": _v("TP53", "Y220C", "p.Tyr220Cys", "c.659A>G"),
    "TP53_R282W": _v("TP53", "R282W", "p.Arg282Trp", "c.844C>T"),
    "STK11_Q37X": _v("STK11", "Q37*", "p.Gln37Ter", "c.109C>T"),
    "STK11_D194Y": _v("STK11", "D194Y", "p.Asp194Tyr", "c.580G>T"),
    "BRCA1_185delAG": _v("BRCA1", "E23Vfs*17", "p.Glu23ValfsTer17", "c.68_69del", "deletion", "germline"),
    "BRCA1_5382insC": _v(
        "BRCA1", "Q1756Pfs*74", "p.Gln1756ProfsTer74", "c.5266dup", "duplication", "germline"
    ),
    "BRCA1_somatic": _v("BRCA1", "Q1756Pfs*74", "p.Gln1756ProfsTer74", "c.5266dup", "duplication"),
    "BRCA2_6174delT": _v("BRCA2", "S1982Rfs*22", "p.Ser1982ArgfsTer22", "c.5946del", "deletion", "germline"),
    "BRCA2_3034del4": _v(
        "BRCA2", "A938Pfs*21", "p.Ala938ProfsTer21", "c.2808_2811del", "deletion", "germline"
    ),
    "BRCA2_somatic": _v("BRCA2", "S1982Rfs*22", "p.Ser1982ArgfsTer22", "c.5946del", "deletion"),
}

# Gene-level events occurring independently: event -> alleles with relative weights.
EVENTS: dict[str, tuple[tuple[str, float], ...]] = {
    "TP53": (("TP53_R175H", 3), ("TP53_R248Q", 2), ("TP53_R273H", 2), ("TP53_Y220C", 1), ("TP53_R282W", 1)),
    "STK11": (("STK11_Q37X", 2), ("STK11_D194Y", 1)),
    "PIK3CA": (("PIK3CA_H1047R", 35), ("PIK3CA_E545K", 20), ("PIK3CA_E542K", 12), ("PIK3CA_N345K", 5)),
    "BRCA1g": (("BRCA1_185delAG", 1), ("BRCA1_5382insC", 1)),
    "BRCA2g": (("BRCA2_6174delT", 1), ("BRCA2_3034del4", 1)),
    "BRCA1s": (("BRCA1_somatic", 1),),
    "BRCA2s": (("BRCA2_somatic", 1),),
    "KRAS": (("KRAS_G12D", 4), ("KRAS_G12V", 3), ("KRAS_G13D", 2), ("KRAS_G12C", 1)),
    "NRAS": (("NRAS_Q61R", 1),),
    "APC": (("APC_R1450X", 1),),
    "VHL": (("VHL_S65W", 1),),
    "NPM1": (("NPM1_W288fs", 1),),
    "ESR1": (("ESR1_Y537S", 1), ("ESR1_D538G", 1)),
    "ERBB2amp": (("ERBB2_amp", 1),),
    "EGFRamp": (("EGFR_amp", 1),),
    "TMPRSS2_ERG": (("TMPRSS2_ERG", 1),),
    "BRAF_V600E": (("BRAF_V600E", 1),),
}


@dataclass(frozen=True)
class DriverModel:
    exclusive: tuple[tuple[str, float], ...] = ()  # (allele, share of patients); at most one per patient
    independent: tuple[tuple[str, float], ...] = ()  # (event, share of patients)
    tmb_median: float = 2.0  # mut/Mb, log-normal
    tmb_sdlog: float = 0.8
    msi_h: float = 0.0  # share MSI-H
    tested_advanced: float = 0.6  # share with an NGS panel when stage III/IV or not staged
    tested_early: float = 0.25


DRIVERS: dict[str, DriverModel] = {
    "luad": DriverModel(
        exclusive=(
            ("EGFR_ex19_E746_A750_a", 0.040),
            ("EGFR_ex19_E746_A750_b", 0.015),
            ("EGFR_ex19_L747_T751", 0.012),
            ("EGFR_ex19_L747_P753delinsS", 0.008),
            ("EGFR_L858R", 0.060),
            ("EGFR_ex20_A767_V769dup", 0.007),
            ("EGFR_ex20_S768_D770dup", 0.007),
            ("EGFR_G719A", 0.004),
            ("EGFR_G719S", 0.002),
            ("EGFR_L861Q", 0.003),
            ("KRAS_G12C", 0.125),
            ("KRAS_G12V", 0.063),
            ("KRAS_G12D", 0.050),
            ("KRAS_G12A", 0.025),
            ("KRAS_G13D", 0.012),
            ("KRAS_Q61H", 0.012),
            ("KRAS_G12S", 0.006),
            ("EML4_ALK", 0.040),
            ("KIF5B_ALK", 0.005),
            ("CD74_ROS1", 0.012),
            ("EZR_ROS1", 0.006),
            ("KIF5B_RET", 0.011),
            ("CCDC6_RET", 0.004),
            ("BRAF_V600E", 0.020),
            ("BRAF_G469A", 0.010),
            ("MET_ex14", 0.030),
            ("ERBB2_ex20_Y772_A775dup", 0.020),
            ("TPM3_NTRK1", 0.002),
        ),
        independent=(("TP53", 0.45), ("STK11", 0.12)),
        tmb_median=6.0,
        tmb_sdlog=0.9,
        tested_advanced=0.88,
        tested_early=0.35,
    ),
    "lusc": DriverModel(
        exclusive=(("KRAS_G12C", 0.010), ("KRAS_G12V", 0.010), ("EGFR_L858R", 0.010), ("EML4_ALK", 0.002)),
        independent=(("TP53", 0.85), ("PIK3CA", 0.15), ("STK11", 0.03)),
        tmb_median=8.5,
        tmb_sdlog=0.8,
        tested_advanced=0.7,
    ),
    "sclc": DriverModel(independent=(("TP53", 0.90),), tmb_median=9.0, tested_advanced=0.3, tested_early=0.1),
    "breast": DriverModel(
        independent=(("PIK3CA", 0.33), ("TP53", 0.30), ("BRCA1g", 0.025), ("BRCA2g", 0.025), ("ESR1", 0.03)),
        tmb_median=1.8,
        tested_advanced=0.6,
    ),
    "prostate": DriverModel(
        independent=(
            ("TMPRSS2_ERG", 0.45),
            ("TP53", 0.30),
            ("BRCA2g", 0.05),
            ("BRCA2s", 0.04),
            ("BRCA1g", 0.01),
        ),
        tmb_median=1.5,
        msi_h=0.03,
        tested_advanced=0.55,
        tested_early=0.1,
    ),
    "crc": DriverModel(
        exclusive=(
            ("KRAS_G12D", 0.13),
            ("KRAS_G12V", 0.09),
            ("KRAS_G13D", 0.08),
            ("KRAS_G12C", 0.035),
            ("KRAS_G12A", 0.03),
            ("KRAS_G12S", 0.02),
            ("KRAS_A146T", 0.02),
            ("KRAS_Q61H", 0.015),
            ("NRAS_Q61K", 0.02),
            ("NRAS_G12D", 0.02),
            ("BRAF_V600E", 0.07),
            ("ERBB2_amp", 0.03),
        ),
        independent=(("APC", 0.75), ("TP53", 0.60), ("PIK3CA", 0.18)),
        tmb_median=3.5,
        tmb_sdlog=0.6,
        msi_h=0.13,
        tested_advanced=0.85,
        tested_early=0.4,
    ),
    "melanoma": DriverModel(
        exclusive=(
            ("BRAF_V600E", 0.37),
            ("BRAF_V600K", 0.08),
            ("NRAS_Q61R", 0.12),
            ("NRAS_Q61K", 0.08),
            ("NRAS_Q61L", 0.03),
            ("KIT_L576P", 0.02),
        ),
        independent=(("TP53", 0.15),),
        tmb_median=12.0,
        tmb_sdlog=1.1,
        tested_advanced=0.8,
        tested_early=0.3,
    ),
    "bladder": DriverModel(
        exclusive=(("FGFR3_S249C", 0.10), ("FGFR3_Y373C", 0.04), ("FGFR3_TACC3", 0.02)),
        independent=(("TP53", 0.50), ("PIK3CA", 0.20), ("ERBB2amp", 0.08)),
        tmb_median=7.5,
        tmb_sdlog=0.9,
        tested_advanced=0.6,
    ),
    "kidney": DriverModel(
        independent=(("VHL", 0.50),), tmb_median=1.8, tested_advanced=0.4, tested_early=0.05
    ),
    "lymphoma": DriverModel(independent=(("TP53", 0.20),), tmb_median=3.0, tested_advanced=0.2),
    "endometrial": DriverModel(
        independent=(("PIK3CA", 0.45), ("KRAS", 0.20), ("TP53", 0.25), ("ERBB2amp", 0.05)),
        tmb_median=3.0,
        tmb_sdlog=0.8,
        msi_h=0.28,
        tested_advanced=0.7,
        tested_early=0.3,
    ),
    "pancreas": DriverModel(
        exclusive=(
            ("KRAS_G12D", 0.40),
            ("KRAS_G12V", 0.30),
            ("KRAS_G12R", 0.15),
            ("KRAS_Q61H", 0.04),
            ("KRAS_G12C", 0.015),
            ("BRAF_V600E", 0.01),
            ("ETV6_NTRK3", 0.003),
        ),
        independent=(("TP53", 0.70), ("BRCA2g", 0.04), ("BRCA1g", 0.01)),
        tmb_median=1.2,
        tmb_sdlog=0.6,
        msi_h=0.01,
        tested_advanced=0.7,
        tested_early=0.4,
    ),
    "aml": DriverModel(
        exclusive=(("FLT3_ITD", 0.25), ("FLT3_D835Y", 0.07)),
        independent=(("NPM1", 0.30), ("TP53", 0.08), ("NRAS", 0.10)),
        tmb_median=0.8,
        tmb_sdlog=0.5,
        tested_advanced=0.92,
    ),
    "thyroid": DriverModel(
        exclusive=(
            ("BRAF_V600E", 0.55),
            ("NRAS_Q61R", 0.08),
            ("CCDC6_RET", 0.05),
            ("NCOA4_RET", 0.02),
            ("ETV6_NTRK3", 0.02),
            ("TPM3_NTRK1", 0.01),
        ),
        tmb_median=0.6,
        tmb_sdlog=0.5,
        tested_advanced=0.5,
        tested_early=0.1,
    ),
    "liver": DriverModel(independent=(("TP53", 0.30),), tmb_median=2.5, tested_advanced=0.4),
    "head_neck": DriverModel(
        independent=(("TP53", 0.70), ("PIK3CA", 0.18)),
        tmb_median=4.0,
        tmb_sdlog=0.8,
        tested_advanced=0.5,
    ),
    "myeloma": DriverModel(
        exclusive=(
            ("KRAS_G12D", 0.07),
            ("KRAS_G13D", 0.05),
            ("KRAS_Q61H", 0.06),
            ("NRAS_Q61R", 0.18),
            ("BRAF_V600E", 0.04),
        ),
        independent=(("TP53", 0.08),),
        tmb_median=1.5,
        tested_advanced=0.3,
    ),
    "gastroesophageal": DriverModel(
        exclusive=(("ERBB2_amp", 0.18),),
        independent=(("TP53", 0.60), ("PIK3CA", 0.10), ("KRAS", 0.06)),
        tmb_median=3.5,
        tmb_sdlog=0.8,
        msi_h=0.08,
        tested_advanced=0.75,
    ),
    "ovarian": DriverModel(
        independent=(
            ("TP53", 0.90),
            ("BRCA1g", 0.10),
            ("BRCA2g", 0.06),
            ("BRCA1s", 0.03),
            ("BRCA2s", 0.03),
            ("KRAS", 0.05),
        ),
        tmb_median=2.5,
        tested_advanced=0.85,
        tested_early=0.6,
    ),
    "glioma": DriverModel(
        exclusive=(("IDH1_R132H", 0.28), ("IDH1_R132C", 0.02), ("IDH2_R172K", 0.02), ("BRAF_V600E", 0.02)),
        independent=(("TP53", 0.35), ("EGFRamp", 0.25)),
        tmb_median=1.5,
        tested_advanced=0.8,
    ),
}

# Breast cancer subtypes by hormone receptor (HR) and HER2 status (SEER, 2017-2021).
BREAST_SUBTYPES: tuple[tuple[str, float], ...] = (
    ("HR+/HER2-", 0.74),
    ("HR+/HER2+", 0.10),
    ("HR-/HER2+", 0.05),
    ("TNBC", 0.11),
)
# Share of each breast subtype carrying PIK3CA / TP53 / germline BRCA1 (replaces the type-wide value).
BREAST_EVENT_SHARES: dict[str, dict[str, float]] = {
    "HR+/HER2-": {"PIK3CA": 0.36, "TP53": 0.20, "BRCA1g": 0.01, "BRCA2g": 0.025},
    "HR+/HER2+": {"PIK3CA": 0.25, "TP53": 0.55},
    "HR-/HER2+": {"PIK3CA": 0.20, "TP53": 0.75},
    "TNBC": {"PIK3CA": 0.09, "TP53": 0.80, "BRCA1g": 0.10, "BRCA2g": 0.03},
}
