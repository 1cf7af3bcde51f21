import pytest

from apps.vocab import genes
from tests.vocab.conftest import curated_rows


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("HER2", "ERBB2"),
        ("HER-2", "ERBB2"),
        ("her2/neu", "ERBB2"),
        ("HER3", "ERBB3"),
        ("PD-L1", "CD274"),
        ("PDL1", "CD274"),
        ("B7-H1", "CD274"),
        ("PD-1", "PDCD1"),
        ("c-MET", "MET"),
        ("cMET", "MET"),
        ("c-KIT", "KIT"),
        ("TRKA", "NTRK1"),
        ("TRKB", "NTRK2"),
        ("TRKC", "NTRK3"),
        ("ALK", "ALK"),
        ("ROS-1", "ROS1"),
        ("BRCA 1", "BRCA1"),
        ("FLT-3", "FLT3"),
        ("IDH1", "IDH1"),
        ("egfr", "EGFR"),
        ("kras", "KRAS"),
        ("K-RAS", "KRAS"),
        ("p53", "TP53"),
        ("MET", "MET"),
        ("CAT", "CAT"),
        ("SET", "SET"),
    ],
)
def test_approved_symbol_resolves_symbols_aliases_and_clinical_names(text: str, symbol: str) -> None:
    assert genes.approved_symbol(text) == symbol


@pytest.mark.parametrize("text", ["met", "Set", "cat", "NTRK", "BCR-ABL", "", "not a gene", "XYZZY1"])
def test_english_words_families_fusions_and_unknowns_do_not_resolve(text: str) -> None:
    assert genes.approved_symbol(text) is None


@pytest.mark.parametrize(
    ("text", "ambiguous"),
    [
        ("MET", True),
        ("CAT", True),
        ("SET", True),
        ("met", True),
        ("NTRK", True),
        ("EGFR", False),
        ("HER2", False),
        ("KRAS", False),
    ],
)
def test_is_ambiguous_flags_shared_aliases_english_words_and_families(text: str, ambiguous: bool) -> None:
    assert genes.is_ambiguous(text) is ambiguous


def test_alias_shared_by_several_genes_is_ambiguous_and_unresolved() -> None:
    tables = genes._tables()
    shared = next(alias for alias in tables.several_targets if alias not in tables.approved_by_upper)

    assert genes.is_ambiguous(shared)
    assert genes.approved_symbol(shared) is None


def test_all_symbols_holds_the_approved_symbols() -> None:
    symbols = genes.all_symbols()

    assert {"EGFR", "ERBB2", "CD274", "NTRK1"} <= symbols
    assert "HER2" not in symbols


def test_hgnc_id_is_none_when_the_table_carries_no_ids() -> None:
    assert genes.hgnc_id("EGFR") is None


@pytest.mark.parametrize("row", curated_rows("gene_synonyms.csv"), ids=lambda r: r["synonym"])
def test_every_curated_gene_synonym_names_an_approved_symbol(row: dict[str, str]) -> None:
    if row["symbol"] == "NONE":
        assert genes.approved_symbol(row["synonym"]) is None
    else:
        assert row["symbol"] in genes.all_symbols()
        assert genes.approved_symbol(row["synonym"]) == row["symbol"]
