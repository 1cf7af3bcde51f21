"""Code systems and the standard codes the synthetic cohort writes (LOINC, SNOMED CT, HGNC, RxNorm, UCUM)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
HGNC = "http://www.genenames.org/geneId"
HGVS = "http://varnomen.hgvs.org"
OBSCAT = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERP = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
COND_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
COND_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
COND_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
AJCC = "http://cancerstaging.org"
MRN_SYSTEM = "urn:trialmatch:mrn"
V2_ID_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"

# HGNC ids of every gene the generator can report.
GENES: dict[str, str] = {
    "EGFR": "HGNC:3236",
    "KRAS": "HGNC:6407",
    "NRAS": "HGNC:7989",
    "BRAF": "HGNC:1097",
    "PIK3CA": "HGNC:8975",
    "ALK": "HGNC:427",
    "EML4": "HGNC:1316",
    "ROS1": "HGNC:10261",
    "CD74": "HGNC:1697",
    "EZR": "HGNC:12691",
    "RET": "HGNC:9967",
    "KIF5B": "HGNC:6324",
    "CCDC6": "HGNC:18782",
    "NCOA4": "HGNC:7671",
    "NTRK1": "HGNC:8031",
    "NTRK2": "HGNC:8032",
    "NTRK3": "HGNC:8033",
    "ETV6": "HGNC:3495",
    "TPM3": "HGNC:12012",
    "MET": "HGNC:7029",
    "ERBB2": "HGNC:3430",
    "TP53": "HGNC:11998",
    "STK11": "HGNC:11389",
    "BRCA1": "HGNC:1100",
    "BRCA2": "HGNC:1101",
    "IDH1": "HGNC:5382",
    "IDH2": "HGNC:5383",
    "FLT3": "HGNC:3765",
    "NPM1": "HGNC:7910",
    "KIT": "HGNC:6342",
    "FGFR3": "HGNC:3690",
    "TACC3": "HGNC:11524",
    "TMPRSS2": "HGNC:11876",
    "ERG": "HGNC:3446",
    "ESR1": "HGNC:3467",
    "APC": "HGNC:583",
    "VHL": "HGNC:12687",
}

# LOINC answer codes.
PRESENT = ("LA9633-4", "Present")
ABSENT = ("LA9634-2", "Absent")
DNA_CHANGE_TYPE: dict[str, tuple[str, str]] = {
    "substitution": ("LA6690-7", "Substitution"),
    "deletion": ("LA6692-3", "Deletion"),
    "duplication": ("LA6686-5", "Duplication"),
    "insertion": ("LA6687-3", "Insertion"),
    "indel": ("LA6688-1", "Insertion/Deletion"),
}
ORIGIN: dict[str, tuple[str, str]] = {
    "somatic": ("LA6684-0", "Somatic"),
    "germline": ("LA6683-2", "Germline"),
}
ECOG_ANSWER = {0: "LA9622-7", 1: "LA9623-5", 2: "LA9624-3", 3: "LA9625-0", 4: "LA9626-8"}
COPY_NUMBER_GAIN = ("LA14033-7", "Copy number gain")

# SNOMED CT values.
POSITIVE = ("10828004", "Positive")
NEGATIVE = ("260385009", "Negative")
CONDITION_WORSENED = ("271299001", "Patient's condition worsened")
CONDITION_STABLE = ("359746009", "Patient's condition stable")
PREGNANT = ("77386006", "Pregnant")
NOT_PREGNANT = ("60001007", "Not pregnant")

# Labs: key -> (LOINC, display, canonical UCUM unit)
LABS: dict[str, tuple[str, str, str]] = {
    "anc": ("751-8", "Neutrophils [#/volume] in Blood", "10*3/uL"),
    "plt": ("777-3", "Platelets [#/volume] in Blood", "10*3/uL"),
    "hgb": ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL"),
    "creat": ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL"),
    "bili": ("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma", "mg/dL"),
    "ast": ("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "U/L"),
    "alt": ("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "U/L"),
}
# Alternative units a lab may be reported in: key -> (UCUM unit, factor from the canonical unit).
ALT_UNITS: dict[str, tuple[str, float]] = {
    "anc": ("/mm3", 1000.0),
    "plt": ("/mm3", 1000.0),
    "hgb": ("g/L", 10.0),
    "creat": ("umol/L", 88.42),
    "bili": ("umol/L", 17.1),
}

# RxNorm ingredient codes (RXCUI, term type IN) this project is sure of. A drug missing here is
# looked up in apps/vocab/data/rxnorm_to_drugbank.csv when that file exists, else written as text only.
RXNORM_INGREDIENTS: dict[str, str] = {
    "nivolumab": "1597876",
    "pembrolizumab": "1547545",
    "ipilimumab": "1094833",
    "atezolizumab": "1792776",
    "durvalumab": "1919503",
    "trastuzumab": "224905",
    "pertuzumab": "1298944",
    "bevacizumab": "253337",
    "cetuximab": "318341",
    "rituximab": "121191",
    "docetaxel": "72962",
    "paclitaxel": "56946",
    "fluorouracil": "4492",
    "leucovorin": "6313",
    "irinotecan": "51499",
    "oxaliplatin": "32592",
    "carboplatin": "40048",
    "cisplatin": "2555",
    "pemetrexed": "68446",
    "gemcitabine": "12574",
    "capecitabine": "194000",
    "etoposide": "4179",
    "cyclophosphamide": "3002",
    "doxorubicin": "3639",
    "vincristine": "11202",
    "prednisone": "8640",
    "dexamethasone": "3264",
    "cytarabine": "3041",
    "daunorubicin": "3109",
    "temozolomide": "37776",
    "lenalidomide": "342369",
    "bortezomib": "358258",
    "tamoxifen": "10324",
    "letrozole": "72965",
    "anastrozole": "84857",
    "leuprolide": "42375",
    "abiraterone": "1100072",
    "enzalutamide": "1307298",
    "osimertinib": "1721560",
    "erlotinib": "337525",
    "alectinib": "1727455",
    "crizotinib": "1148495",
    "dabrafenib": "1424911",
    "trametinib": "1425098",
    "vemurafenib": "1147220",
    "olaparib": "1597582",
    "palbociclib": "1601374",
    "sorafenib": "495881",
    "sunitinib": "357977",
}

VOCAB_DRUGS_CSV = Path(__file__).resolve().parents[2] / "vocab" / "data" / "rxnorm_to_drugbank.csv"


@cache
def _vocab_rxnorm() -> dict[str, str]:
    """Ingredient name (lower case) -> RxCUI from the shared vocabulary file, if another part ships it."""
    if not VOCAB_DRUGS_CSV.is_file():
        return {}
    out: dict[str, str] = {}
    with VOCAB_DRUGS_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            lowered = {k.lower(): (v or "").strip() for k, v in row.items() if k}
            name = (
                lowered.get("name") or lowered.get("drug_name") or lowered.get("ingredient") or ""
            ).lower()
            rxcui = lowered.get("rxcui") or lowered.get("rxnorm") or lowered.get("rxnorm_cui") or ""
            if name and rxcui.isdigit() and lowered.get("tty", "IN") in ("IN", ""):
                out.setdefault(name, rxcui)
    return out


def rxnorm_code(drug: str) -> str | None:
    """The RxNorm ingredient code of a drug, or None when no code is known for certain."""
    return RXNORM_INGREDIENTS.get(drug) or _vocab_rxnorm().get(drug)
