"""Scores of the tagger's linear model for a token sequence, and Viterbi decoding (numpy, cached per word).

The feature templates are those of tagger.features(); instead of building every feature string, the
weights of the templates that depend on one word or one tag are summed once per distinct word or tag
(cached) and shifted into place for the whole sequence. tests/criteria/test_tagger.py checks that the
result equals the plain sum over tagger.features().
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

CLUSTERS_FILE = Path(__file__).resolve().parent.parent / "data" / "word_clusters.tsv"
WORD_TEMPLATES = ("w=", "s2=", "s3=", "s4=", "p3=", "sh=")
# Templates naming a neighbour word: (prefix, offset of the neighbour from the token, cluster prefix).
NEIGHBOUR_TEMPLATES = (("w-1=", -1, "c-1_"), ("w+1=", 1, "c+1_"), ("w-2=", -2, ""), ("w+2=", 2, ""))
TAG_TEMPLATES = (("r=", "r-1=", "r+1="), ("v=", "v-1=", "v+1="))
PAD = 2


class _Table:
    """Rows computed once per distinct key (a word, a tag), kept in one growing array for fancy indexing."""

    def __init__(self, dims: tuple[int, ...], limit: int = 200_000) -> None:
        self.ids: dict[object, int] = {}
        self.rows = np.zeros((64, *dims))
        self.limit = limit

    def lookup(self, keys: list[Any], make: Any) -> np.ndarray:
        ids = self.ids
        if len(ids) + len(keys) > self.limit:  # a pathological stream of new words: start over
            ids.clear()
        out = [ids.get(k, -1) for k in keys]
        for i, k in enumerate(keys):
            if out[i] < 0:
                if k not in ids:
                    n = len(ids)
                    if n == len(self.rows):
                        self.rows = np.concatenate([self.rows, np.zeros_like(self.rows)])
                    self.rows[n] = make(k)
                    ids[k] = n
                out[i] = ids[k]
        return np.asarray(out, dtype=np.intp)


@dataclass
class Model:
    labels: tuple[str, ...]
    index: dict[str, int]
    weights: np.ndarray  # (features + 1, labels); the last row is zero, for unknown features
    bias: np.ndarray  # (labels,)
    veto: frozenset[str]  # labels of rule entities the model may drop when it gives none of their tokens it
    min_add: float  # mean probability a span the rules missed needs to be added
    transitions: np.ndarray | None  # (labels, labels) label-to-label scores of a linear-chain CRF
    _words: _Table | None = field(default=None, repr=False)
    _tags: _Table | None = field(default=None, repr=False)

    def row(self, feature: str) -> np.ndarray:
        return self.weights[self.index.get(feature, len(self.index))]

    def word(self, w: str) -> np.ndarray:
        """(1 + neighbour templates, labels): the word's weights as the token, then as each neighbour."""
        own = [t + v for t, v in zip(WORD_TEMPLATES, _affixes(w), strict=True)] + cluster_features(w, "c")
        rows = [own] + [[t + w, *cluster_features(w, c)] for t, _, c in NEIGHBOUR_TEMPLATES]
        return np.vstack([self.rows(names) for names in rows])

    def rows(self, features: list[str]) -> np.ndarray:
        """The summed weights of several features."""
        return self.weights[[self.index.get(f, len(self.index)) for f in features]].sum(axis=0)

    def tag(self, key: tuple[int, str]) -> np.ndarray:
        """(3, labels): the tag's weights on its own token, as the previous and as the next tag."""
        kind, t = key
        return np.vstack([self.row(p + t) for p in TAG_TEMPLATES[kind]])

    def word_rows(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        if self._words is None:
            self._words = _Table((1 + len(NEIGHBOUR_TEMPLATES), len(self.labels)))
        ids = self._words.lookup(words, self.word)
        return self._words.rows, ids

    def tag_rows(self, kind: int, tags: list[str]) -> tuple[np.ndarray, np.ndarray]:
        if self._tags is None:
            self._tags = _Table((3, len(self.labels)), limit=10_000)
        ids = self._tags.lookup([(kind, t) for t in tags], self.tag)
        return self._tags.rows, ids


@cache
def clusters() -> dict[str, tuple[str, ...]]:
    """Word -> its distributional cluster ids, coarse to fine (tools/build_clusters.py); empty if absent."""
    if not CLUSTERS_FILE.exists():
        return {}
    out = {}
    for line in CLUSTERS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, *ids = line.split("\t")
            out[word] = tuple(ids)
    return out


def cluster_features(word: str, prefix: str) -> list[str]:
    """The feature names of a word's clusters (or of having none), under a template prefix."""
    if not prefix:
        return []
    ids = clusters().get(word)
    if ids is None:
        return [prefix + "=none"]
    return [f"{prefix}{k}={c}" for k, c in enumerate(ids)]


def shape(tok: str) -> str:
    if tok == "@number":
        return "num"
    if tok.isalpha():
        return "alpha" if len(tok) > 3 else "short"
    if "-" in tok:
        return "hyphen"
    if any(c.isalnum() for c in tok):
        return "mixed"
    return "punct"


def _affixes(w: str) -> tuple[str, ...]:
    return (w, w[-2:], w[-3:], w[-4:], w[:3], shape(w))


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


Sequence = tuple[list[str], list[str], list[str]]  # words, rule tags, vocabulary tags


def emissions(model: Model, words: list[str], tags: list[str], vtags: list[str]) -> np.ndarray:
    """(tokens, labels) scores: the sum of the weights of every feature tagger.features() gives each token."""
    return emissions_batch(model, [(words, tags, vtags)])[0]


def emissions_batch(model: Model, seqs: list[Sequence]) -> list[np.ndarray]:
    """emissions() of several sequences, computed together."""
    pw: list[str] = []  # every sequence padded with two words each side, one after the other
    pt: list[list[str]] = [[], []]  # rule and vocabulary tags, padded with one tag each side
    wpos: list[int] = []
    tpos: list[int] = []
    unknown = len(model.index)
    get = model.index.get
    rows = []
    for words, tags, vtags in seqs:
        base, tbase = len(pw), len(pt[0])
        pw += ["<s>"] * PAD + words + ["</s>"] * PAD
        pt[0] += ["<s>", *tags, "</s>"]
        pt[1] += ["<s>", *vtags, "</s>"]
        wpos += range(base + PAD, base + PAD + len(words))
        tpos += range(tbase + 1, tbase + 1 + len(words))
        w1 = ["<s>", *words, "</s>"]
        r1 = ["<s>", *tags, "</s>"]
        for i in range(len(words)):
            k = i + 1
            rows.append(
                (
                    get("b-=" + w1[k - 1] + "|" + w1[k], unknown),
                    get("b+=" + w1[k] + "|" + w1[k + 1], unknown),
                    get("rw=" + r1[k] + "|" + w1[k], unknown),
                    get("r-1r=" + r1[k - 1] + "|" + r1[k], unknown),
                    get("vr=" + vtags[i] + "|" + r1[k], unknown),
                )
            )
    if not wpos:
        return [np.zeros((0, len(model.labels))) for _ in seqs]
    table, wid = model.word_rows(pw)  # wid: row of each padded word in the (words, 5, labels) table
    at = np.asarray(wpos)
    out = table[wid[at], 0] + model.bias + model.weights[np.asarray(rows)].sum(axis=1)
    for j, (_, offset, _) in enumerate(NEIGHBOUR_TEMPLATES, start=1):
        out += table[wid[at + offset], j]
    tat = np.asarray(tpos)
    for kind in (0, 1):
        ttable, tid = model.tag_rows(kind, pt[kind])  # (tags, 3, labels)
        out += ttable[tid[tat], 0] + ttable[tid[tat - 1], 1] + ttable[tid[tat + 1], 2]
    bounds = np.cumsum([len(x[0]) for x in seqs])[:-1]
    return np.split(out, bounds)


def viterbi_batch(seqs: list[np.ndarray], transitions: np.ndarray) -> list[list[int]]:
    """Best label path of each (tokens, labels) score matrix. The sequences advance together, longest
    first, one numpy step per token position over those still running."""
    if not seqs:
        return []
    order = sorted(range(len(seqs)), key=lambda i: -len(seqs[i]))
    lengths = [len(seqs[i]) for i in order]
    n_labels = transitions.shape[0]
    scores = np.zeros((len(seqs), lengths[0], n_labels))
    for row, i in enumerate(order):
        scores[row, : lengths[row]] = seqs[i]
    best = scores[:, 0, :].copy()
    backs = np.zeros(scores.shape, dtype=np.intp)
    running = len(seqs)
    for t in range(1, lengths[0]):
        while lengths[running - 1] <= t:
            running -= 1
        cand = best[:running, :, None] + transitions[None, :, :]  # (sequence, previous, current)
        arg = cand.argmax(axis=1)
        best[:running] = np.take_along_axis(cand, arg[:, None, :], axis=1)[:, 0, :] + scores[:running, t, :]
        backs[:running, t, :] = arg
    ends = best.argmax(axis=1).tolist()
    out: list[list[int]] = [[] for _ in seqs]
    for row, i in enumerate(order):
        back = backs[row, : lengths[row]].tolist()
        path = [ends[row]]
        for t in range(lengths[row] - 1, 0, -1):
            path.append(back[t][path[-1]])
        out[i] = path[::-1]
    return out


def viterbi(scores: np.ndarray, transitions: np.ndarray) -> list[int]:
    """Best label path of one (tokens, labels) score matrix."""
    return viterbi_batch([scores], transitions)[0]
