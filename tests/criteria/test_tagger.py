"""The learned tagger: input normalisation, shipped model, merge with rule entities, training-data errors."""

import json

import pytest

from apps.criteria.parser import parse, tagger
from apps.criteria.parser.text import matching_view
from apps.criteria.tools import train_ner


def _entities(text):
    out = []
    for c in parse(text)["criteria"]:
        out.extend(c["entities"])
    return out


def _words(text):
    view = matching_view(text)
    return [t[0] for t in tagger.tokenize(view, 0, len(view))]


def test_real_text_and_ner_dev_text_give_the_same_tokens():
    real = "ANC ≥ 1.5 x 10^9/L and Hemoglobin > 9,000"
    dev = "anc ≥ @NUMBER x @NUMBER ^ @NUMBER / l and hemoglobin > @NUMBER"

    assert _words(real) == _words(dev)


def test_digits_inside_words_are_folded():
    assert _words("HIV-1 and FEV1") == ["hiv-0", "and", "fev0"]


def test_shipped_model_loads_with_provenance():
    raw = json.loads(tagger.MODEL_FILE.read_text(encoding="utf-8"))

    assert raw["provenance"]["script"] == "apps/criteria/tools/train_ner.py"
    assert "O" in raw["labels"] and "chronic_disease" in raw["labels"]
    assert tagger.current() is not None


def test_every_entity_says_whether_a_rule_or_the_model_found_it():
    ents = _entities("History of avascular necrosis of the hip\nPrior pembrolizumab")

    assert ents
    assert {e["source"] for e in ents} <= {"rule", "model"}


def test_rule_entities_keep_their_codes():
    ents = _entities("Prior treatment with pembrolizumab")

    drug = next(e for e in ents if e["text"].lower() == "pembrolizumab")
    assert drug["source"] == "rule"
    assert drug["code"].startswith("DRUGBANK:")


def test_model_finds_an_unlisted_disease_in_real_case_text():
    ents = _entities("History of Narcolepsy or chronic pelvic pain syndrome")

    assert any(
        e["type"] == "condition" and e["source"] == "model" and "Narcolepsy" in e["text"] for e in ents
    )


def test_same_text_gives_the_same_entities():
    text = "Patients with chronic pelvic pain syndrome or prior dialysis"

    assert _entities(text) == _entities(text)


def test_without_a_model_only_rule_entities_are_returned():
    tagger.use(None)
    try:
        ents = _entities("Known history of avascular necrosis of the femoral head")
    finally:
        tagger.reset()

    assert all(e["source"] == "rule" for e in ents)


def test_the_model_does_not_change_rules():
    text = (
        "Inclusion Criteria:\n- Age >= 18 years\n- AST and ALT <= 2.5 x ULN\n"
        "Exclusion Criteria:\n- Prior EGFR TKI\n- History of narcolepsy"
    )
    with_model = parse(text)
    tagger.use(None)
    try:
        without = parse(text)
    finally:
        tagger.reset()

    assert [c.get("rule") for c in with_model["criteria"]] == [c.get("rule") for c in without["criteria"]]


@pytest.mark.parametrize(
    "line,message",
    [
        ("1:5:cancer no tab here", "line 1: no TAB"),
        ("1:x:cancer\tlung cancer", "line 1: field labels: bad span '1:x:cancer'"),
        ("1:99:cancer\tlung cancer", "line 1: field labels: span '1:99:cancer' outside the text"),
    ],
)
def test_bad_training_line_names_file_line_and_field(tmp_path, line, message):
    path = tmp_path / "bad.tsv"
    path.write_text(line + "\n", encoding="utf-8")

    with pytest.raises(train_ner.TrainingDataError, match=message):
        train_ner.read(path)


def test_training_on_a_few_lines_gives_a_usable_model():
    rows = [
        ("history of narcolepsy", [(11, 21, "chronic_disease")]),
        ("prior dialysis", [(6, 14, "treatment")]),
        ("hemoglobin > @NUMBER", [(0, 10, "clinical_variable"), (11, 20, "upper_bound")]),
    ]
    tagger.use(None)
    try:
        raw = train_ner.train(rows)
    finally:
        tagger.reset()

    model = tagger.model_from_dict(raw)
    assert set(model.labels) >= {"O", "chronic_disease", "treatment"}


def _naive(model, toks, tags, vtags):
    import numpy as np

    feats = tagger.features(toks, tags, vtags)
    return np.array([sum(model.row(f) for f in fs) + model.bias for fs in feats])


@pytest.mark.parametrize(
    "text",
    [
        "ANC ≥ 1.5 x 10^9/L; no prior pembrolizumab or radiotherapy",
        "History of avascular necrosis, narcolepsy or chronic pelvic pain syndrome within 6 months",
        "x",
    ],
)
def test_fast_scores_equal_the_sum_over_the_feature_strings(text):
    import numpy as np

    from apps.criteria.parser import scoring
    from apps.criteria.parser.entities import find

    model = tagger.current()
    view = matching_view(text)
    toks = tagger.tokenize(view, 0, len(view))
    tags = tagger.rule_tags(toks, find(text, view, 0, len(text)))
    vtags = tagger.vocab_tags(view, toks)
    words = [t[0] for t in toks]

    fast = scoring.emissions(model, words, tags, vtags)

    assert np.allclose(fast, _naive(model, toks, tags, vtags))


def test_viterbi_shortcut_gives_the_exhaustive_best_path():
    import itertools

    import numpy as np

    from apps.criteria.parser import scoring

    rng = np.random.default_rng(0)
    for _ in range(50):
        scores = rng.normal(size=(5, 3)) * rng.choice([0.5, 5.0])
        trans = rng.normal(size=(3, 3))

        def total(path, scores=scores, trans=trans):
            return sum(scores[t, p] for t, p in enumerate(path)) + sum(
                trans[a, b] for a, b in itertools.pairwise(path)
            )

        best = max(itertools.product(range(3), repeat=5), key=total)
        assert np.isclose(total(scoring.viterbi(scores, trans)), total(best))


def test_batched_viterbi_equals_one_sequence_at_a_time():
    import numpy as np

    from apps.criteria.parser import scoring

    rng = np.random.default_rng(1)
    trans = rng.normal(size=(4, 4))
    seqs = [rng.normal(size=(n, 4)) for n in (7, 1, 3, 7, 12)]

    batched = scoring.viterbi_batch(seqs, trans)

    assert batched == [scoring.viterbi_batch([s], trans)[0] for s in seqs]
    assert [len(p) for p in batched] == [7, 1, 3, 7, 12]
