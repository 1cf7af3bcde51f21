"""Every code the parser emits over the 400 shared oncology trials exists in apps.vocab, the one vocabulary
the matcher judges with: lab codes and units, ICD-10-CM codes, DrugBank ids, drug-class ids, gene symbols and
OncoTree codes (a code the matcher cannot look up would make its criterion unknown for every patient)."""

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import simple_icd_10_cm as icd

from apps.criteria.parser import parse
from apps.vocab import drugs, genes, labs, oncotree

TRIALS = ("ctgov", "oncology", "oncology_biomarker_trials.json")


def _walk(criteria: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for c in criteria:
        yield c
        yield from _walk(c.get("children") or [])


def _unknown_codes(node: dict[str, Any]) -> Iterator[tuple[str, str]]:
    rule, kind = node.get("rule") or {}, node["kind"]
    if kind == "measurement" and rule.get("loinc"):
        lab = labs.by_loinc(rule["loinc"])
        if lab is None:
            yield "lab", rule["loinc"]
        elif node["computable"] and rule.get("relative_to") is None and rule.get("unit") != lab.unit:
            yield "unit", f"{rule['loinc']} {rule.get('unit')} (canonical {lab.unit})"
    for code in rule.get("icd10") or () if kind == "condition" else ():
        if not icd.is_valid_item(code):
            yield "icd10", code
    for drug in rule.get("drugs") or ():
        if drugs.by_id(drug) is None:
            yield "drug", drug
    for cls in rule.get("classes") or ():
        if not cls.startswith("procedure:") and not drugs.is_class(cls):
            yield "drug class", cls
    if kind == "alteration" and rule.get("gene") and rule["gene"] not in genes.all_symbols():
        yield "gene", rule["gene"]
    for code in rule.get("oncotree") or () if kind == "diagnosis" else ():
        if oncotree.get(code) is None:
            yield "oncotree", code
    for entity in node.get("entities") or ():
        system, _, value = str(entity.get("code") or "").partition(":")
        for part in value.split("|"):
            known = {
                "LOINC": lambda c: labs.by_loinc(c) is not None,
                "ICD10CM": icd.is_valid_item,
                "DRUGBANK": lambda c: drugs.by_id(c) is not None,
                "HGNC": lambda c: c in genes.all_symbols(),
                "ONCOTREE": lambda c: oncotree.get(c) is not None,
            }.get(system)
            if known is not None and not known(part):
                yield f"{system} entity", part


@pytest.fixture(scope="module")
def unknown(shared_data) -> dict[str, set[str]]:
    studies = json.loads(shared_data.joinpath(*TRIALS).read_text())
    studies = studies.get("studies", studies) if isinstance(studies, dict) else studies
    found: dict[str, set[str]] = defaultdict(set)
    for study in studies:
        section = study["protocolSection"]
        text = section.get("eligibilityModule", {}).get("eligibilityCriteria") or ""
        for node in _walk(parse(text)["criteria"]):
            for what, code in _unknown_codes(node):
                found[what].add(f"{code} ({section['identificationModule']['nctId']})")
    assert len(studies) == 400
    return found


@pytest.mark.parametrize(
    "what",
    ["lab", "unit", "icd10", "drug", "drug class", "gene", "oncotree"]
    + [f"{s} entity" for s in ("LOINC", "ICD10CM", "DRUGBANK", "HGNC", "ONCOTREE")],
)
def test_every_code_the_parser_emits_over_the_shared_trials_exists_in_apps_vocab(unknown, what):
    assert sorted(unknown.get(what, ())) == []
