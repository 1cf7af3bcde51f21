"""Learned token tagger (linear, weights in data/ner_model.json) that completes and checks rule entities.

Each token of a criterion gets one label (IO tagging) from a multinomial logistic regression over hand-made
features: the normalised word, its affixes and shape, its neighbours, and the type of the rule entity that
covers it. Runs of one label become spans. The model was trained on ner_dev.tsv (lower-cased, numbers as
@NUMBER), so input is normalised the same way: the matching view is lower case and every number becomes
"@number". Pure and deterministic; the training script is apps/criteria/tools/train_ner.py.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import numpy as np

from .dictionary import build, phrase_key, vocabulary
from .entities import Entity
from .scoring import (
    Model,
    cluster_features,
    emissions_batch,
    model_from_dict,
    shape,
    viterbi_batch,
)

MODEL_FILE = Path(__file__).resolve().parent.parent / "data" / "ner_model.json"

_TOKEN = re.compile(r"@number|\d+(?:[.,]\d+)*|[^\W_]+(?:['-][^\W_]+)*|[^\w\s]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*|@number")
_DIGITS = re.compile(r"\d+")
_HAS_DIGIT = re.compile(r"\d")

# Model label -> entity type written for a span the rules did not find.
LABEL_TYPE = {
    "cancer": "cancer",
    "chronic_disease": "condition",
    "treatment": "drug",
    "clinical_variable": "measurement",
    "bound": "value",
    "age": "age",
    "gender": "sex",
    "pregnancy": "pregnancy",
}
# Rule entity type -> the model label it stands for.
TYPE_LABEL = {
    "cancer": "cancer",
    "condition": "chronic_disease",
    "drug": "treatment",
    "procedure": "treatment",
    "measurement": "clinical_variable",
    "biomarker": "clinical_variable",
    "performance_status": "clinical_variable",
    "value": "bound",
    "age": "age",
    "sex": "gender",
    "pregnancy": "pregnancy",
}
_PROCEDURE = re.compile(
    r"(?:ectomy|otomy|ostomy|plasty|scopy|graphy|surgery|surgeries|surgical|transplant\w*|radiation|"
    r"radiotherapy|irradiation|resection|dialysis|implant\w*|procedure|operation|biopsy|ablation|stent\w*|"
    r"bypass|intubation|ventilation|catheter\w*|device|stimulat\w*|photopheresis|transfusion|apheresis)$"
)


def tokenize(view: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """(normalised token, start, end): numbers become "@number", digits inside words "0"."""
    out = []
    for m in _TOKEN.finditer(view, start, end):
        tok = m.group()
        if _NUMBER.fullmatch(tok):
            tok = "@number"
        elif _HAS_DIGIT.search(tok):
            tok = _DIGITS.sub("0", tok)
        out.append((tok, m.start(), m.end()))
    return out


def rule_tags(toks: list[tuple[str, int, int]], ents: list[Entity]) -> list[str]:
    """The type of the rule entity covering each token ("-" for none)."""
    tags = ["-"] * len(toks)
    j = 0
    ordered = sorted(ents, key=lambda e: e.start)
    for i, (_, s, e) in enumerate(toks):
        while j < len(ordered) and ordered[j].end <= s:
            j += 1
        for ent in ordered[j : j + 3]:
            if ent.start < e and s < ent.end:
                tags[i] = _rule_tag(ent)
                break
    return tags


def _rule_tag(ent: Entity) -> str:
    """The entity's type, refined where the rules know more: bare numbers, classes, generic words."""
    if ent.type == "value":
        m = ent.extra.get("m")
        if isinstance(m, re.Match):
            cmp = "c" if m.group("cmp") or m.group("trail") else ""
            unit = "u" if m.group("unit") else ""
            return f"value{cmp}{unit}" if cmp or unit else "value_bare"
        return "value"
    if ent.type == "condition" and ent.key == "organ":
        return "organ"
    if ent.type == "drug" and ent.key.startswith("class:"):
        return "drug_class"
    if ent.type == "cancer" and ent.key == "generic":
        return "cancer_generic"
    return ent.type


def vocab_tags(view: str, toks: list[tuple[str, int, int]]) -> list[str]:
    """The type of the broader-vocabulary term (dictionary.vocabulary) covering each token ("-" for none)."""
    if not toks:
        return []
    tags = ["-"] * len(toks)
    starts = {s: i for i, (_, s, _) in enumerate(toks)}
    for hit in vocabulary().find(view, toks[0][1], toks[-1][2]):
        i = starts.get(hit.start)
        while i is not None and i < len(toks) and toks[i][1] < hit.end:
            tags[i] = hit.entry.type
            i += 1
    return tags


def features(toks: list[tuple[str, int, int]], tags: list[str], vtags: list[str]) -> list[list[str]]:
    words = ["<s>", "<s>", *(t[0] for t in toks), "</s>", "</s>"]
    rt = ["<s>", "<s>", *tags, "</s>", "</s>"]
    vt = ["<s>", "<s>", *vtags, "</s>", "</s>"]
    out = []
    for i in range(len(toks)):
        w, k = words[i + 2], i + 2
        f = [
            "w=" + w,
            "s2=" + w[-2:],
            "s3=" + w[-3:],
            "s4=" + w[-4:],
            "p3=" + w[:3],
            "sh=" + shape(w),
            "w-1=" + words[k - 1],
            "w+1=" + words[k + 1],
            "w-2=" + words[k - 2],
            "w+2=" + words[k + 2],
            "b-=" + words[k - 1] + "|" + w,
            "b+=" + w + "|" + words[k + 1],
            "r=" + rt[k],
            "r-1=" + rt[k - 1],
            "r+1=" + rt[k + 1],
            "rw=" + rt[k] + "|" + w,
            "r-1r=" + rt[k - 1] + "|" + rt[k],
            "v=" + vt[k],
            "v-1=" + vt[k - 1],
            "v+1=" + vt[k + 1],
            "vr=" + vt[k] + "|" + rt[k],
            *cluster_features(w, "c"),
            *cluster_features(words[k - 1], "c-1_"),
            *cluster_features(words[k + 1], "c+1_"),
        ]
        out.append(f)
    return out


@cache
def _load(path: Path = MODEL_FILE) -> Model | None:
    if not path.exists():
        return None
    return model_from_dict(json.loads(path.read_text(encoding="utf-8")))


_override: list[Model | None] = []


def use(model: Model | None) -> None:
    """Replace the shipped model (cross-validation trains one per fold); `use(None)` disables the tagger."""
    _override[:] = [model]


def reset() -> None:
    _override.clear()


def current() -> Model | None:
    return _override[0] if _override else _load()


def predict_batch(
    model: Model, items: list[tuple[list[tuple[str, int, int]], list[str], list[str]]]
) -> list[tuple[list[str], list[float]]]:
    """Per (tokens, rule tags, vocabulary tags): each token's label (Viterbi path for a CRF) and the
    probability of its own best label (softmax of the token's own scores, without transitions)."""
    seqs = []
    for toks, tags, vtags in items:
        words = [t[0] for t in toks]
        seqs.append((words, tags, vtags))
    all_scores = emissions_batch(model, seqs)
    nonempty = [i for i, x in enumerate(all_scores) if len(x)]
    if model.transitions is None:
        paths = [all_scores[i].argmax(axis=1).tolist() for i in nonempty]
    else:
        paths = viterbi_batch([all_scores[i] for i in nonempty], model.transitions)
    out: list[tuple[list[str], list[float]]] = [([], []) for _ in items]
    for i, path in zip(nonempty, paths, strict=True):
        scores = all_scores[i] - all_scores[i].max(axis=1, keepdims=True)
        top = 1.0 / np.exp(scores).sum(axis=1)
        out[i] = ([model.labels[k] for k in path], top.tolist())
    return out


def spans(toks: list[tuple[str, int, int]], labels: list[str]) -> list[tuple[int, int, str]]:
    """Runs of consecutive tokens with one label, as (start, end, label)."""
    out: list[tuple[int, int, str]] = []
    previous = "O"
    for (_, s, e), lab in zip(toks, labels, strict=True):
        if lab in LABEL_TYPE:
            if lab == previous:
                out[-1] = (out[-1][0], e, lab)
            else:
                out.append((s, e, lab))
        previous = lab
    return out


def _code(etype: str, surface: str) -> str | None:
    """The code of a model span when its whole text is a known term of the same kind (else None)."""
    from apps.vocab import drugs, labs

    entry = build().table.get(phrase_key(surface))
    if entry is not None and entry.code and TYPE_LABEL.get(entry.type) == TYPE_LABEL[etype]:
        return entry.code
    if etype == "drug":
        drug = drugs.lookup(surface)
        return f"DRUGBANK:{drug.drugbank_id}" if drug else None
    if etype == "measurement":
        lab = labs.lookup(surface)
        return f"LOINC:{lab.loinc}" if lab else None
    return None


Pending = list[tuple[list[dict[str, object]], str, str, int, int, list[Entity]]]


def resolve(pending: Pending) -> None:
    """Fill each pending criterion's entity list (text, view, span, rule entities) in place, tagging all
    criteria of a text in one batch."""
    model = current()
    if model is None:
        for out, text, _, _, _, ents in pending:
            out[:] = [{**e.as_dict(text), "source": "rule"} for e in ents]
        return
    items = []
    for _, _, view, start, end, ents in pending:
        toks = tokenize(view, start, end)
        items.append((toks, rule_tags(toks, ents), vocab_tags(view, toks)))
    for (out, text, view, _, _, ents), (toks, _, _), (labels, probs) in zip(
        pending, items, predict_batch(model, items), strict=True
    ):
        out[:] = [
            {**e.as_dict(text), "source": source}
            for e, source in _merge(model, view, ents, toks, labels, probs)
        ]


def merge(view: str, start: int, end: int, ents: list[Entity]) -> list[tuple[Entity, str]]:
    """Rule entities (minus those the model vetoes) and model spans the rules missed, each with its source."""
    model = current()
    if model is None:
        return [(e, "rule") for e in ents]
    toks = tokenize(view, start, end)
    ((labels, probs),) = predict_batch(model, [(toks, rule_tags(toks, ents), vocab_tags(view, toks))])
    return _merge(model, view, ents, toks, labels, probs)


def _merge(
    model: Model,
    view: str,
    ents: list[Entity],
    toks: list[tuple[str, int, int]],
    labels: list[str],
    probs: list[float],
) -> list[tuple[Entity, str]]:
    out: list[tuple[Entity, str]] = []
    for ent in ents:
        label = TYPE_LABEL.get(ent.type)
        if label in model.veto:
            inside = [
                lab for (_, s, e), lab in zip(toks, labels, strict=True) if ent.start < e and s < ent.end
            ]
            if inside and label not in inside:
                continue
        out.append((ent, "rule"))
    for s, e, label in spans(toks, labels):
        if any(ent.start < e and s < ent.end and TYPE_LABEL.get(ent.type) == label for ent in ents):
            continue
        span_probs = [p for (_, ts, te), p in zip(toks, probs, strict=True) if s <= ts and te <= e]
        if sum(span_probs) / len(span_probs) < model.min_add:
            continue
        etype = LABEL_TYPE[label]
        if etype == "drug" and _PROCEDURE.search(view[s:e]):
            etype = "procedure"
        out.append((Entity(etype, s, e, _code(etype, view[s:e])), "model"))
    out.sort(key=lambda pair: (pair[0].start, pair[0].end))
    return out
