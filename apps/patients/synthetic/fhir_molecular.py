"""FHIR R4 tumour markers (TMB, MSI, PD-L1, HER2, ER, PR) and genomic variant Observations."""

from __future__ import annotations

from typing import Any

from . import codes as c
from .fhir_types import LAB_CATEGORY, Builder, cc, qty
from .model import fusion_genes_tested


def markers(b: Builder) -> None:
    p = b.p
    when = p.marker_date
    if p.tmb_tested:
        code = cc(c.LOINC, "94076-7", "Mutations/Megabase [# Ratio] in Tumor", "Tumor mutational burden")
        value = {"value": p.tmb, "unit": "mutations/Mb", "system": c.UCUM, "code": "1/1000000{Base}"}
        b.observation("tmb", code, when, LAB_CATEGORY, valueQuantity=value)
    if p.msi_tested:
        code = cc(
            c.LOINC,
            "81695-9",
            "Microsatellite instability [Interpretation] in Cancer specimen Qualitative",
            "Microsatellite instability",
        )
        b.observation(
            "msi", code, when, LAB_CATEGORY, valueCodeableConcept={"text": "MSI-H" if p.msi_h else "MSS"}
        )
        if p.msi_h:
            b.observation(
                "mmr",
                {"text": "Mismatch repair proteins (MLH1, MSH2, MSH6, PMS2) by immunohistochemistry"},
                when,
                LAB_CATEGORY,
                valueCodeableConcept={"text": "Deficient mismatch repair (dMMR): loss of MLH1 and PMS2"},
            )
    if p.pdl1:
        score, scoring, clone = p.pdl1
        name = "tumor proportion score (TPS)" if scoring == "TPS" else "combined positive score (CPS)"
        text = f"PD-L1 ({clone}) {name}"
        code = (
            cc(c.LOINC, "83052-1", "PD-L1 by clone 22C3 [Presence] in Tissue by Immune stain", text)
            if clone == "22C3"
            else {"text": text}
        )
        value = (
            qty(score, "%")
            if scoring == "TPS"
            else {"value": score, "unit": "CPS", "system": c.UCUM, "code": "{score}"}
        )
        method = {"text": f"PD-L1 IHC {clone} {'pharmDx (Agilent/Dako)' if clone == '22C3' else '(Ventana)'}"}
        b.observation("pdl1", code, when, LAB_CATEGORY, valueQuantity=value, method=method)
    if p.her2_ihc:
        code = cc(
            c.LOINC,
            "85319-2",
            "HER2 [Presence] in Breast cancer specimen by Immune stain",
            "HER2 by immunohistochemistry",
        )
        interp = (
            ("POS", "Positive")
            if p.her2_ihc == "3+"
            else ("EQUIV", "Equivocal")
            if p.her2_ihc == "2+"
            else ("NEG", "Negative")
        )
        b.observation(
            "her2-ihc",
            code,
            when,
            LAB_CATEGORY,
            valueCodeableConcept={"text": p.her2_ihc},
            interpretation=[cc(c.INTERP, *interp)],
        )
    if p.her2_fish:
        code = cc(
            c.LOINC,
            "85318-4",
            "ERBB2 gene duplication [Presence] in Breast cancer specimen by FISH",
            "HER2 (ERBB2) by FISH",
        )
        amplified = p.her2_fish == "amplified"
        text = "Amplified (HER2/CEP17 ratio 2.6)" if amplified else "Not amplified (negative)"
        b.observation(
            "her2-fish",
            code,
            when,
            LAB_CATEGORY,
            valueCodeableConcept={"text": text},
            interpretation=[
                cc(c.INTERP, "POS", "Positive") if amplified else cc(c.INTERP, "NEG", "Negative")
            ],
        )
    for key, pct, loinc, display, label in (
        (
            "er",
            p.er_pct,
            "85337-4",
            "Estrogen receptor Ag [Presence] in Breast cancer specimen by Immune stain",
            "Estrogen receptor by IHC",
        ),
        (
            "pr",
            p.pr_pct,
            "85339-0",
            "Progesterone receptor Ag [Presence] in Breast cancer specimen by Immune stain",
            "Progesterone receptor by IHC",
        ),
    ):
        if pct is None:
            continue
        if pct >= 1:
            value = cc(c.SNOMED, *c.POSITIVE, f"Positive ({pct}% of tumor cells)")
        else:
            value = cc(c.SNOMED, *c.NEGATIVE, "Negative (<1% of tumor cells)")
        b.observation(key, cc(c.LOINC, loinc, display, label), when, LAB_CATEGORY, valueCodeableConcept=value)


def _gene(symbol: str) -> dict[str, Any]:
    return {
        "code": cc(c.LOINC, "48018-6", "Gene studied [ID]"),
        "valueCodeableConcept": {
            "coding": [{"system": c.HGNC, "code": c.GENES[symbol], "display": symbol}],
            "text": symbol,
        },
    }


def _component(code: str, display: str, **value: Any) -> dict[str, Any]:
    return {"code": cc(c.LOINC, code, display), **value}


def _origin(origin: str) -> dict[str, Any]:
    return _component(
        "48002-0", "Genomic source class [Type]", valueCodeableConcept=cc(c.LOINC, *c.ORIGIN[origin])
    )


def genomics(b: Builder) -> None:
    p = b.p
    if not p.panel:
        return
    variant_code = "69548-6"
    reported: set[str] = set()
    for i, f in enumerate(x for x in p.alterations if x.allele.gene in p.panel):
        a = f.allele
        reported.add(a.gene)
        components: list[dict[str, Any]] = []
        if a.kind == "fusion":
            components += (
                [_gene(a.partner or ""), _gene(a.gene)]
                if a.gene != "FGFR3"
                else [_gene("FGFR3"), _gene("TACC3")]
            )
            components.append(
                _component(
                    "81290-9",
                    "Genomic DNA change (gHGVS)",
                    valueCodeableConcept={"text": f"{a.label} detected (RNA NGS)"},
                )
            )
            text = f"{a.label} detected"
        elif a.kind == "amplification":
            components.append(_gene(a.gene))
            components.append(
                _component(
                    "62378-5",
                    "Chromosome copy number change [Type]",
                    valueCodeableConcept=cc(c.LOINC, *c.COPY_NUMBER_GAIN),
                )
            )
            text = f"{a.gene} amplification"
        else:
            components.append(_gene(a.gene))
            if a.p:
                components.append(
                    _component(
                        "48005-3",
                        "Amino acid change (pHGVS)",
                        valueCodeableConcept={"coding": [{"system": c.HGVS, "code": a.p}], "text": a.p},
                    )
                )
            components.append(
                _component(
                    "48004-6",
                    "DNA change (c.HGVS)",
                    valueCodeableConcept={"coding": [{"system": c.HGVS, "code": a.c}], "text": a.c},
                )
            )
            components.append(
                _component(
                    "48019-4",
                    "DNA change type",
                    valueCodeableConcept=cc(c.LOINC, *c.DNA_CHANGE_TYPE[a.change]),
                )
            )
            if f.vaf is not None:
                components.append(
                    _component(
                        "81258-6", "Sample variant allelic frequency [NFr]", valueQuantity=qty(f.vaf, "1")
                    )
                )
            text = f"{a.label} {a.p}" if a.p else a.label
        components.append(_origin(a.origin))
        b.observation(
            f"variant-{i + 1}",
            cc(c.LOINC, variant_code, "Genetic variant assessment", text),
            p.marker_date,
            LAB_CATEGORY,
            valueCodeableConcept=cc(c.LOINC, *c.PRESENT),
            component=components,
        )
    fusion = fusion_genes_tested(p.panel)
    for gene in p.panel:
        if gene in reported:
            continue
        text = f"{gene} rearrangement not detected" if gene in fusion else f"{gene}: no variant detected"
        b.observation(
            f"negative-{gene}",
            cc(c.LOINC, variant_code, "Genetic variant assessment", text),
            p.marker_date,
            LAB_CATEGORY,
            valueCodeableConcept=cc(c.LOINC, *c.ABSENT),
            component=[_gene(gene), _origin("somatic")],
        )
