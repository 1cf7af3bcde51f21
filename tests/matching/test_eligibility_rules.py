"""Rule forms of RULES.md the reference evaluator must read, and general semantics found on real trials."""

import datetime as dt

import pytest

from apps.matching.eligibility import evaluate
from apps.matching.records import FindingFact, PatientRecord

AS_OF = dt.date(2026, 11, 1)


def crit(kind, rule, section="inclusion", negated=False, cid="I1"):
    return {
        "id": cid,
        "section": section,
        "text": "",
        "span": [0, 0],
        "kind": kind,
        "computable": True,
        "negated": negated,
        "entities": [],
        "rule": rule,
    }


def patient(**facts):
    base = {"key": "p", "sex": "female", "birth_date": dt.date(1966, 5, 1)}
    return PatientRecord(**{**base, **facts})


def verdict(criterion, record):
    return evaluate([criterion], record, AS_OF).verdicts[0].verdict


def egfr(protein, klass):
    return FindingFact("EGFR", True, protein_change=protein, variant_class=klass, origin="somatic")


@pytest.mark.parametrize(
    ("variant_class", "finding", "expected"),
    [
        ("exon19_deletion", egfr("p.Leu747_Thr751del", "DEL"), "met"),
        ("exon19_deletion", egfr("p.Ser768_Asp770dup", "INS"), "not_met"),
        ("exon20_insertion", egfr("p.Ser768_Asp770dup", "INS"), "met"),
        ("exon20_insertion", egfr("p.Leu858Arg", "SNV"), "not_met"),
        ("exon14_skipping", egfr("p.Leu858Arg", "SNV"), "not_met"),
    ],
)
def test_exon_named_variant_classes_of_the_rule_forms_are_read(variant_class, finding, expected):
    rule = crit("alteration", {"gene": "EGFR", "variant_class": variant_class})

    assert verdict(rule, patient(findings=(finding,))) == expected


def test_exon_named_class_of_an_untested_gene_is_unknown():
    rule = crit("alteration", {"gene": "EGFR", "variant_class": "exon20_insertion"})

    assert verdict(rule, patient()) == "unknown"
