import pytest

from apps.vocab import genes
from apps.vocab.variants import ProteinChange, activating_hotspots, exon_of, matches_class, parse_protein
from tests.vocab.conftest import curated_rows


@pytest.mark.parametrize(
    ("text", "short", "ref", "position", "end", "alt", "kind"),
    [
        ("p.Val600Glu", "V600E", "V", 600, 600, "E", "missense"),
        ("p.(Val600Glu)", "V600E", "V", 600, 600, "E", "missense"),
        ("V600E", "V600E", "V", 600, 600, "E", "missense"),
        ("p.V600E", "V600E", "V", 600, 600, "E", "missense"),
        ("v600e", "V600E", "V", 600, 600, "E", "missense"),
        ("p.Gly12Asp", "G12D", "G", 12, 12, "D", "missense"),
        ("G12C", "G12C", "G", 12, 12, "C", "missense"),
        ("G719X", "G719X", "G", 719, 719, None, "missense"),
        ("p.Leu747_Thr751del", "L747_T751del", "L", 747, 751, None, "deletion"),
        ("p.Glu746_Ala750del", "E746_A750del", "E", 746, 750, None, "deletion"),
        ("p.Glu746del", "E746del", "E", 746, 746, None, "deletion"),
        ("p.Ser768_Asp770dup", "S768_D770dup", "S", 768, 770, None, "duplication"),
        ("p.Ala767_Val769dup", "A767_V769dup", "A", 767, 769, None, "duplication"),
        ("p.Glu746_Ala750delinsGln", "E746_A750delinsQ", "E", 746, 750, "Q", "delins"),
        ("E746_A750delinsQ", "E746_A750delinsQ", "E", 746, 750, "Q", "delins"),
        ("p.Asp770_Asn771insSerValAsp", "D770_N771insSVD", "D", 770, 771, "SVD", "insertion"),
        ("p.Arg1441*", "R1441*", "R", 1441, 1441, "*", "nonsense"),
        ("p.Arg1441Ter", "R1441*", "R", 1441, 1441, "*", "nonsense"),
        ("p.Q61fs", "Q61fs", "Q", 61, 61, None, "frameshift"),
        ("p.Trp288CysfsTer12", "W288fs", "W", 288, 288, None, "frameshift"),
        ("p.Gly12=", "G12=", "G", 12, 12, "G", "synonymous"),
        ("p.*757Lext*?", "*757Lext", "*", 757, 757, "L", "extension"),
        ("V600", "V600", "V", 600, 600, None, "unknown"),
    ],
)
def test_parse_protein_reads_hgvs_p_in_three_and_one_letter_forms(
    text: str, short: str, ref: str, position: int, end: int, alt: str | None, kind: str
) -> None:
    assert parse_protein(text) == ProteinChange(short, ref, position, end, alt, kind)


@pytest.mark.parametrize(
    "text",
    ["", "EGFR", "exon 19 deletion", "c.35G>A", "p.", "p.Foo600Bar", "V600EE", "p.Leu751_Thr747del", "12"],
)
def test_parse_protein_returns_none_for_what_it_cannot_read(text: str) -> None:
    assert parse_protein(text) is None


@pytest.mark.parametrize(
    ("gene", "position", "exon"),
    [
        ("EGFR", 719, 18),
        ("EGFR", 729, 19),
        ("EGFR", 746, 19),
        ("EGFR", 761, 19),
        ("EGFR", 762, 20),
        ("EGFR", 790, 20),
        ("EGFR", 858, 21),
        ("KRAS", 12, 2),
        ("KRAS", 61, 3),
        ("KRAS", 146, 4),
        ("BRAF", 600, 15),
        ("KIT", 557, 11),
        ("MET", 1010, 14),
        # ERBB2 and PIK3CA edges (sources in the header of apps/vocab/data/exons.csv)
        ("ERBB2", 736, None),
        ("ERBB2", 737, 19),
        ("ERBB2", 755, 19),
        ("ERBB2", 769, 19),
        ("ERBB2", 770, 20),
        ("ERBB2", 777, 20),
        ("ERBB2", 831, 20),
        ("ERBB2", 832, None),
        ("PIK3CA", 513, None),
        ("PIK3CA", 514, 9),
        ("PIK3CA", 545, 9),
        ("PIK3CA", 555, 9),
        ("PIK3CA", 556, None),
        ("PIK3CA", 979, None),
        ("PIK3CA", 980, 20),
        ("PIK3CA", 1047, 20),
        ("PIK3CA", 1068, 20),
        ("EGFR", 5, None),
        ("TP53", 175, None),
    ],
)
def test_exon_of_uses_the_curated_exon_table(gene: str, position: int, exon: int | None) -> None:
    assert exon_of(gene, position) == exon


@pytest.mark.parametrize(
    ("gene", "change", "variant_class", "expected"),
    [
        ("EGFR", "p.Glu746_Ala750del", "exon19_deletion", True),
        ("EGFR", "L747_T751del", "exon19_deletion", True),
        ("EGFR", "E746_A750delinsQ", "exon19_deletion", True),
        ("EGFR", "exon 19 deletion", "exon19_deletion", True),
        ("EGFR", "L858R", "exon19_deletion", False),
        ("EGFR", "p.Ala767_Val769dup", "exon20_insertion", True),
        ("EGFR", "p.Asp770_Asn771insSerValAsp", "exon20_insertion", True),
        ("EGFR", "E746_A750del", "exon20_insertion", False),
        ("ERBB2", "p.Ala775_Gly776insTyrValMetAla", "exon20_insertion", True),
        ("ERBB2", "p.Tyr772_Ala775dup", "exon20_insertion", True),
        ("ERBB2", "p.Gly776delinsValCys", "exon20_insertion", True),
        ("ERBB2", "V777L", "exon20_insertion", False),
        ("ERBB2", "p.Leu755_Thr759del", "exon19_deletion", True),
        ("PIK3CA", "p.Glu545Lys", "exon9_mutation", True),
        ("PIK3CA", "p.His1047Arg", "exon20_mutation", True),
        ("PIK3CA", "p.His1047Arg", "exon9_mutation", False),
        ("EGFR", "L858R", "L858R", True),
        ("EGFR", "p.Leu858Arg", "L858R", True),
        ("EGFR", "L861Q", "L858R", False),
        ("MET", "MET exon 14 skipping", "exon14_skipping", True),
        ("MET", "p.Asp1010His", "exon14_skipping", True),
        ("MET", "p.Tyr1003Ter", "exon14_skipping", False),
        ("EGFR", "exon 14 skipping", "exon14_skipping", False),
        ("EGFR", "G719S", "activating", True),
        ("EGFR", "L861Q", "activating", True),
        ("EGFR", "S768I", "activating", True),
        ("EGFR", "C797S", "activating", False),
        ("KRAS", "G12C", "activating", True),
        ("KRAS", "G13D", "activating", True),
        ("KRAS", "Q61H", "activating", True),
        ("KRAS", "G12C", "G12X", True),
        ("KRAS", "G13D", "G12X", False),
        ("BRAF", "V600E", "activating", True),
        ("BRAF", "V600K", "V600", True),
        ("PIK3CA", "E545K", "activating", True),
        ("PIK3CA", "H1047R", "activating", True),
        ("IDH1", "R132H", "activating", True),
        ("IDH2", "R140Q", "activating", True),
        ("KIT", "p.Trp557_Lys558del", "activating", True),
        ("TP53", "R175H", "activating", False),
        ("EGFR", "not a change", "activating", False),
    ],
)
def test_matches_class(gene: str, change: str, variant_class: str, expected: bool) -> None:
    assert matches_class(gene, change, variant_class) is expected


def test_matches_class_accepts_a_parsed_change() -> None:
    change = parse_protein("p.Glu746_Ala750del")

    assert change is not None
    assert matches_class("EGFR", change, "exon19_deletion")


@pytest.mark.parametrize("row", curated_rows("exons.csv"), ids=lambda r: f"{r['gene']}-{r['exon']}")
def test_every_exon_row_is_an_approved_gene_whose_codons_map_back(row: dict[str, str]) -> None:
    gene, exon = row["gene"], int(row["exon"])

    assert gene in genes.all_symbols()
    assert exon_of(gene, int(row["first_codon"])) == exon
    assert exon_of(gene, int(row["last_codon"])) == exon


@pytest.mark.parametrize(
    "row", curated_rows("activating_hotspots.csv"), ids=lambda r: f"{r['gene']}-{r['change']}"
)
def test_every_hotspot_row_names_an_approved_gene_and_a_readable_change(row: dict[str, str]) -> None:
    assert row["gene"] in genes.all_symbols()
    assert row["change"] in activating_hotspots()[row["gene"]]
    concrete = parse_protein(row["change"])
    if concrete is not None and concrete.kind == "missense" and concrete.alt is not None:
        assert matches_class(row["gene"], row["change"], "activating")
