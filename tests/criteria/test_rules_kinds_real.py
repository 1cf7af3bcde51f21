"""Kind decisions checked on the 400 real trials: therapy wording, condition first, alteration wording."""

import pytest

from apps.criteria.parser import parse


def _one(text):
    (c,) = parse(text)["criteria"]
    return c


@pytest.mark.parametrize(
    "text",
    [
        "Has an active infection requiring systemic therapy",
        "Known allergy or hypersensitivity to any of the study drugs or any of their excipients",
        "Able to take oral medications.",
        "Male participant must not donate sperm during the treatment period and for 120 days after.",
    ],
)
def test_a_drug_word_without_therapy_wording_is_not_a_prior_therapy_requirement(text):
    c = _one(text)

    assert c["kind"] not in ("prior_therapy", "washout")


@pytest.mark.parametrize(
    "text",
    [
        "Prior treatment with docetaxel",
        "Patients who progressed on osimertinib",
        "Received at least one line of platinum-based chemotherapy",
        "Any other neoadjuvant therapy for breast cancer",
        "Pembrolizumab",
    ],
)
def test_therapy_wording_or_a_bare_drug_list_item_stays_prior_therapy(text):
    c = _one(text)

    assert c["kind"] == "prior_therapy"


def test_a_catch_all_medication_word_is_not_a_therapy_class():
    c = _one("Prior treatment with any medication or chemotherapy")

    assert "medications" not in c["rule"]["classes"]


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("History of interstitial lung disease which required steroid treatment", "ild_pneumonitis"),
        (
            "Known brain metastases. If received radiation, must be at least 4 weeks since the last dose.",
            "brain_metastases",
        ),
    ],
)
def test_a_condition_named_before_its_treatment_decides_the_kind(text, condition):
    c = _one(text)

    assert c["kind"] == "condition"
    assert c["rule"]["condition"] == condition


def test_treatment_wording_around_only_a_catch_all_word_is_an_uncomputable_therapy_criterion():
    c = _one("Patients naive to hormone replacement therapy")

    assert (c["kind"], c["computable"]) == ("prior_therapy", False)


@pytest.mark.parametrize(
    "text",
    [
        "Use of strong inducers of CYP3A4 within 14 days prior to study day 1",
        "HIV-infected patients with CD4+ T-cell count < 200 cells/uL",
        "Known HIV infection with CD4+ T-cell (CD4+) counts < 350 cells/uL.",
        "Progressed after receiving PD-1 containing therapy",
    ],
)
def test_a_gene_in_a_drug_interaction_count_or_therapy_context_is_not_an_alteration(text):
    c = _one(text)

    assert c["kind"] != "alteration"
    assert all(k["kind"] != "alteration" for k in c.get("children", []))


@pytest.mark.parametrize(
    ("text", "genes"),
    [
        ("Documented KRAS G12C", {"KRAS"}),
        (
            "Alterations in any of the following genes: KRAS, ALK, ROS1 or BRAF",
            {"KRAS", "ALK", "ROS1", "BRAF"},
        ),
        ("ALK-positive NSCLC", {"ALK"}),
    ],
)
def test_a_gene_with_alteration_wording_or_a_protein_change_is_an_alteration(text, genes):
    c = parse(text)["criteria"][0]

    found = {c["rule"]["gene"]} if c["kind"] == "alteration" else set()
    found |= {k["rule"]["gene"] for k in c.get("children", []) if k["kind"] == "alteration"}
    assert genes <= found
