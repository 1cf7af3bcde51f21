"""The vectorised engine agrees with the reference evaluator on random patients and random criteria."""

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.matching.eligibility import evaluate, prepare
from apps.matching.engine import match_all
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
from apps.matching.synthetic_bench import ALTERATIONS, patients, trials

AS_OF = dt.date(2026, 11, 1)
CODES = {"not_met": 0, "met": 1, "unknown": 2, "not_applicable": 3}
dates = st.one_of(st.none(), st.dates(dt.date(2026, 8, 1), dt.date(2026, 12, 1)))
findings = st.builds(
    FindingFact,
    gene=st.sampled_from(["EGFR", "KRAS", "BRAF", "ALK"]),
    present=st.booleans(),
    protein_change=st.sampled_from(["", "p.Leu747_Thr751del", "p.Gly12Cys", "p.Val600Glu", "p.Leu858Arg"]),
    variant_class=st.sampled_from(["SNV", "DEL", "FUSION", "AMP", "OTHER", "NEGATIVE", ""]),
    partner_gene=st.sampled_from(["", "EML4"]),
    origin=st.sampled_from(["somatic", "germline", "unknown"]),
    date=dates,
)
records = st.builds(
    PatientRecord,
    key=st.just("p"),
    sex=st.sampled_from(["female", "male", "unknown"]),
    birth_date=st.one_of(st.none(), st.dates(dt.date(1930, 1, 1), dt.date(2012, 1, 1))),
    diagnoses=st.lists(
        st.builds(
            DiagnosisFact,
            category=st.sampled_from(["cancer", "metastasis", "comorbidity"]),
            code_system=st.just("ICD-10-CM"),
            code=st.sampled_from(["", "C78.7", "J84.9", "C79.31", "E80.4"]),
            oncotree_code=st.sampled_from(["", "LUAD", "NSCLC", "IDC", "AML", "LUNG"]),
            stage=st.sampled_from(["", "IV", "IIIB", "III"]),
            clinical_status=st.sampled_from(["", "active", "resolved"]),
            date=dates,
        ),
        max_size=3,
    ).map(tuple),
    labs=st.lists(
        st.builds(
            LabFact,
            loinc=st.sampled_from(["751-8", "1742-6", "2160-0", "29463-7", "1975-2"]),
            value=st.floats(0.1, 300),
            unit=st.sampled_from(["10*3/uL", "U/L", "mg/dL", "kg"]),
            ref_low=st.one_of(st.none(), st.just(1.0)),
            ref_high=st.one_of(st.none(), st.floats(1, 60)),
            date=dates,
        ),
        max_size=4,
    ).map(tuple),
    performance=st.lists(
        st.builds(
            PerformanceFact,
            scale=st.sampled_from(["ECOG", "KPS"]),
            value=st.integers(0, 5) | st.sampled_from([60, 70, 80, 90, 100]),
            date=dates,
        ),
        max_size=2,
    ).map(tuple),
    findings=st.lists(findings, max_size=3).map(tuple),
    biomarkers=st.lists(
        st.builds(
            BiomarkerFact,
            marker=st.sampled_from(["TMB", "MSI", "MMR", "PD-L1", "HER2-IHC", "HER2-ISH", "ER"]),
            value_number=st.one_of(st.none(), st.floats(0, 100)),
            result=st.sampled_from(
                [
                    "",
                    "MSI-H",
                    "MSS",
                    "dMMR",
                    "positive",
                    "negative",
                    "1+",
                    "2+",
                    "3+",
                    "0",
                    "amplified",
                    "not-amplified",
                ]
            ),
            scoring=st.sampled_from(["", "TPS", "CPS"]),
            clone=st.sampled_from(["", "22C3"]),
            date=dates,
        ),
        max_size=3,
    ).map(tuple),
    therapies=st.lists(
        st.builds(
            TherapyFact,
            drug_name=st.sampled_from(["nivolumab", "carboplatin", "dexamethasone"]),
            drugbank_id=st.sampled_from(["DB09035", "DB00958", "DB01234", ""]),
            end_date=dates,
            line=st.one_of(st.none(), st.integers(1, 4)),
            status=st.sampled_from(["completed", "active"]),
            date=dates,
        ),
        max_size=3,
    ).map(tuple),
    pregnancy=st.lists(
        st.builds(PregnancyFact, status=st.sampled_from(["pregnant", "not_pregnant", "unknown"]), date=dates),
        max_size=1,
    ).map(tuple),
)
leaf_rules = st.sampled_from(
    [
        ("age", {"min": 18, "max": 75}),
        ("sex", {"sex": "female"}),
        ("diagnosis", {"oncotree": ["NSCLC"]}),
        ("diagnosis", {"any_solid": True}),
        ("stage", {"stages": ["IIIB", "IV"]}),
        ("performance_status", {"scale": "ECOG", "max": 1}),
        ("performance_status", {"scale": "KPS", "min": 70}),
        ("measurement", {"loinc": "751-8", "min": 1.5, "unit": "10*9/L"}),
        (
            "measurement",
            {
                "loinc": "1742-6",
                "max": 3,
                "relative_to": "ULN",
                "alternatives": [{"condition": "liver metastases", "max": 5, "relative_to": "ULN"}],
            },
        ),
        ("measurement", {"loinc": "2164-2", "min": 50, "unit": "mL/min"}),
        ("prior_therapy", {"classes": ["anti_pd_1"]}),
        ("prior_therapy", {"max_lines": 1}),
        ("prior_therapy", {"drugs": ["DB00958"], "within_days": 60}),
        ("prior_therapy", {"classes": ["systemic_therapy"], "min_lines": 1}),
        ("prior_therapy", {"classes": ["systemic_therapy"], "setting": "metastatic"}),
        ("prior_therapy", {"classes": ["chemotherapy"], "setting": "adjuvant", "within_days": 90}),
        (
            "measurement",
            {
                "loinc": "1975-2",
                "max": 1.5,
                "relative_to": "ULN",
                "alternatives": [{"condition": "gilbert_syndrome", "max": 3, "relative_to": "ULN"}],
            },
        ),
        ("washout", {"any_anticancer": True, "days": 21}),
        ("condition", {"condition": "interstitial lung disease"}),
        ("condition", {"icd10": ["C79.3"], "qualifier": "active", "within_years": 1}),
        ("pregnancy", {}),
        ("tmb", {"min": 10}),
        ("msi", {"status": "MSI-H"}),
        ("msi", {"status": "MSS"}),
        ("expression", {"marker": "PD-L1", "scoring": "TPS", "min": 50}),
        ("expression", {"marker": "HER2", "result": "low"}),
        ("expression", {"marker": "ER", "result": "positive"}),
        ("measurable_disease", {}),
        ("administrative", {}),
        *[("alteration", a) for a in ALTERATIONS],
    ]
)


@st.composite
def criteria(draw, depth=0):
    out = []
    for i in range(draw(st.integers(1, 4))):
        section = draw(st.sampled_from(["inclusion", "exclusion"]))
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            children = draw(criteria(depth + 1))
            item = {"kind": "group", "operator": draw(st.sampled_from(["all", "any"])), "children": children}
        else:
            kind, rule = draw(leaf_rules)
            item = {"kind": kind, "rule": rule, "computable": kind != "measurable_disease"}
        out.append({"id": f"C{depth}.{i}", "section": section, "negated": draw(st.booleans()), **item})
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(criteria(), min_size=1, max_size=3), st.lists(records, min_size=1, max_size=4))
def test_engine_and_reference_agree_on_random_patients_and_criteria(trial_list, people):
    result = match_all(trial_list, people, AS_OF, verdicts=True)

    start = 0
    for t, crit in enumerate(trial_list):
        width = len(prepare(crit).tops)
        for p, person in enumerate(people):
            ref = evaluate(crit, person, AS_OF)
            assert result.status[t, p] == ref.status_code
            assert list(result.verdicts[start : start + width, p]) == [CODES[v.verdict] for v in ref.verdicts]
            ids = [v.id for v in ref.verdicts]
            assert result.first_failed[t, p] == (ids.index(ref.first_failed) if ref.first_failed else -1)
            assert np.isclose(result.score[t, p], ref.score)
            assert np.isclose(result.phenotypic_fit[t, p], ref.phenotypic_fit)
            mfit = result.molecular_fit[t, p]
            assert (np.isnan(mfit) and ref.molecular_fit is None) or np.isclose(mfit, ref.molecular_fit)
        start += width


def test_engine_and_reference_agree_on_synthetic_cohort():
    people, criteria_list = patients(300, seed=3), trials(15, seed=3)

    result = match_all(criteria_list, people, AS_OF)

    for t, crit in enumerate(criteria_list):
        for p in range(0, 300, 7):
            assert result.status[t, p] == evaluate(crit, people[p], AS_OF).status_code


def test_one_patient_against_many_trials_and_one_trial_against_many_patients_agree():
    people, criteria_list = patients(50, seed=5), trials(10, seed=5)
    full = match_all(criteria_list, people, AS_OF)

    one_patient = match_all(criteria_list, people[7:8], AS_OF)
    one_trial = match_all(criteria_list[3:4], people, AS_OF)

    assert (one_patient.status[:, 0] == full.status[:, 7]).all()
    assert (one_trial.status[0] == full.status[3]).all()


def test_first_failing_criterion_is_right_in_a_trial_with_hundreds_of_criteria():
    filler = [
        {"id": f"I{i}", "section": "inclusion", "kind": "other", "computable": False, "negated": False}
        for i in range(1, 300)
    ]
    failing = {
        "id": "I300",
        "section": "inclusion",
        "kind": "sex",
        "computable": True,
        "negated": False,
        "rule": {"sex": "female"},
    }
    patient = PatientRecord(key="p", sex="male", birth_date=dt.date(1960, 1, 1))

    result = match_all([[*filler, failing]], [patient], AS_OF)

    assert int(result.status[0, 0]) == 0
    assert int(result.first_failed[0, 0]) == 299
    assert evaluate(prepare([*filler, failing]), patient, AS_OF).first_failed == "I300"
