"""Plausibility of verdicts on a generated cohort whose truth is known: no trial reports as eligible a
patient outside its stated cancer type (its conditions, as OncoTree codes) or without an alteration in a gene
its title or conditions require; eligible and possible counts per trial against the cohort's prevalence.

Pure: plain data in (exported matches, trials' titles and conditions, the generator's patients), rows out.
Used by benchmarks/plausibility.py (the demo cohort) and its test (a smaller one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# After a gene, words that make it something the patient must have ("EGFR-mutant", "KRAS G12C", "BRCA1 Gene
# Mutation", "ALK Fusion-positive"); a text with none of them names genes for another reason (a drug target,
# a stain, a syndrome). Negative words right after a gene ("HER2-negative", "KRAS wild-type") exclude it.
_ALTERED = re.compile(
    r"\b(?:[A-Z]\d+[A-Z]?|exon|mut\w*|positive|fusions?|rearrang\w*|amplif\w*|alteration\w*|altered|delet\w*"
    r"|variants?|activating|driver|harbou?ring)\b|\+",
    re.IGNORECASE,
)
_NEGATIVE_AFTER = re.compile(
    r"^(?:[\s-]*(?:wild[\s-]?type|wt\b|negative|low\b|non-?mutant|unmutated)|-(?=[\s,;)/]|$))", re.IGNORECASE
)
_CANCER_WORDS = re.compile(
    r"cancer|carcinom|tumou?r|neoplas|malignan|sarcoma|lymphoma|leuka?em|melanoma|myeloma|blastoma|glioma"
    r"|metasta|oncolog",
    re.IGNORECASE,
)
_ALIASES = {"HER2": "ERBB2", "HER-2": "ERBB2"}
_MARKERS = frozenset({"ESR1", "PGR", "HR"})  # receptor status by IHC, not an alteration the generator records


@dataclass(frozen=True)
class Truth:
    """What the generator knows of one patient."""

    oncotree: str | None
    genes: frozenset[str]


@dataclass
class TrialRow:
    trial: str
    arm: str
    cancer_types: tuple[str, ...]  # OncoTree codes the conditions name; () when they name none
    genes: tuple[str, ...]  # genes the title or conditions require (any one of them)
    eligible: int = 0
    possible: int = 0
    prevalence: int = 0  # cohort patients of the stated type (all when none) with a required gene (if any)
    outside: list[str] = field(default_factory=list)  # eligible patients outside the type or without the gene


def stated_cancer_types(conditions: list[str]) -> tuple[str, ...]:
    """OncoTree codes of a trial's conditions; () when a condition names a cancer we cannot type ("solid
    tumors", "advanced malignancies": a basket). Conditions that are not cancers (procedures) are left out."""
    from apps.vocab import oncotree

    codes = []
    for condition in conditions:
        code = oncotree.lookup(condition)
        if code is not None and code != "NONE":
            codes.append(code)
        elif _CANCER_WORDS.search(condition):
            return ()
    return tuple(sorted(set(codes)))


def required_genes(*texts: str) -> tuple[str, ...]:
    """Genes a trial's title and conditions say the patient has, any one of them: HGNC symbols as written, not
    followed by a negative ("HER2-negative", "KRAS wild-type"), when some text names an alteration after a
    gene ("EGFR-mutant", "KRAS G12C"); a list of genes split over several conditions counts whole."""
    from apps.vocab import genes

    named: set[str] = set()
    altered = False
    for text in texts:
        for m in re.finditer(r"\b(?:HER-2|[A-Z][A-Z0-9]{1,9})\b", text):
            symbol = _ALIASES.get(m.group()) or (m.group() if m.group() in genes.all_symbols() else None)
            if symbol is None or symbol in _MARKERS or _NEGATIVE_AFTER.match(text[m.end() :]):
                continue
            named.add(symbol)
            altered = altered or _ALTERED.search(text, m.end()) is not None
    return tuple(sorted(named)) if altered else ()


def cohort_truth(patients: int, seed: int) -> dict[str, Truth]:
    """Patient id (the FHIR Patient id import_patients keys patients by) -> the generator's truth."""
    from apps.patients.synthetic import generate_records, patient_resources, seed_namespace
    from apps.vocab import diagnoses

    namespace = seed_namespace(seed)
    out = {}
    for record in generate_records(patients, seed):
        pid = patient_resources(record, namespace)[0]["id"]
        code = None
        if record.cancer.snomed:
            code = diagnoses.to_oncotree(diagnoses.SNOMED, record.cancer.snomed[0])
        code = code or diagnoses.to_oncotree(diagnoses.ICD10CM, record.site[0], record.site[2])
        out[pid] = Truth(code, frozenset(f.allele.gene for f in record.alterations))
    return out


def _in_type(truth: Truth, types: tuple[str, ...]) -> bool:
    from apps.vocab import oncotree

    if not types:
        return True
    return truth.oncotree is not None and any(
        truth.oncotree == t or oncotree.is_a(truth.oncotree, t) for t in types
    )


def check(exported: dict[str, Any], trials: list[dict[str, Any]], truth: dict[str, Truth]) -> list[TrialRow]:
    """Per trial arm: counts, and the eligible patients outside its stated cancer type or required genes."""
    rows: dict[tuple[str, str], TrialRow] = {}
    for t in trials:
        types = stated_cancer_types(t["conditions"])
        genes = required_genes(t["title"], *t["conditions"])
        rows[(t["trial_id"], "")] = TrialRow(t["trial_id"], "", types, genes)
    for m in exported["matches"]:
        key = (m["trial"], str(m.get("arm") or ""))
        if key not in rows:
            base = rows[(m["trial"], "")]
            rows[key] = TrialRow(m["trial"], key[1], base.cancer_types, base.genes)
        row = rows[key]
        if m["status"] == "possible":
            row.possible += 1
        elif m["status"] == "eligible":
            row.eligible += 1
            who = truth.get(m["patient"])
            if who is None:
                continue
            if not _in_type(who, row.cancer_types) or (row.genes and not who.genes & set(row.genes)):
                row.outside.append(m["patient"])
    for row in rows.values():
        row.prevalence = sum(
            1
            for p in truth.values()
            if _in_type(p, row.cancer_types) and (not row.genes or p.genes & set(row.genes))
        )
    with_arms = {k[0] for k in rows if k[1]}
    return sorted(
        (r for k, r in rows.items() if k[1] or k[0] not in with_arms), key=lambda r: (r.trial, r.arm)
    )


def markdown(rows: list[TrialRow], patients: int) -> str:
    lines = [
        f"Cohort: {patients} generated patients. Prevalence: patients of the trial's stated cancer type "
        "(all when its conditions state none) and, when its title or conditions require a gene, with an "
        "alteration in it.",
        "",
        "| trial | arm | cancer types | genes | eligible | possible | prevalence | eligible outside |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.trial} | {r.arm or '-'} | {', '.join(r.cancer_types) or 'any'} "
            f"| {', '.join(r.genes) or '-'} | {r.eligible} | {r.possible} | {r.prevalence} "
            f"| {len(r.outside)} |"
        )
    return "\n".join(lines)
