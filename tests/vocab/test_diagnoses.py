import pytest

from apps.vocab import diagnoses, oncotree
from tests.vocab.conftest import curated_rows


@pytest.mark.parametrize(
    ("system", "code", "text", "expected"),
    [
        # solid tumours: a site code gives the site, histology text refines within the site
        ("ICD-10-CM", "C34.90", None, "LUNG"),
        ("ICD-10-CM", "C34.31", None, "LUNG"),
        ("ICD-10-CM", "C3431", None, "LUNG"),
        ("ICD-10-CM", "C34.31", "Adenocarcinoma", "LUAD"),
        ("ICD-10-CM", "C34.11", "Non-small cell carcinoma", "NSCLC"),
        ("ICD-10-CM", "C34.11", "Squamous cell carcinoma", "LUSC"),
        ("ICD-10-CM", "C34.11", "small cell carcinoma", "SCLC"),
        ("ICD-10-CM", "C50.912", None, "BREAST"),
        ("ICD-10-CM", "C50.912", "Invasive ductal carcinoma", "IDC"),
        ("ICD-10-CM", "C50.411", "lobular carcinoma", "ILC"),
        ("ICD-10-CM", "C18.7", None, "COADREAD"),
        ("ICD-10-CM", "C18.7", "adenocarcinoma", "COAD"),
        ("ICD-10-CM", "C20", "adenocarcinoma", "READ"),
        ("ICD-10-CM", "C18.1", None, "BOWEL"),
        ("ICD-10-CM", "C61", None, "PRAD"),
        ("ICD-10-CM", "C61", "small cell carcinoma", "PRSCC"),
        ("ICD-10-CM", "C22.8", "cholangiocarcinoma", "IHCH"),
        ("ICD-10-CM", "C43.9", None, "MEL"),
        ("ICD-10-CM", "C44.91", None, "BCC"),
        ("ICD-10-CM", "C44.92", None, "CSCC"),
        ("ICD-10-CM", "C25.9", None, "PANCREAS"),
        ("ICD-10-CM", "C25.9", "pancreatic ductal adenocarcinoma", "PAAD"),
        ("ICD-10-CM", "C22.0", None, "HCC"),
        ("ICD-10-CM", "C16.9", "adenocarcinoma", "EGC"),
        ("ICD-10-CM", "C56.1", "high-grade serous carcinoma", "HGSOC"),
        ("ICD-10-CM", "C53.9", "squamous cell carcinoma", "CESC"),
        ("ICD-10-CM", "C54.1", "endometrioid adenocarcinoma", "UCEC"),
        ("ICD-10-CM", "C64.1", "clear cell renal cell carcinoma", "CCRCC"),
        ("ICD-10-CM", "C67.9", "urothelial carcinoma", "BLCA"),
        ("ICD-10-CM", "C71.9", "glioblastoma", "GB"),
        ("ICD-10-CM", "C73", "papillary thyroid carcinoma", "THPA"),
        ("ICD-10-CM", "C32.9", "squamous cell carcinoma", "HNSC"),
        ("ICD-10-CM", "C49.A2", None, "GIST"),
        ("ICD-10-CM", "C7A.090", None, "LUCA"),
        ("ICD-10-CM", "C80.1", None, "CUP"),
        ("ICD-10-CM", "D05.10", None, "DCIS"),
        # haematological: the code itself names the disease
        ("ICD-10-CM", "C92.00", None, "AML"),
        ("ICD-10-CM", "C92.10", None, "CML"),
        ("ICD-10-CM", "C92.40", None, "APLPMLRARA"),
        ("ICD-10-CM", "C91.10", None, "CLLSLL"),
        ("ICD-10-CM", "C91.00", None, "LNM"),
        ("ICD-10-CM", "C90.00", None, "PCM"),
        ("ICD-10-CM", "C83.30", None, "DLBCLNOS"),
        ("ICD-10-CM", "C82.90", None, "FL"),
        ("ICD-10-CM", "C83.10", None, "MCL"),
        ("ICD-10-CM", "C81.90", None, "HL"),
        ("ICD-10-CM", "C93.10", None, "CMML"),
        ("ICD-10-CM", "C95.90", None, None),
        # FHIR system URIs are accepted
        ("http://hl7.org/fhir/sid/icd-10-cm", "C61", None, "PRAD"),
        ("http://snomed.info/sct", "254637007", None, "NSCLC"),
        # SNOMED CT
        ("SNOMED CT", "254637007", None, "NSCLC"),
        ("SNOMED CT", "424132000", None, "NSCLC"),
        ("SNOMED CT", "254632001", None, "SCLC"),
        ("SNOMED CT", "363358000", None, "LUNG"),
        ("SNOMED CT", "363358000", "adenocarcinoma", "LUAD"),
        ("SNOMED CT", "254837009", None, "BREAST"),
        ("SNOMED CT", "408643008", None, "IDC"),
        ("SNOMED CT", "93761005", None, "COADREAD"),
        ("SNOMED CT", "399068003", None, "PRAD"),
        ("SNOMED CT", "91861009", None, "AML"),
        ("SNOMED CT", "109989006", None, "PCM"),
        ("SNOMED CT", "35917007", None, None),
        # metastases and comorbidities are not primary cancers
        ("ICD-10-CM", "C79.31", None, None),
        ("ICD-10-CM", "E11.9", None, None),
        ("SNOMED CT", "94225005", None, None),
        ("SNOMED CT", "44054006", None, None),
    ],
)
def test_diagnosis_codes_map_to_the_most_specific_supported_oncotree_code(
    system: str, code: str, text: str | None, expected: str | None
) -> None:
    assert diagnoses.to_oncotree(system, code, text) == expected


def test_refinement_never_leaves_the_site_the_code_names() -> None:
    assert diagnoses.to_oncotree("ICD-10-CM", "C50.912", "glioblastoma") == "BREAST"


def test_unlisted_snomed_concept_falls_back_to_its_text() -> None:
    assert diagnoses.to_oncotree("SNOMED CT", "1234567", "Acute myeloid leukemia") == "AML"


@pytest.mark.parametrize(
    ("system", "code"),
    [
        ("ICD-10-CM", "XYZ"),
        ("ICD-10-CM", ""),
        ("ICD-10-CM", "C99.9"),
        ("ICD-9-CM", "162.9"),
        ("SNOMED CT", "abc"),
        ("ICD-10-CM", "C34.999999"),
        ("", "C34.1"),
    ],
)
def test_invalid_codes_return_none_and_never_raise(system: str, code: str) -> None:
    assert diagnoses.to_oncotree(system, code) is None
    assert diagnoses.category(system, code) == "comorbidity"
    assert diagnoses.metastasis_site(system, code) is None
    assert diagnoses.describe(system, code) is None


@pytest.mark.parametrize(
    ("system", "code", "category", "site"),
    [
        ("ICD-10-CM", "C34.90", "cancer", None),
        ("ICD-10-CM", "D05.10", "cancer", None),
        ("ICD-10-CM", "C79.31", "metastasis", "brain"),
        ("ICD-10-CM", "C78.7", "metastasis", "liver"),
        ("ICD-10-CM", "C79.51", "metastasis", "bone"),
        ("ICD-10-CM", "C78.01", "metastasis", "lung"),
        ("ICD-10-CM", "C77.9", "metastasis", "lymph node"),
        ("ICD-10-CM", "I10", "comorbidity", None),
        ("ICD-10-CM", "D12.6", "comorbidity", None),
        ("SNOMED CT", "254637007", "cancer", None),
        ("SNOMED CT", "94225005", "metastasis", "brain"),
        ("SNOMED CT", "94381002", "metastasis", "liver"),
        ("SNOMED CT", "38341003", "comorbidity", None),
    ],
)
def test_category_and_metastasis_site(system: str, code: str, category: str, site: str | None) -> None:
    assert diagnoses.category(system, code) == category
    assert diagnoses.metastasis_site(system, code) == site


def test_describe_gives_the_code_description() -> None:
    assert (
        diagnoses.describe("ICD-10-CM", "C34.31")
        == "Malignant neoplasm of lower lobe, right bronchus or lung"
    )
    assert diagnoses.describe("SNOMED CT", "254637007") == "Non-small cell lung cancer"


@pytest.mark.parametrize("row", curated_rows("icd10cm_to_oncotree.csv"), ids=lambda r: r["icd10cm"])
def test_every_icd_mapping_row_is_a_cancer_code_with_a_real_oncotree_code(row: dict[str, str]) -> None:
    assert row["oncotree"] == "NONE" or oncotree.get(row["oncotree"]) is not None
    assert diagnoses.category("ICD-10-CM", row["icd10cm"]) == "cancer" or row["icd10cm"] == "C7A"


def test_every_icd_cancer_category_c00_to_c96_is_covered() -> None:
    listed = {row["icd10cm"][:3] for row in curated_rows("icd10cm_to_oncotree.csv")}
    categories = {code for code in diagnoses._neoplasms() if len(code) == 3 and "C00" <= code <= "C96"}
    secondary = {"C77", "C78", "C79", "C7B"}

    assert categories - secondary - listed == set()


@pytest.mark.parametrize("row", curated_rows("snomed_to_oncotree.csv"), ids=lambda r: r["sctid"])
def test_every_snomed_row_maps_consistently(row: dict[str, str]) -> None:
    assert diagnoses.category("SNOMED CT", row["sctid"]) == row["category"]
    expected = None if row["oncotree"] == "NONE" or row["category"] != "cancer" else row["oncotree"]
    assert diagnoses.to_oncotree("SNOMED CT", row["sctid"]) == expected


@pytest.mark.parametrize(
    "row", curated_rows("histology_refinements.csv"), ids=lambda r: f"{r['site']}-{r['keyword']}"
)
def test_every_refinement_stays_within_its_site(row: dict[str, str]) -> None:
    site = row["site"]
    if oncotree.get(site) is not None:
        assert oncotree.is_a(row["code"], site)
