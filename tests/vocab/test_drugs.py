import pytest
import yaml

from apps.vocab import drugs
from apps.vocab._common import DATA_DIR
from tests.vocab.conftest import curated_rows


@pytest.mark.parametrize(
    ("text", "dbid"),
    [
        ("nivolumab", "DB09035"),
        ("Nivolumab", "DB09035"),
        ("Opdivo", "DB09035"),
        ("Keytruda", "DB09037"),
        ("pembrolizumab", "DB09037"),
        ("5-FU", "DB00544"),
        ("fluorouracil", "DB00544"),
        ("folinic acid", "DB00650"),
        ("sotorasib", "DB15569"),
        ("adagrasib", "DB15568"),
        ("trastuzumab deruxtecan", "DB14962"),
        ("T-DXd", "DB14962"),
        ("Fam-trastuzumab deruxtecan-nxki", "DB14962"),
        ("osimertinib", "DB09330"),
        ("Tagrisso", "DB09330"),
        ("DB00072", "DB00072"),
    ],
)
def test_lookup_finds_drugs_by_name_synonym_brand_and_id(text: str, dbid: str) -> None:
    drug = drugs.lookup(text)

    assert drug is not None
    assert drug.drugbank_id == dbid


@pytest.mark.parametrize("text", ["", "chemotherapy", "not a drug name"])
def test_lookup_returns_none_for_unknown_text(text: str) -> None:
    assert drugs.lookup(text) is None


def test_newer_drugs_are_named_by_their_inn_not_the_2020_code_name() -> None:
    assert drugs.lookup("AMG 510") == drugs.Drug("DB15569", "sotorasib")


def test_by_id_returns_the_drug() -> None:
    assert drugs.by_id("DB00072") == drugs.Drug("DB00072", "Trastuzumab")
    assert drugs.by_id("DB99999") is None


@pytest.mark.parametrize(
    ("rxcui", "name"),
    [
        ("1597876", "Nivolumab"),
        ("224905", "Trastuzumab"),
        ("1298944", "Pertuzumab"),
        ("72962", "Docetaxel"),
        ("4492", "Fluorouracil"),
        ("6313", "Leucovorin"),
        ("51499", "Irinotecan"),
        ("32592", "Oxaliplatin"),
        ("40048", "Carboplatin"),
        ("56946", "Paclitaxel"),
    ],
)
def test_by_rxnorm_maps_ingredient_rxcuis(rxcui: str, name: str) -> None:
    drug = drugs.by_rxnorm(rxcui)

    assert drug is not None
    assert drug.name == name


def test_by_rxnorm_unknown_rxcui_is_none() -> None:
    assert drugs.by_rxnorm("999999999") is None


@pytest.mark.parametrize("row", curated_rows("rxnorm_to_drugbank.csv"), ids=lambda r: r["name"])
def test_every_rxnorm_row_points_at_the_drug_it_names(row: dict[str, str]) -> None:
    drug = drugs.by_rxnorm(row["rxcui"])

    assert drug is not None
    assert drugs.lookup(row["name"]) == drug


@pytest.mark.parametrize(
    ("text", "class_id"),
    [
        ("platinum-based chemotherapy", "platinum"),
        ("platinum", "platinum"),
        ("platinum doublet", "platinum"),
        ("anti-PD-1", "anti_pd_1"),
        ("PD-1 inhibitor", "anti_pd_1"),
        ("PD-1 inhibitors", "anti_pd_1"),
        ("anti-PD-L1", "anti_pd_l1"),
        ("anti-PD-(L)1", "anti_pd_1_pd_l1"),
        ("immune checkpoint inhibitor", "immune_checkpoint_inhibitor"),
        ("EGFR TKI", "egfr_tki"),
        ("EGFR tyrosine kinase inhibitor", "egfr_tki"),
        ("taxane", "taxane"),
        ("taxanes", "taxane"),
        ("anthracycline", "anthracycline"),
        ("KRAS G12C inhibitor", "kras_g12c_inhibitor"),
        ("second-generation ALK TKI", "alk_tki_second_generation"),
        ("fluoropyrimidine", "fluoropyrimidine"),
        ("PARP inhibitor", "parp_inhibitor"),
        ("CDK4/6 inhibitor", "cdk4_6_inhibitor"),
        ("anti-HER2", "anti_her2"),
        ("anti-VEGF", "anti_vegf"),
        ("PI3K inhibitor", "pi3k_inhibitor"),
        ("mTOR inhibitor", "mtor_inhibitor"),
        ("AKT inhibitor", "akt_inhibitor"),
        ("BRAF inhibitor", "braf_inhibitor"),
        ("MEK inhibitor", "mek_inhibitor"),
        ("aromatase inhibitor", "aromatase_inhibitor"),
        ("antiandrogen", "antiandrogen"),
        ("anti-CTLA-4", "anti_ctla_4"),
        ("TRK inhibitor", "trk_inhibitor"),
        ("ROS1 inhibitor", "ros1_inhibitor"),
        ("chemotherapy", "chemotherapy"),
        ("immunotherapy", "immunotherapy"),
        ("tyrosine kinase inhibitor", "tki"),
    ],
)
def test_class_lookup_reads_class_names_as_eligibility_text_writes_them(text: str, class_id: str) -> None:
    assert drugs.class_lookup(text) == class_id


@pytest.mark.parametrize(
    ("drug", "class_id"),
    [
        ("nivolumab", "anti_pd_1"),
        ("nivolumab", "immune_checkpoint_inhibitor"),
        ("nivolumab", "immunotherapy"),
        ("carboplatin", "platinum"),
        ("carboplatin", "chemotherapy"),
        ("capecitabine", "fluoropyrimidine"),
        ("capecitabine", "chemotherapy"),
        ("osimertinib", "egfr_tki"),
        ("osimertinib", "tki"),
        ("alectinib", "alk_tki_second_generation"),
        ("sotorasib", "kras_g12c_inhibitor"),
        ("lapatinib", "anti_her2"),
        ("trastuzumab", "anti_her2"),
        ("bevacizumab", "anti_vegf"),
        ("abiraterone", "arpi"),
    ],
)
def test_classes_of_includes_ancestor_classes(drug: str, class_id: str) -> None:
    found = drugs.lookup(drug)

    assert found is not None
    assert class_id in drugs.classes_of(found.drugbank_id)
    assert found.drugbank_id in drugs.members(class_id)


def test_members_of_a_parent_class_include_its_descendants_members() -> None:
    assert drugs.members("anti_pd_1") | drugs.members("anti_pd_l1") <= drugs.members(
        "immune_checkpoint_inhibitor"
    )
    assert drugs.members("platinum") <= drugs.members("chemotherapy")
    assert not drugs.members("platinum") & drugs.members("immunotherapy")


def test_class_label_and_unknown_class() -> None:
    assert drugs.class_label("anti_pd_1") == "Anti-PD-1"
    with pytest.raises(KeyError, match="nope"):
        drugs.class_label("nope")


def _class_entries() -> list[tuple[str, dict[str, object]]]:
    return list(yaml.safe_load((DATA_DIR / "drug_classes.yaml").read_text(encoding="utf-8")).items())


@pytest.mark.parametrize(
    ("class_id", "entry"), _class_entries(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_class_member_is_a_drugbank_drug_and_every_synonym_resolves(class_id: str, entry: dict) -> None:
    for dbid in entry.get("members") or []:
        assert drugs.by_id(dbid) is not None, dbid
    for synonym in entry.get("synonyms") or []:
        assert drugs.class_lookup(synonym) == class_id
    for parent in entry.get("parents") or []:
        assert parent in drugs.class_parents(class_id)


def test_class_synonyms_table_covers_every_class() -> None:
    assert set(drugs.class_synonyms().values()) == drugs.class_ids()


@pytest.mark.parametrize("row", curated_rows("drug_brands.csv"), ids=lambda r: r["brand"])
def test_every_brand_resolves_to_its_drug(row: dict[str, str]) -> None:
    drug = drugs.lookup(row["brand"])

    assert drug is not None
    assert drug.drugbank_id == row["drugbank_id"]


@pytest.mark.parametrize("row", curated_rows("drug_synonyms.csv"), ids=lambda r: r["synonym"])
def test_every_drug_synonym_resolves_to_its_drug(row: dict[str, str]) -> None:
    drug = drugs.lookup(row["synonym"])

    assert drug is not None
    assert drug.drugbank_id == row["drugbank_id"]
