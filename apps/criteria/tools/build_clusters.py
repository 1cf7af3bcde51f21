"""Build apps/criteria/data/word_clusters.tsv: distributional word classes for the criteria tagger.

Unlabelled eligibility text (every ClinicalTrials.gov record under ../shared/data/ctgov: public domain;
never ner_dev.tsv, so cross-validation on it stays honest) is tokenised exactly as the tagger
tokenises; each word seen at least MIN_COUNT times is described by the words around it (positive pointwise
mutual information of its left and right neighbours at distance 1 and 2), reduced to DIM dimensions by
SVD and clustered by k-means at several granularities. The tagger uses a word's cluster ids as features,
so a word the annotated lines never show ("nivolumab", "cirrhosis") still looks like the words it
behaves like. Deterministic for a given input (fixed seeds); the output is shipped data, so run time
never depends on this script.

Run: .venv/bin/python -m apps.criteria.tools.build_clusters [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import hashlib
from collections import Counter
from pathlib import Path

import numpy as np

from apps.criteria.parser import scoring, tagger
from apps.criteria.parser.text import matching_view
from apps.trials.importers import is_importable_name, parse_file

OUT = scoring.CLUSTERS_FILE
SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
MIN_COUNT = 3
CONTEXT_WORDS = 3000  # the most frequent words are the context dimensions
DIM = 100
SIZES = (32, 128, 512)


def corpus(shared: Path) -> tuple[list[str], list[str]]:
    """Unique eligibility texts of the shared trial records; and the files read."""
    texts: dict[str, str] = {}
    files = []
    for path in sorted((shared / "ctgov").rglob("*")):
        if not path.is_file() or not is_importable_name(path.name):
            continue
        parsed = parse_file(path.name, path.read_bytes())
        files.append(str(path.relative_to(shared)))
        for record in parsed.records:
            if record.eligibility_text.strip():
                texts.setdefault(record.eligibility_text, record.eligibility_text)
    return list(texts.values()), files


def sentences(texts: list[str]) -> list[list[str]]:
    out = []
    for text in texts:
        view = matching_view(text)
        for line in view.splitlines():
            toks = [t for t, _, _ in tagger.tokenize(line, 0, len(line))]
            if toks:
                out.append(toks)
    return out


def vectors(sents: list[list[str]], dim: int = DIM) -> tuple[list[str], np.ndarray]:
    counts = Counter(t for s in sents for t in s)
    vocab = sorted((w for w, n in counts.items() if n >= MIN_COUNT), key=lambda w: (-counts[w], w))
    index = {w: i for i, w in enumerate(vocab)}
    contexts = {w: i for i, w in enumerate(vocab[:CONTEXT_WORDS])}
    n_ctx = len(contexts)
    pairs: Counter[tuple[int, int]] = Counter()
    for s in sents:
        padded = ["<s>", "<s>", *s, "</s>", "</s>"]
        for k in range(2, len(padded) - 2):
            row = index.get(padded[k])
            if row is None:
                continue
            for slot, off in enumerate((-2, -1, 1, 2)):
                col = contexts.get(padded[k + off])
                if col is not None:
                    pairs[row, slot * n_ctx + col] += 1
    from scipy.sparse import csr_matrix
    from sklearn.decomposition import TruncatedSVD

    keys = sorted(pairs)
    r = np.array([k[0] for k in keys])
    c = np.array([k[1] for k in keys])
    v = np.array([pairs[k] for k in keys], dtype=np.float64)
    total = v.sum()
    row_sum = np.bincount(r, weights=v, minlength=len(vocab))
    col_sum = np.bincount(c, weights=v, minlength=4 * n_ctx)
    pmi = np.log(v * total / (row_sum[r] * col_sum[c]))
    keep = pmi > 0
    ppmi = csr_matrix((pmi[keep], (r[keep], c[keep])), shape=(len(vocab), 4 * n_ctx))
    emb = TruncatedSVD(n_components=dim, algorithm="arpack", random_state=0).fit_transform(ppmi)
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    return vocab, emb / np.where(norms == 0, 1.0, norms)


def clusters(emb: np.ndarray) -> list[np.ndarray]:
    from sklearn.cluster import KMeans

    return [KMeans(n_clusters=k, n_init=4, random_state=0).fit_predict(emb) for k in SIZES]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    texts, files = corpus(args.shared)
    sents = sentences(texts)
    vocab, emb = vectors(sents)
    ids = clusters(emb)
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    lines = [
        "# Word clusters for the criteria tagger (apps/criteria/tools/build_clusters.py).",
        f"# From {len(texts)} unlabelled eligibility texts ({sum(map(len, sents))} tokens, sha256 {digest}):",
        *(f"#   ../shared/data/{f}" for f in files),
        "# Source: ClinicalTrials.gov records (public domain); no annotated text is used.",
        f"# Columns: word, then its k-means cluster at k = {', '.join(map(str, SIZES))}.",
    ]
    lines += ["\t".join([w, *(str(int(c[i])) for c in ids)]) for i, w in enumerate(vocab)]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(vocab)} words from {len(texts)} texts")


if __name__ == "__main__":
    main()
