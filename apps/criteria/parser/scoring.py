"""Scores of the tagger's linear model for a token sequence, and Viterbi decoding (numpy, cached per word).

The feature templates are those of tagger.features(); instead of building every feature string, the
weights of the templates that depend on one word or one tag are summed once per distinct word or tag
(cached) and shifted into place for the whole sequence. tests/criteria/test_tagger.py checks that the
result equals the plain sum over tagger.features().
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

WORD_TEMPLATES = ("w=", "s2=", "s3=", "s4=", "p3=", "sh=")
# Templates naming a neighbour word: (prefix, offset of the neighbour from the token).
NEIGHBOUR_TEMPLATES = (("w-1=", -1), ("w+1=", 1), ("w-2=", -2), ("w+2=", 2))
TAG_TEMPLATES = (("r=", "r-1=", "r+1="), ("v=", "v-1=", "v+1="))
PAD = 2


@dataclass
class Model:
    labels: tuple[str, ...]
    index: dict[str, int]
    weights: np.ndarray  # (features + 1, labels); the last row is zero, for unknown features
    bias: np.ndarray  # (labels,)
    veto: frozenset[str]  # labels of rule entities the model may drop when it gives none of their tokens it
    min_add: float  # mean probability a span the rules missed needs to be added
    transitions: np.ndarray | None  # (labels, labels) label-to-label scores of a linear-chain CRF
    _words: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _tags: dict[tuple[int, str], np.ndarray] = field(default_factory=dict, repr=False)

    def row(self, feature: str) -> np.ndarray:
        return self.weights[self.index.get(feature, len(self.index))]

    def word(self, w: str, shape: str) -> np.ndarray:
        """(1 + neighbour templates, labels): the word's weights as the token, then as each neighbour."""
        vec = self._words.get(w)
        if vec is None:
            own = sum(self.row(t + v) for t, v in zip(WORD_TEMPLATES, _affixes(w, shape), strict=True))
            vec = np.vstack([own, *(self.row(t + w) for t, _ in NEIGHBOUR_TEMPLATES)])
            if len(self._words) < 200_000:
                self._words[w] = vec
        return vec

    def tag(self, kind: int, t: str) -> np.ndarray:
        """(3, labels): the tag's weights on its own token, as the previous and as the next tag."""
        vec = self._tags.get((kind, t))
        if vec is None:
            vec = np.vstack([self.row(p + t) for p in TAG_TEMPLATES[kind]])
            self._tags[(kind, t)] = vec
        return vec


def _affixes(w: str, shape: str) -> tuple[str, ...]:
    return (w, w[-2:], w[-3:], w[-4:], w[:3], shape)


def model_from_dict(raw: dict[str, Any]) -> Model:
    labels = tuple(raw["labels"])
    names = list(raw["features"])
    weights = np.zeros((len(names) + 1, len(labels)))
    for row, name in enumerate(names):
        for col, w in raw["features"][name].items():
            weights[row, labels.index(col)] = w
    transitions = None
    if raw.get("transitions") is not None:
        transitions = np.zeros((len(labels), len(labels)))
        for a, out in raw["transitions"].items():
            for b, w in out.items():
                transitions[labels.index(a), labels.index(b)] = w
    return Model(
        labels,
        {n: i for i, n in enumerate(names)},
        weights,
        np.asarray(raw["bias"], dtype=float),
        frozenset(raw.get("veto", ())),
        float(raw.get("min_add", 0.0)),
        transitions,
    )


def emissions(
    model: Model, words: list[str], shapes: list[str], tags: list[str], vtags: list[str]
) -> np.ndarray:
    """(tokens, labels) scores: the sum of the weights of every feature tagger.features() gives each token."""
    n = len(words)
    padded = ["<s>"] * PAD + words + ["</s>"] * PAD
    pshapes = ["<s>"] * PAD + shapes + ["</s>"] * PAD
    w = np.stack([model.word(x, s) for x, s in zip(padded, pshapes, strict=True)])  # (n+4, 5, L)
    out = w[PAD : PAD + n, 0] + model.bias
    for j, (_, offset) in enumerate(NEIGHBOUR_TEMPLATES, start=1):
        out = out + w[PAD + offset : PAD + offset + n, j]
    for kind, seq in enumerate((tags, vtags)):
        t = np.stack([model.tag(kind, x) for x in ["<s>", *seq, "</s>"]])  # (n+2, 3, L)
        out = out + t[1 : 1 + n, 0] + t[0:n, 1] + t[2 : 2 + n, 2]
    pw = ["<s>", *words, "</s>"]
    pr = ["<s>", *tags, "</s>"]
    unknown = len(model.index)
    get = model.index.get
    rows = []
    for i in range(n):
        k = i + 1
        rows.append(
            (
                get("b-=" + pw[k - 1] + "|" + pw[k], unknown),
                get("b+=" + pw[k] + "|" + pw[k + 1], unknown),
                get("rw=" + pr[k] + "|" + pw[k], unknown),
                get("r-1r=" + pr[k - 1] + "|" + pr[k], unknown),
                get("vr=" + vtags[i] + "|" + pr[k], unknown),
            )
        )
    return out + model.weights[np.asarray(rows)].sum(axis=1)


def viterbi(scores: np.ndarray, transitions: np.ndarray) -> list[int]:
    """Best label path. Tokens whose best label wins by more than twice the transitions' range are fixed
    points of every best path, so only the stretches between them are decoded step by step."""
    n = len(scores)
    margin = 2 * float(transitions.max() - transitions.min())
    top = scores.argmax(axis=1)
    ordered = np.sort(scores, axis=1)
    sure = (ordered[:, -1] - ordered[:, -2]) > margin
    path = top.tolist()
    i = 0
    while i < n:
        if sure[i]:
            i += 1
            continue
        j = i
        while j < n and not sure[j]:
            j += 1
        path[i:j] = _decode(scores, transitions, i, j, path[i - 1] if i else None, path[j] if j < n else None)
        i = j
    return path


def _decode(
    scores: np.ndarray, transitions: np.ndarray, i: int, j: int, before: int | None, after: int | None
) -> list[int]:
    best = scores[i] + (transitions[before] if before is not None else 0.0)
    back = []
    for t in range(i + 1, j):
        cand = best[:, None] + transitions
        arg = cand.argmax(axis=0)
        back.append(arg)
        best = cand[arg, np.arange(len(arg))] + scores[t]
    if after is not None:
        best = best + transitions[:, after]
    path = [int(best.argmax())]
    for arg in reversed(back):
        path.append(int(arg[path[-1]]))
    return path[::-1]
