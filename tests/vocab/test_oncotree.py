import csv

import pytest

from apps.vocab import oncotree
from apps.vocab._common import DATA_DIR


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("non-small cell lung cancer", "NSCLC"),
        ("Non-Small-Cell Lung Cancer", "NSCLC"),
        ("NSCLC", "NSCLC"),
        ("non small cell lung cancers", "NSCLC"),
        ("lung adenocarcinoma", "LUAD"),
        ("adenocarcinoma of the lung", "LUAD"),
        ("squamous NSCLC", "LUSC"),
        ("small cell lung cancer", "SCLC"),
        ("lung cancer", "LUNG"),
        ("colorectal cancer", "COADREAD"),
        ("CRC", "COADREAD"),
        ("mCRC", "COADREAD"),
        ("colon cancer", "COAD"),
        ("rectal cancer", "READ"),
        ("triple negative breast cancer", "BRCA"),
        ("TNBC", "BRCA"),
        ("HER2-positive breast cancer", "BRCA"),
        ("breast cancer", "BRCA"),
        ("invasive ductal carcinoma", "IDC"),
        ("mCRPC", "PRAD"),
        ("prostate cancer", "PRAD"),
        ("metastatic castration-resistant prostate cancer", "PRAD"),
        ("HNSCC", "HNSC"),
        ("squamous cell carcinoma of the head and neck", "HNSC"),
        ("AML", "AML"),
        ("acute myeloid leukaemia", "AML"),
        ("melanoma", "MEL"),
        ("Melanomas", "MEL"),
        ("uveal melanoma", "UM"),
        ("glioblastoma", "GB"),
        ("GBM", "GB"),
        ("pancreatic ductal adenocarcinoma", "PAAD"),
        ("hepatocellular carcinoma", "HCC"),
        ("renal cell carcinoma", "RCC"),
        ("clear cell renal cell carcinoma", "CCRCC"),
        ("urothelial carcinoma", "BLCA"),
        ("ovarian cancer", "OVT"),
        ("high-grade serous ovarian cancer", "HGSOC"),
        ("endometrial cancer", "UCEC"),
        ("cervical cancer", "CERVIX"),
        ("gastric cancer", "STAD"),
        ("gastroesophageal junction adenocarcinoma", "EGC"),
        ("multiple myeloma", "PCM"),
        ("diffuse large B-cell lymphoma", "DLBCLNOS"),
        ("DLBCL", "DLBCLNOS"),
        ("follicular lymphoma", "FL"),
        ("chronic lymphocytic leukemia", "CLLSLL"),
        ("CML", "CML"),
        ("myelodysplastic syndromes", "MDS"),
        ("Hodgkin lymphoma", "HL"),
        ("mesothelioma", "PLMESO"),
        ("GIST", "GIST"),
        ("soft tissue sarcoma", "SOFT_TISSUE"),
        ("osteosarcoma", "OS"),
        ("Merkel cell carcinoma", "MCC"),
        ("thyroid cancer", "THYROID"),
        ("cholangiocarcinoma", "CHOL"),
        ("Waldenström macroglobulinemia", "WM"),
    ],
)
def test_lookup_maps_clinical_names_and_abbreviations_to_oncotree(text: str, code: str) -> None:
    assert oncotree.lookup(text) == code


@pytest.mark.parametrize(
    "text", ["leukemia", "lymphoma", "cancer", "solid tumor", "all", "", "   ", "aspirin"]
)
def test_lookup_refuses_forms_that_name_no_single_type(text: str) -> None:
    assert oncotree.lookup(text) is None


def test_get_returns_the_cancer_type_record() -> None:
    luad = oncotree.get("luad")

    assert luad == oncotree.CancerType(
        code="LUAD",
        name="Lung Adenocarcinoma",
        main_type="Non-Small Cell Lung Cancer",
        tissue="Lung",
        parent="NSCLC",
        level=3,
    )
    assert oncotree.get("NOPE") is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [("LUAD", ["NSCLC", "LUNG"]), ("LUNG", []), ("AML", ["MNM", "MYELOID"]), ("TISSUE", []), ("NOPE", [])],
)
def test_ancestors_are_nearest_first_without_the_root(code: str, expected: list[str]) -> None:
    assert oncotree.ancestors(code) == expected


@pytest.mark.parametrize(
    ("code", "ancestor", "expected"),
    [
        ("LUAD", "NSCLC", True),
        ("LUAD", "LUNG", True),
        ("LUAD", "LUAD", True),
        ("NSCLC", "LUAD", False),
        ("SCLC", "NSCLC", False),
        ("IDC", "BREAST", True),
        ("PRAD", "BREAST", False),
        ("LUAD", "NOPE", False),
    ],
)
def test_is_a_is_reflexive_and_follows_the_tree(code: str, ancestor: str, expected: bool) -> None:
    assert oncotree.is_a(code, ancestor) is expected


def test_descendants_include_every_level_below() -> None:
    below = oncotree.descendants("NSCLC")

    assert {"LUAD", "LUSC"} <= below
    assert "NSCLC" not in below
    assert all(oncotree.is_a(code, "NSCLC") for code in below)


@pytest.mark.parametrize(
    ("code", "solid", "hematologic"),
    [
        ("LUAD", True, False),
        ("BRCA", True, False),
        ("AML", False, True),
        ("MYELOID", False, True),
        ("DLBCLNOS", False, True),
        ("PCM", False, True),
        ("NOPE", False, False),
    ],
)
def test_solid_and_hematologic_split_by_tissue(code: str, solid: bool, hematologic: bool) -> None:
    assert oncotree.is_solid(code) is solid
    assert oncotree.is_hematologic(code) is hematologic


@pytest.mark.parametrize(
    ("system", "ref", "code"),
    [
        ("NCIT", "C3512", "LUAD"),
        ("NCI", "C2926", "NSCLC"),
        ("UMLS", "C0007131", "NSCLC"),
        ("UMLS", "C9", None),
    ],
)
def test_by_xref_reads_oncotree_cross_references(system: str, ref: str, code: str | None) -> None:
    assert oncotree.by_xref(system, ref) == code


def test_synonyms_are_lower_case_and_point_at_real_codes() -> None:
    table = oncotree.synonyms()

    assert table["nsclc"] == "NSCLC"
    assert all(form == form.lower() for form in table)
    assert set(table.values()) <= oncotree.all_codes()


def _synonym_rows() -> list[tuple[str, str]]:
    with (DATA_DIR / "oncotree_synonyms.csv").open(encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return [(row["synonym"], row["code"]) for row in rows]


@pytest.mark.parametrize(("synonym", "code"), _synonym_rows())
def test_every_curated_synonym_resolves_to_its_code(synonym: str, code: str) -> None:
    assert oncotree.lookup(synonym) == (None if code == "NONE" else code)
