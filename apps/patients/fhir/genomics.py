"""Genomic variant assessments (HL7 Genomics Reporting) to MolecularFinding facts.

A gene, variant or fusion string that cannot be parsed is kept verbatim and listed as a note; nothing is
ever derived from a substring of it (PROMISES 18).
"""

from __future__ import annotations

import re
from typing import Any

from . import terms
from .common import LOINC, all_codes, code_in, quantity, text_of
from .facts import FindingFact, Note, ReadError, Reading

VARIANT_CODES = {"69548-6", "81252-9", "82155-3", "62378-5", "81247-9", "69547-8"}
PRESENT, ABSENT = "LA9633-4", "LA9634-2"
GENE, PROTEIN, DNA, DNA_TYPE, VAF, SOURCE, GENOMIC = (
    "48018-6",
    "48005-3",
    "48004-6",
    "48019-4",
    "81258-6",
    "48002-0",
    "81290-9",
)
COPY_NUMBER, COPY_CHANGE = "82155-3", "62378-5"
DNA_TYPES = {
    "LA6690-7": "SNV",
    "LA6692-3": "DEL",
    "LA6686-5": "INS",
    "LA6687-3": "INS",
    "LA6688-1": "INDEL",
    "LA6689-9": "OTHER",
    "LA6691-5": "OTHER",
    "LA14033-7": "AMP",
    "LA14034-5": "CNV_DEL",
}
PROTEIN_KINDS = {
    "missense": "SNV",
    "substitution": "SNV",
    "nonsense": "SNV",
    "deletion": "DEL",
    "insertion": "INS",
    "duplication": "INS",
    "delins": "INDEL",
    "frameshift": "INDEL",
}
_FUSION_PAIR = re.compile(r"\b([A-Za-z0-9-]{2,15})\s*(?:::|/|--)\s*([A-Za-z0-9-]{2,15})\b")


def _components(resource: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (code_in(c.get("code"), LOINC), c) for c in resource.get("component") or [] if isinstance(c, dict)
    ]


def _value_text(component: dict[str, Any]) -> str:
    concept = component.get("valueCodeableConcept")
    if concept:
        return next((c for _, c in all_codes(concept)), "") or text_of(concept)
    return str(component.get("valueString") or "")


def read_variant(resource: dict[str, Any], source_id: str, subject: str, when: Any) -> Reading:
    notes: list[Note] = []
    comps = _components(resource)
    genes_recorded = [_gene_text(c) for code, c in comps if code == GENE]
    genes_recorded = [g for g in genes_recorded if g]
    summary = text_of(resource.get("code"))
    value_codes = {c for _, c in all_codes(resource.get("valueCodeableConcept"))}
    value_text = text_of(resource.get("valueCodeableConcept")).lower()
    genomic_text = " ".join(
        text_of(c.get("valueCodeableConcept")) or str(c.get("valueString") or "")
        for code, c in comps
        if code == GENOMIC
    )
    if not genes_recorded:
        notes.append(Note("variant-without-gene", source_id))
        return Reading(notes=notes, stored=False)
    present = not (ABSENT in value_codes or value_text in ("absent", "negative", "not detected"))
    genes = []
    for recorded in genes_recorded:
        symbol = terms.gene_symbol(recorded)
        if symbol is None:
            notes.append(Note("unknown-gene", recorded))
        genes.append((symbol or recorded[:40], recorded))
    protein = next((_value_text(c) for code, c in comps if code == PROTEIN), "")
    dna = next((_value_text(c) for code, c in comps if code == DNA), "")
    dna_type = next(
        (
            code_in(c.get("valueCodeableConcept"), LOINC) or _value_text(c)
            for code, c in comps
            if code in (DNA_TYPE, COPY_CHANGE)
        ),
        "",
    )
    origin = _origin(next((c for code, c in comps if code == SOURCE), None))
    vaf = _vaf(next((c for code, c in comps if code == VAF), None))
    descriptive = " ".join([summary, genomic_text]).lower()
    variant_class = _class(present, len(genes), dna_type, descriptive)
    if variant_class == "FUSION" and len(genes) == 1:
        partner = _partner_from_text(genomic_text or summary, genes[0][0])
        if partner:
            genes.append((partner, partner))
        else:
            notes.append(Note("fusion-partner-not-stated", genes[0][0]))
    base = {
        "source_id": source_id,
        "subject": subject,
        "present": present,
        "vaf": vaf,
        "origin": origin,
        "effective_date": when,
        "text": (summary or genomic_text)[:500],
        "dna_change": dna[:200],
    }
    facts: list[FindingFact] = []
    if variant_class == "FUSION":
        for symbol, recorded in genes:
            partner = next((s for s, _ in genes if s != symbol), "")
            facts.append(
                FindingFact(
                    **base,
                    gene=symbol,
                    gene_as_recorded=recorded[:60],
                    protein_change="",
                    protein_short="",
                    codon=None,
                    exon=None,
                    variant_class="FUSION",
                    partner_gene=partner[:40],
                )
            )
        return Reading(facts=_unique(facts), notes=notes)
    short, codon, exon = "", None, None
    if protein and present:
        parsed = terms.parse_protein(protein)
        if parsed is None:
            notes.append(Note("unparsed-protein-change", protein[:120]))
        else:
            short = str(parsed.short)[:60]
            codon = int(parsed.position) if parsed.position else None
            exon = terms.exon_of(genes[0][0], codon) if codon else None
            if variant_class == "OTHER":
                variant_class = PROTEIN_KINDS.get(str(getattr(parsed, "kind", "")).lower(), "OTHER")
    for symbol, recorded in genes:
        facts.append(
            FindingFact(
                **base,
                gene=symbol,
                gene_as_recorded=recorded[:60],
                protein_change=protein[:120],
                protein_short=short,
                codon=codon,
                exon=exon,
                variant_class=variant_class,
                partner_gene="",
            )
        )
    return Reading(facts=_unique(facts), notes=notes)


def _gene_text(component: dict[str, Any]) -> str:
    concept = component.get("valueCodeableConcept") or {}
    for coding in concept.get("coding") or []:
        if coding.get("display"):
            return str(coding["display"]).strip()
    return (text_of(concept) or next((c for _, c in all_codes(concept)), "")).strip()


def _class(present: bool, n_genes: int, dna_type: str, descriptive: str) -> str:
    if not present:
        return "NEGATIVE"
    if n_genes > 1 or "fusion" in descriptive or "rearrangement" in descriptive or "::" in descriptive:
        return "FUSION"
    if dna_type in DNA_TYPES:
        return DNA_TYPES[dna_type]
    low_type = dna_type.lower()
    if "amplif" in low_type or "gain" in low_type or "amplification" in descriptive:
        return "AMP"
    if (
        "copy number loss" in low_type
        or "copy_number_loss" in low_type
        or "homozygous deletion" in descriptive
    ):
        return "CNV_DEL"
    return "OTHER"


def _partner_from_text(text: str, gene: str) -> str:
    for left, right in _FUSION_PAIR.findall(text):
        symbols = [terms.gene_symbol(left), terms.gene_symbol(right)]
        if gene in symbols:
            other = symbols[1] if symbols[0] == gene else symbols[0]
            return other or ""
    return ""


def _origin(component: dict[str, Any] | None) -> str:
    if component is None:
        return "unknown"
    codes = {c for _, c in all_codes(component.get("valueCodeableConcept"))}
    text = text_of(component.get("valueCodeableConcept")).lower()
    if "LA6684-0" in codes or "somatic" in text:
        return "somatic"
    if "LA6683-2" in codes or "germline" in text:
        return "germline"
    return "unknown"


def _vaf(component: dict[str, Any] | None) -> float | None:
    if component is None:
        return None
    q = quantity(component.get("valueQuantity"), "component.valueQuantity")
    if q is None:
        return None
    value, unit = q
    if unit == "%" or value > 1:
        value /= 100
    if not 0 <= value <= 1:
        raise ReadError("component.valueQuantity", "allele frequency is not a fraction or a percentage")
    return value


def _unique(facts: list[FindingFact]) -> list[FindingFact]:
    seen: dict[str, FindingFact] = {}
    for fact in facts:
        seen.setdefault(fact.gene, fact)
    return list(seen.values())
