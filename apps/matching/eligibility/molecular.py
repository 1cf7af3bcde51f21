"""Molecular rules: alterations at every level (exact variant, codon, exon/class, gene), wild-type, fusions,
copy number, germline vs somatic; TMB, MSI/MMR and expression markers (PD-L1, HER2, ER, PR).

A gene with any finding counts as tested, and a tested gene is negative for every variant its findings do
not list; an untested gene is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.matching.eligibility import vocab
from apps.matching.eligibility.base import (
    Bounds,
    CriteriaError,
    F,
    Outcome,
    T,
    U,
    View,
    cite,
    latest,
    unknown,
)
from apps.matching.records import BiomarkerFact, FindingFact

MUTATIONS = frozenset({"SNV", "INDEL", "DEL", "INS", "OTHER"})
CLASSES: dict[str, frozenset[str]] = {
    "mutation": MUTATIONS,
    "activating": MUTATIONS,
    "activating mutation": MUTATIONS,
    "sensitizing": MUTATIONS,
    "oncogenic": MUTATIONS,
    "missense": frozenset({"SNV"}),
    "snv": frozenset({"SNV"}),
    "alteration": MUTATIONS | {"AMP", "CNV_DEL", "FUSION"},
    "any": MUTATIONS | {"AMP", "CNV_DEL", "FUSION"},
    "deletion": frozenset({"DEL", "INDEL"}),
    "del": frozenset({"DEL", "INDEL"}),
    "insertion": frozenset({"INS", "INDEL"}),
    "ins": frozenset({"INS", "INDEL"}),
    "duplication": frozenset({"INS"}),
    "indel": frozenset({"INDEL", "DEL", "INS"}),
    "amplification": frozenset({"AMP"}),
    "amp": frozenset({"AMP"}),
    "cnv": frozenset({"AMP", "CNV_DEL"}),
    "loss": frozenset({"CNV_DEL"}),
    "homozygous deletion": frozenset({"CNV_DEL"}),
    "cnv_del": frozenset({"CNV_DEL"}),
    "fusion": frozenset({"FUSION"}),
    "rearrangement": frozenset({"FUSION"}),
    "structural variation": frozenset({"FUSION"}),
    "sv": frozenset({"FUSION"}),
}
# Classes that name an exon as well ("exon19_deletion" in RULES.md): (exon, classes).
EXON_CLASSES: dict[str, tuple[int, frozenset[str]]] = {
    "exon19 deletion": (19, frozenset({"DEL", "INDEL"})),
    "exon20 insertion": (20, frozenset({"INS", "INDEL"})),
    "exon14 skipping": (14, MUTATIONS),
}
WILD_TYPE = frozenset({"wild_type", "wild-type", "wildtype", "wt", "negative"})
LEVELS = {"exact": 1.0, "codon": 0.85, "exon": 0.7, "class": 0.7, "gene": 0.5}
NO_PARTNER = frozenset({"", "any", "any_gene", "intergenic"})


@dataclass(frozen=True)
class Alteration:
    gene: str
    protein: str = ""  # one-letter short form, e.g. V600E
    codon: int | None = None
    exon: int | None = None
    classes: frozenset[str] = MUTATIONS
    partner: str = ""
    origin: str = ""
    wild_type: bool = False
    label: str = ""

    @property
    def level(self) -> str:
        if self.wild_type:
            return "gene"
        if self.protein or (self.partner and self.classes == CLASSES["fusion"]):
            return "exact"
        if self.codon is not None:
            return "codon"
        if self.exon is not None or self.classes <= frozenset({"AMP", "CNV_DEL", "FUSION"}):
            return "class"
        return "gene"

    def involves(self, fact: FindingFact) -> bool:
        return fact.gene == self.gene or (fact.variant_class == "FUSION" and fact.partner_gene == self.gene)

    def fact_value(self, fact: FindingFact) -> int:
        """-1: not about this gene; otherwise what this finding says (a tested-negative finding says F)."""
        if not self.involves(fact):
            return -1
        if self.wild_type:
            return F if fact.present and fact.variant_class in self.classes | {"", "OTHER"} else T
        if not fact.present or fact.variant_class == "NEGATIVE":
            return F
        if fact.variant_class and fact.variant_class not in self.classes:
            return U if fact.variant_class == "OTHER" and self.classes & MUTATIONS else F
        value = self._detail(fact)
        if value == T and self.origin and fact.origin != self.origin:
            return U if fact.origin in ("", "unknown") else F
        return value

    def _detail(self, fact: FindingFact) -> int:
        short, codon = fact.protein_short, fact.codon
        if (not short or codon is None) and fact.protein_change:
            parts = vocab.protein_parts(fact.protein_change)
            if parts is not None:
                short, codon = short or parts[0], codon if codon is not None else parts[1]
        if self.protein:
            return U if not short else (T if short == self.protein else F)
        if self.codon is not None:
            return U if codon is None else (T if codon == self.codon else F)
        if self.exon is not None:
            exon = (
                fact.exon if fact.exon is not None else (vocab.exon_of(fact.gene, codon) if codon else None)
            )
            return U if exon is None else (T if exon == self.exon else F)
        if self.partner and self.partner not in NO_PARTNER:
            other = fact.partner_gene if fact.gene == self.gene else fact.gene
            return U if not other else (T if other == self.partner else F)
        return T

    def oracle(self, view: View) -> Outcome:
        outcomes = [(self.fact_value(f), f) for f in view.record.findings]
        outcomes = [(v, f) for v, f in outcomes if v >= 0]
        if not outcomes:
            return unknown(f"{self.gene} testing")
        pick = min if self.wild_type else max
        value, fact = pick(outcomes, key=lambda vf: vf[0])
        what = f"{fact.gene} {fact.protein_short or fact.protein_change or fact.variant_class}".strip()
        if not fact.present:
            what = f"{fact.gene} tested, not detected"
        return Outcome(value, cite(what, fact), None if value != U else f"{self.gene} {self.label} details")


def alteration_from(rule: dict[str, Any], where: str) -> Alteration:
    gene = str(rule.get("gene") or "").strip().upper()
    if not gene:
        raise CriteriaError(f"{where}: field 'gene': an alteration needs a gene")
    klass = str(rule.get("variant_class") or "").strip().lower().replace("-", " ").replace("_", " ")
    wild = klass.replace(" ", "_") in WILD_TYPE or bool(rule.get("wild_type"))
    protein, codon = "", rule.get("codon")
    if rule.get("protein"):
        parts = vocab.protein_parts(str(rule["protein"]))
        if parts is None:
            raise CriteriaError(f"{where}: field 'protein': cannot read {rule['protein']!r} as HGVS p.")
        if parts[2]:
            protein = parts[0]
        else:
            codon = parts[1]
    exon = rule.get("exon")
    if klass in EXON_CLASSES and not wild:
        exon_number, classes = EXON_CLASSES[klass]
        exon = exon_number if exon is None else exon
    else:
        classes = CLASSES.get(klass, MUTATIONS) if klass and not wild else MUTATIONS
    if klass and not wild and klass not in CLASSES and klass not in EXON_CLASSES:
        raise CriteriaError(f"{where}: field 'variant_class': unknown class {klass!r}")
    partner = str(rule.get("partner") or "").strip().upper()
    if partner and partner.lower() not in NO_PARTNER:
        classes = CLASSES["fusion"]
    label = " ".join(
        str(x)
        for x in (protein or (f"codon {codon}" if codon else ""), f"exon {exon}" if exon else "", klass)
        if x
    )
    return Alteration(
        gene=gene,
        protein=protein,
        codon=int(codon) if codon is not None else None,
        exon=int(exon) if exon is not None else None,
        classes=classes,
        partner="" if partner.lower() in NO_PARTNER else partner,
        origin=str(rule.get("origin") or "").lower(),
        wild_type=wild,
        label=label or "variant",
    )


@dataclass(frozen=True)
class Tmb:
    bounds: Bounds

    @staticmethod
    def relevant(fact: BiomarkerFact) -> bool:
        return fact.marker == "TMB" and fact.value_number is not None

    def fact_value(self, fact: BiomarkerFact) -> int:
        return self.bounds.test(float(fact.value_number or 0.0))

    def oracle(self, view: View) -> Outcome:
        fact = latest(view.record.biomarkers, self.relevant)
        if fact is None:
            return unknown("tumour mutational burden")
        return Outcome(self.fact_value(fact), cite(f"TMB {fact.value_number:g} mut/Mb", fact))


HIGH, STABLE = frozenset({"MSI-H", "DMMR"}), frozenset({"MSS", "MSI-L", "PMMR"})


@dataclass(frozen=True)
class Msi:
    """MSI-H is met by MSI-H or dMMR; MSS by MSS, MSI-L or pMMR. Any high result outweighs stable ones."""

    high: bool

    def fact_value(self, fact: BiomarkerFact) -> int:
        result = fact.result.strip().upper()
        if fact.marker not in ("MSI", "MMR") or result not in HIGH | STABLE:
            return -1
        return T if (result in HIGH) == self.high else F

    def oracle(self, view: View) -> Outcome:
        outcomes = [(self.fact_value(f), f) for f in view.record.biomarkers]
        outcomes = [(v, f) for v, f in outcomes if v >= 0]
        if not outcomes:
            return unknown("MSI or MMR status")
        value, fact = (max if self.high else min)(outcomes, key=lambda vf: vf[0])
        return Outcome(value, cite(f"{fact.marker} {fact.result}", fact))
