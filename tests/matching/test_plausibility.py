"""Every fixture trial matched against a generated cohort whose truth the generator knows: no trial reports as
eligible a patient outside its stated cancer type or without an alteration in a gene it requires."""

import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.matching.plausibility import check, cohort_truth, markdown, required_genes, stated_cancer_types
from apps.trials.models import Trial

PATIENTS = 100
SEED = 20261101
# Trials the parser misreads today: the eligible patients outside them come from the reading, not the
# vocabulary. A trial read right again is removed from here. (NCT04780009, whose newline-separated inclusion
# list is read as one age criterion, is flagged for review on import, so its pairs are at best possible.)
KNOWN_MISREADINGS: dict[str, str] = {}


@pytest.mark.django_db(transaction=True)
def test_no_fixture_trial_reports_eligible_a_patient_outside_its_cancer_type_or_genes(tmp_path):
    call_command("import_trials", str(settings.BASE_DIR / "fixtures" / "trials"), stdout=io.StringIO())
    call_command("generate_cohort", patients=PATIENTS, seed=SEED, out=str(tmp_path), stdout=io.StringIO())
    call_command("import_patients", str(tmp_path), stdout=io.StringIO())
    call_command("match", "--as-of", "2026-11-01", stdout=io.StringIO())
    out = io.StringIO()
    call_command("export_matches", "--format", "json", stdout=out)

    rows = check(
        json.loads(out.getvalue()),
        list(Trial.objects.values("trial_id", "title", "conditions")),
        cohort_truth(PATIENTS, SEED),
    )

    outside = {r.trial for r in rows if r.outside}
    assert len({r.trial for r in rows}) == Trial.objects.count()
    assert "| NCT04780568 |" in markdown(rows, PATIENTS)
    assert outside - set(KNOWN_MISREADINGS) == set(), markdown([r for r in rows if r.outside], PATIENTS)
    assert set(KNOWN_MISREADINGS) <= outside, "read right now: remove from KNOWN_MISREADINGS"
    if KNOWN_MISREADINGS:
        pytest.xfail("; ".join(f"{t}: {why}" for t, why in KNOWN_MISREADINGS.items()))


@pytest.mark.parametrize(
    ("texts", "genes"),
    [
        (("Osimertinib for Metastatic EGFR-Mutant Non-small Cell Lung Cancer",), ("EGFR",)),
        (("Advanced Non-small Cell Lung Cancer With KRAS G12C Mutation",), ("KRAS",)),
        (
            ("BARD1, BRCA1, BRCA2", "RAD51C or RAD54L Mutations"),
            ("BARD1", "BRCA1", "BRCA2", "RAD51C", "RAD54L"),
        ),
        (("HER2-negative Breast Cancer",), ()),
        (("ER+ HER2- Breast Cancer",), ()),
        (("KRAS Wild-type Colorectal Cancer with a mutation elsewhere",), ()),
        (("Stage IV Lung Cancer AJCC v8",), ()),
        (("EGFR TKI after progression",), ()),
    ],
)
def test_required_genes_are_those_a_title_says_the_patient_has(texts, genes):
    assert required_genes(*texts) == genes


@pytest.mark.parametrize(
    ("conditions", "types"),
    [
        (["Non Small Cell Lung Cancer"], ("NSCLC",)),
        (["Melanoma", "Endoscopic Submucosal Dissection"], ("MEL",)),
        (["Advanced Solid Tumor", "Melanoma"], ()),
    ],
)
def test_stated_cancer_types_are_the_oncotree_codes_of_the_conditions(conditions, types):
    assert stated_cancer_types(conditions) == types
