"""Which genes a patient's test covers, and the drivers a first-line targeted therapy is given for."""

from __future__ import annotations

# Gene panels: comprehensive solid-tumour, hotspot and myeloid. Fusion genes are tested for rearrangements.
SOLID_PANEL: tuple[str, ...] = (
    "EGFR",
    "KRAS",
    "NRAS",
    "BRAF",
    "PIK3CA",
    "ALK",
    "ROS1",
    "RET",
    "NTRK1",
    "NTRK2",
    "NTRK3",
    "MET",
    "ERBB2",
    "TP53",
    "STK11",
    "BRCA1",
    "BRCA2",
    "IDH1",
    "IDH2",
    "KIT",
    "FGFR3",
    "ESR1",
    "APC",
    "VHL",
    "ERG",
)
HOTSPOT_PANEL: tuple[str, ...] = ("EGFR", "KRAS", "NRAS", "BRAF", "PIK3CA", "ALK", "ROS1", "ERBB2", "TP53")
MYELOID_PANEL: tuple[str, ...] = ("FLT3", "NPM1", "IDH1", "IDH2", "TP53", "KRAS", "NRAS")
FUSION_GENES = frozenset({"ALK", "ROS1", "RET", "NTRK1", "NTRK2", "NTRK3", "ERG"})

# Drivers a first-line targeted therapy is given for (allele prefix -> therapy key in therapy.py).
ACTIONABLE_FIRST_LINE: tuple[tuple[str, str], ...] = (
    ("EGFR_ex19", "egfr"),
    ("EGFR_L858R", "egfr"),
    ("EGFR_G719", "egfr"),
    ("EGFR_L861Q", "egfr"),
    ("EML4_ALK", "alk"),
    ("KIF5B_ALK", "alk"),
    ("CD74_ROS1", "ros1"),
    ("EZR_ROS1", "ros1"),
    ("KIF5B_RET", "ret"),
    ("CCDC6_RET", "ret"),
    ("NCOA4_RET", "ret"),
    ("TPM3_NTRK1", "ntrk"),
    ("ETV6_NTRK3", "ntrk"),
    ("BRAF_V600E", "braf"),
    ("BRAF_V600K", "braf"),
    ("MET_ex14", "met"),
    ("FLT3_ITD", "flt3"),
    ("FLT3_D835Y", "flt3"),
)


def actionable_therapy(allele_key: str) -> str | None:
    for prefix, therapy in ACTIONABLE_FIRST_LINE:
        if allele_key.startswith(prefix):
            return therapy
    return None
