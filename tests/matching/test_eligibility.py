"""The reference evaluator: three-valued verdicts and the clinical semantics, one behaviour per test."""

import datetime as dt

import pytest

from apps.matching.eligibility import CriteriaError, ctml_to_criteria, evaluate
from apps.matching.records import (
    BiomarkerFact,
    DiagnosisFact,
    FindingFact,
    LabFact,
    PatientRecord,
    PerformanceFact,
    PregnancyFact,
    TherapyFact,
)

AS_OF = dt.date(2026, 11, 1)
RECENT = dt.date(2026, 10, 23)


def crit(kind, rule, section="inclusion", negated=False, cid="I1", **extra):
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
        **extra,
    }


def patient(**facts):
    base = {"key": "p", "sex": "female", "birth_date": dt.date(1966, 5, 1)}
    return PatientRecord(**{**base, **facts})


def verdict(criterion, record, as_of=AS_OF):
    return evaluate([criterion], record, as_of).verdicts[0].verdict


def test_age_is_judged_on_the_match_date():
    record = patient(birth_date=dt.date(2009, 8, 30))
    rule = crit("age", {"min": 18})

    assert verdict(rule, record, dt.date(2026, 11, 1)) == "not_met"
    assert verdict(rule, record, dt.date(2027, 8, 30)) == "met"


def test_missing_birth_date_makes_age_unknown_not_failed():
    result = evaluate([crit("age", {"min": 18})], patient(birth_date=None), AS_OF)

    assert result.status == "possible"
    assert result.decide == ("date of birth",)


@pytest.mark.parametrize(
    ("wanted", "recorded", "expected"),
    [
        ({"oncotree": ["NSCLC"]}, "LUAD", "met"),
        ({"oncotree": ["LUAD"]}, "NSCLC", "unknown"),
        ({"oncotree": ["NSCLC"]}, "SKCM", "not_met"),
        ({"any_solid": True}, "PAAD", "met"),
        ({"any_solid": True}, "AML", "not_met"),
        ({"oncotree": ["Non-Small Cell Lung Cancer"]}, "LUSC", "met"),
    ],
)
def test_oncotree_hierarchy(wanted, recorded, expected):
    record = patient(diagnoses=(DiagnosisFact("cancer", oncotree_code=recorded),))

    assert verdict(crit("diagnosis", wanted), record) == expected


def egfr(protein, klass="DEL", present=True):
    return FindingFact("EGFR", present, protein_change=protein, variant_class=klass, origin="somatic")


@pytest.mark.parametrize(
    ("rule", "finding", "expected"),
    [
        ({"gene": "EGFR", "exon": 19, "variant_class": "deletion"}, egfr("p.Leu747_Thr751del"), "met"),
        (
            {"gene": "EGFR", "exon": 19, "variant_class": "deletion"},
            egfr("p.Ser768_Asp770dup", "INS"),
            "not_met",
        ),
        ({"gene": "EGFR", "protein": "L858R"}, egfr("p.Leu858Arg", "SNV"), "met"),
        ({"gene": "EGFR", "protein": "p.L858R"}, egfr("p.Thr790Met", "SNV"), "not_met"),
        ({"gene": "EGFR", "protein": "L858"}, egfr("p.Leu858Met", "SNV"), "met"),
        ({"gene": "EGFR", "variant_class": "activating mutation"}, egfr("p.Leu858Arg", "SNV"), "met"),
        ({"gene": "EGFR", "protein": "L858R"}, egfr("", "NEGATIVE", present=False), "not_met"),
    ],
)
def test_alteration_levels_from_hgvs(rule, finding, expected):
    assert verdict(crit("alteration", rule), patient(findings=(finding,))) == expected


def test_untested_gene_is_unknown_and_tested_gene_is_negative_for_unlisted_variants():
    rule = crit("alteration", {"gene": "BRAF", "protein": "V600E"})
    tested_other = patient(
        findings=(FindingFact("BRAF", True, protein_change="p.Val600Lys", variant_class="SNV"),)
    )

    assert verdict(rule, patient()) == "unknown"
    assert verdict(rule, tested_other) == "not_met"


def test_wild_type_needs_a_tested_negative_result():
    rule = crit("alteration", {"gene": "KRAS", "variant_class": "wild_type"})
    negative = patient(findings=(FindingFact("KRAS", False, variant_class="NEGATIVE"),))
    mutated = patient(findings=(FindingFact("KRAS", True, protein_change="p.Gly12Cys", variant_class="SNV"),))

    assert verdict(rule, negative) == "met"
    assert verdict(rule, mutated) == "not_met"
    assert verdict(rule, patient()) == "unknown"


def test_fusion_with_and_without_partner():
    fusion = patient(findings=(FindingFact("ALK", True, variant_class="FUSION", partner_gene="EML4"),))

    assert verdict(crit("alteration", {"gene": "ALK", "variant_class": "fusion"}), fusion) == "met"
    assert verdict(crit("alteration", {"gene": "ALK", "partner": "EML4"}), fusion) == "met"
    assert verdict(crit("alteration", {"gene": "ALK", "partner": "NPM1"}), fusion) == "not_met"


def test_germline_requirement_is_unknown_for_a_variant_of_unknown_origin():
    rule = crit("alteration", {"gene": "BRCA2", "variant_class": "mutation", "origin": "germline"})
    unknown_origin = patient(
        findings=(FindingFact("BRCA2", True, protein_change="p.Asn372His", variant_class="SNV"),)
    )
    somatic = patient(
        findings=(FindingFact("BRCA2", True, "p.Asn372His", variant_class="SNV", origin="somatic"),)
    )

    assert verdict(rule, unknown_origin) == "unknown"
    assert verdict(rule, somatic) == "not_met"


def test_dmmr_counts_as_msi_high_and_tmb_uses_bounds():
    dmmr = patient(biomarkers=(BiomarkerFact("MMR", result="dMMR"), BiomarkerFact("TMB", 12.0)))

    assert verdict(crit("msi", {"status": "MSI-H"}), dmmr) == "met"
    assert verdict(crit("tmb", {"min": 10}), dmmr) == "met"
    assert verdict(crit("tmb", {"min": 20}), dmmr) == "not_met"


def test_pd_l1_scoring_system_must_match():
    rule = crit("expression", {"marker": "PD-L1", "scoring": "TPS", "assay": "22C3", "min": 50})
    cps = patient(biomarkers=(BiomarkerFact("PD-L1", 80.0, scoring="CPS", clone="22C3"),))
    tps = patient(biomarkers=(BiomarkerFact("PD-L1", 80.0, scoring="TPS", clone="22C3"),))

    result = evaluate([rule], cps, AS_OF)

    assert result.verdicts[0].verdict == "unknown"
    assert result.decide == ("PD-L1 TPS (22C3)",)
    assert verdict(rule, tps) == "met"


@pytest.mark.parametrize(
    ("want", "ihc", "ish", "expected"),
    [
        ("positive", "3+", None, "met"),
        ("positive", "2+", "amplified", "met"),
        ("positive", "2+", None, "unknown"),
        ("negative", "1+", "not-amplified", "met"),
        ("low", "1+", None, "met"),
        ("low", "2+", "not-amplified", "met"),
        ("low", "0", None, "not_met"),
        ("low", "3+", None, "not_met"),
    ],
)
def test_her2_by_ihc_and_ish(want, ihc, ish, expected):
    facts = [BiomarkerFact("HER2-IHC", result=ihc)]
    if ish:
        facts.append(BiomarkerFact("HER2-ISH", result=ish))

    assert (
        verdict(crit("expression", {"marker": "HER2", "result": want}), patient(biomarkers=tuple(facts)))
        == expected
    )


def alt(value, date=RECENT, high=56.0):
    return LabFact("1742-6", value, "U/L", 7.0, high, date=date)


def test_lab_uses_the_most_recent_value_within_the_look_back_window():
    rule = crit("measurement", {"loinc": "1742-6", "max": 3, "relative_to": "ULN"})
    old_bad_recent_good = patient(labs=(alt(300, dt.date(2026, 10, 1)), alt(40)))
    stale = patient(labs=(alt(40, dt.date(2026, 9, 1)),))

    assert verdict(rule, old_bad_recent_good) == "met"
    assert evaluate([rule], stale, AS_OF).decide == ("ALT within 28 days",)


def test_uln_multiple_comes_from_the_observation_reference_range():
    rule = crit("measurement", {"loinc": "1742-6", "max": 3, "relative_to": "ULN"})

    assert verdict(rule, patient(labs=(alt(190),))) == "not_met"  # 3 x 56 = 168
    assert verdict(rule, patient(labs=(alt(160),))) == "met"


def test_conditional_alternative_makes_a_fail_unknown_only_if_it_could_be_met():
    rule = crit(
        "measurement",
        {
            "loinc": "1742-6",
            "max": 3,
            "relative_to": "ULN",
            "alternatives": [{"condition": "liver metastases", "max": 5, "relative_to": "ULN"}],
        },
    )
    liver = DiagnosisFact("metastasis", "ICD-10-CM", "C78.7", "Liver metastases")

    assert verdict(rule, patient(labs=(alt(190),))) == "unknown"
    assert verdict(rule, patient(labs=(alt(190),), diagnoses=(liver,))) == "met"
    assert verdict(rule, patient(labs=(alt(400),))) == "not_met"


def test_creatinine_clearance_by_cockcroft_gault_when_none_is_recorded():
    labs = (
        LabFact("2160-0", 0.8, "mg/dL", 0.5, 1.1, date=RECENT),
        LabFact("29463-7", 72.0, "kg", date=RECENT),
    )
    record = patient(birth_date=dt.date(1960, 6, 1), labs=labs)  # 66 y, female: about 79 mL/min

    assert verdict(crit("measurement", {"loinc": "2164-2", "min": 35, "unit": "mL/min"}), record) == "met"
    assert verdict(crit("measurement", {"loinc": "2164-2", "min": 90, "unit": "mL/min"}), record) == "not_met"


def test_prior_therapy_by_class_and_exclusion_inverts():
    nivolumab = TherapyFact(
        "nivolumab", "DB09035", (), dt.date(2026, 10, 13), status="completed", date=dt.date(2026, 9, 15)
    )
    rule = crit("prior_therapy", {"classes": ["anti-PD-1"]}, section="exclusion")

    assert verdict(rule, patient(therapies=(nivolumab,))) == "not_met"
    assert verdict(rule, patient()) == "unknown"


def test_washout_is_relative_to_the_match_date():
    chemo = TherapyFact(
        "carboplatin", "DB00958", end_date=dt.date(2026, 10, 20), status="completed", date=dt.date(2026, 8, 1)
    )
    rule = crit("washout", {"any_anticancer": True, "days": 21}, section="exclusion")

    assert verdict(rule, patient(therapies=(chemo,)), dt.date(2026, 11, 1)) == "not_met"
    assert verdict(rule, patient(therapies=(chemo,)), dt.date(2026, 12, 1)) == "unknown"


def test_line_counts_fail_only_when_the_record_proves_too_many():
    lines = tuple(
        TherapyFact(f"drug{i}", line=i, status="completed", date=dt.date(2025, i, 1)) for i in (1, 2, 3)
    )
    rule = crit("prior_therapy", {"max_lines": 2})

    assert verdict(rule, patient(therapies=lines)) == "not_met"
    assert verdict(rule, patient(therapies=lines[:1])) == "unknown"


def test_ecog_most_recent_and_karnofsky_converted_by_documented_table():
    ecog = crit("performance_status", {"scale": "ECOG", "max": 1})
    later_worse = patient(
        performance=(
            PerformanceFact("ECOG", 0, date=dt.date(2026, 1, 1)),
            PerformanceFact("ECOG", 2, date=RECENT),
        )
    )

    assert verdict(ecog, later_worse) == "not_met"
    assert verdict(ecog, patient(performance=(PerformanceFact("KPS", 90, date=RECENT),))) == "met"
    assert (
        verdict(
            crit("performance_status", {"scale": "KPS", "min": 70}),
            patient(performance=(PerformanceFact("ECOG", 1, date=RECENT),)),
        )
        == "met"
    )
    assert (
        verdict(
            crit("performance_status", {"scale": "KPS", "min": 90}),
            patient(performance=(PerformanceFact("ECOG", 1, date=RECENT),)),
        )
        == "unknown"
    )


def test_pregnancy_criteria_do_not_apply_to_men_or_women_over_60():
    rule = crit("pregnancy", {}, section="exclusion")

    assert verdict(rule, patient(sex="male")) == "not_applicable"
    assert verdict(rule, patient(birth_date=dt.date(1950, 1, 1))) == "not_applicable"
    assert verdict(rule, patient(birth_date=dt.date(1995, 1, 1))) == "unknown"
    assert (
        verdict(
            rule,
            patient(birth_date=dt.date(1995, 1, 1), pregnancy=(PregnancyFact("not_pregnant", date=RECENT),)),
        )
        == "met"
    )


def test_recorded_exclusion_condition_fails_and_silent_record_is_unknown():
    rule = crit("condition", {"condition": "interstitial lung disease"}, section="exclusion")
    ild = DiagnosisFact("comorbidity", "ICD-10-CM", "J84.9", "Interstitial lung disease, unspecified")

    assert verdict(rule, patient(diagnoses=(ild,))) == "not_met"
    assert verdict(rule, patient()) == "unknown"


def test_groups_use_kleene_logic_and_non_computable_and_administrative_criteria():
    creatinine = crit("measurement", {"loinc": "2160-0", "max": 1.5, "relative_to": "ULN"}, cid="I1.1")
    crcl = crit("measurement", {"loinc": "2164-2", "min": 40, "unit": "mL/min"}, cid="I1.2")
    group = {**crit("group", {}), "operator": "any", "children": [creatinine, crcl]}
    record = patient(labs=(LabFact("2160-0", 0.9, "mg/dL", 0.5, 1.1, date=RECENT),))
    other = {**crit("measurable_disease", {}, cid="I2"), "computable": False}
    admin = crit("administrative", {}, cid="I3")

    result = evaluate([group, other, admin], record, AS_OF)

    assert [v.verdict for v in result.verdicts] == ["met", "unknown", "not_applicable"]
    assert result.status == "possible"


def test_one_failed_criterion_makes_the_pair_ineligible_and_names_it():
    criteria = [crit("age", {"min": 18}), crit("sex", {"sex": "male"}, cid="I2")]

    result = evaluate(criteria, patient(), AS_OF)

    assert (result.status, result.first_failed) == ("ineligible", "I2")


def test_malformed_rule_names_the_criterion_and_field():
    with pytest.raises(CriteriaError, match="criterion I1: rule: field 'gene'"):
        evaluate([crit("alteration", {"protein": "V600E"})], patient(), AS_OF)


def test_ctml_tree_converts_to_the_same_criteria_form():
    tree = [
        {
            "and": [
                {
                    "clinical": {
                        "age_numerical": ">=18",
                        "oncotree_primary_diagnosis": "Non-Small Cell Lung Cancer",
                    }
                },
                {
                    "genomic": {
                        "hugo_symbol": "BRAF",
                        "wildcard_protein_change": "p.V600",
                        "variant_category": "Mutation",
                    }
                },
            ]
        }
    ]
    record = patient(
        diagnoses=(DiagnosisFact("cancer", oncotree_code="LUAD"),),
        findings=(FindingFact("BRAF", True, protein_change="p.Val600Lys", variant_class="SNV"),),
    )

    result = evaluate(ctml_to_criteria(tree), record, AS_OF)

    assert result.status == "eligible"
    assert result.molecular_fit == 0.85
