"""Train the criteria tagger (parser/tagger.py) on ner_dev.tsv and write apps/criteria/data/ner_model.json.

Run: .venv/bin/python -m apps.criteria.tools.train_ner [PATH_TO_TSV]   (needs scikit-learn, installed)
Cross-validated estimate: .venv/bin/python benchmarks/ner_eval.py --cv 5 (never score the shipped model on
the lines it was trained on). Deterministic: same data, same JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from apps.criteria.parser import structure, tagger
from apps.criteria.parser.entities import find
from apps.criteria.parser.text import matching_view

DEFAULT_TSV = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "eval" / "ner_dev.tsv"
# ner_dev labels -> model labels; bounds share one label (both are `value` entities).
_LABEL = {
    "cancer": "cancer",
    "chronic_disease": "chronic_disease",
    "treatment": "treatment",
    "clinical_variable": "clinical_variable",
    "lower_bound": "bound",
    "upper_bound": "bound",
    "age": "age",
    "gender": "gender",
    "pregnancy": "pregnancy",
}
C1 = 0.05  # CRF L1 regularisation, chosen by 5-fold cross-validation on ner_dev (benchmarks/ner_eval.md)
C = 1.0  # CRF L2 regularisation (the inverse strength C for "logreg"), cross-validated likewise
PRUNE = 0.02  # weights below this are dropped from the JSON (no measurable effect, 4x smaller file)
VETO = ("bound", "treatment", "chronic_disease", "cancer", "clinical_variable")  # cross-validated
METHOD = "crf"  # linear-chain CRF (sklearn-crfsuite); "logreg" tags each token on its own
ITERATIONS = 150  # L-BFGS iterations of the CRF (with C = 1.0; 60 iterations suited the weaker C = 0.05)
MIN_ADD = 0.0  # mean token probability a model-only span needs (cross-validated)

Row = tuple[str, list[tuple[int, int, str]]]


class TrainingDataError(ValueError):
    pass


def read(path: Path) -> list[Row]:
    """(text, [(start, end, label)]) per line, 0-based end-exclusive offsets (the file's are 1-based)."""
    rows: list[Row] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        labels, tab, text = line.partition("\t")
        if not tab:
            raise TrainingDataError(f"{path}: line {lineno}: no TAB between labels and text")
        gold = []
        for item in filter(None, labels.split(",")):
            try:
                s, e, label = item.split(":", 2)
                gold.append((int(s) - 1, int(e) - 1, label))
            except ValueError as exc:
                raise TrainingDataError(
                    f"{path}: line {lineno}: field labels: bad span {item!r} ({exc})"
                ) from exc
            if not 0 <= gold[-1][0] < gold[-1][1] <= len(text):
                raise TrainingDataError(
                    f"{path}: line {lineno}: field labels: span {item!r} outside the text"
                )
        rows.append((text, gold))
    return rows


def _nodes(nodes: list[structure.Node]) -> list[structure.Node]:
    out = []
    for node in nodes:
        out.append(node)
        out.extend(_nodes(node.children))
    return out


def examples(rows: list[Row]) -> list[tuple[list[list[str]], list[str]]]:
    """(token features, gold labels) per criterion, cut and featurised exactly as the parser does."""
    out = []
    for text, gold in rows:
        view = matching_view(text)
        for node in _nodes(structure.split(text, view)):
            toks = tagger.tokenize(view, node.start, node.end)
            if not toks:
                continue
            ents = find(text, view, node.start, node.end)
            feats = tagger.features(toks, tagger.rule_tags(toks, ents), tagger.vocab_tags(view, toks))
            labels = []
            for _, s, e in toks:
                hit = next((lab for gs, ge, lab in gold if gs < e and s < ge), None)
                labels.append("O" if hit is None else _LABEL.get(hit, "other"))
            out.append((feats, labels))
    return out


def _sparse(pairs: dict[tuple[str, str], float]) -> dict[str, dict[str, float]]:
    weights: dict[str, dict[str, float]] = {}
    for (name, label), w in pairs.items():
        if abs(w) >= PRUNE:
            weights.setdefault(name, {})[label] = round(float(w), 4)
    return {k: dict(sorted(v.items())) for k, v in sorted(weights.items())}


def train(
    rows: list[Row],
    *,
    c: float = C,
    veto: tuple[str, ...] = VETO,
    min_add: float = MIN_ADD,
    method: str = METHOD,
) -> dict[str, Any]:
    """The model as the JSON-ready dict parser/tagger.py reads (`method` "crf" or "logreg")."""
    seqs = examples(rows)
    if method == "crf":
        import sklearn_crfsuite

        crf = sklearn_crfsuite.CRF(
            algorithm="lbfgs",
            c1=C1,
            c2=c,
            max_iterations=ITERATIONS,
            all_possible_transitions=True,
        )
        crf.fit([[dict.fromkeys(f, 1.0) for f in fs] for fs, _ in seqs], [labs for _, labs in seqs])
        classes = sorted(str(k) for k in crf.classes_)
        transitions: dict[str, dict[str, float]] = {}
        for (a, b), w in crf.transition_features_.items():
            transitions.setdefault(str(a), {})[str(b)] = round(float(w), 4)
        return {
            "labels": classes,
            "bias": [0.0] * len(classes),
            "transitions": transitions,
            "veto": list(veto),
            "min_add": min_add,
            "features": _sparse(crf.state_features_),
        }
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    feats = [f for fs, _ in seqs for f in fs]
    labels = [lab for _, labs in seqs for lab in labs]
    vec = DictVectorizer()
    x = vec.fit_transform([dict.fromkeys(f, 1) for f in feats])
    clf = LogisticRegression(C=c, max_iter=300, tol=1e-4)
    clf.fit(x, labels)
    classes = [str(k) for k in clf.classes_]
    pairs = {
        (str(name), classes[k]): float(clf.coef_[k, j])
        for j, name in enumerate(vec.get_feature_names_out())
        for k in range(len(classes))
    }
    return {
        "labels": classes,
        "bias": [round(float(b), 4) for b in clf.intercept_],
        "veto": list(veto),
        "min_add": min_add,
        "features": _sparse(pairs),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", type=Path, default=DEFAULT_TSV)
    ap.add_argument("--out", type=Path, default=tagger.MODEL_FILE)
    args = ap.parse_args()
    tagger.use(None)  # features use the rules only, never an earlier model
    rows = read(args.path)
    model = train(rows)
    model["provenance"] = {
        "trained_on": "ner_dev.tsv (facebookresearch/Clinical-Trial-Parser, Apache-2.0), all lines",
        "lines": len(rows),
        "sha256": hashlib.sha256(args.path.read_bytes()).hexdigest(),
        "method": (
            f"linear-chain CRF (sklearn-crfsuite, L-BFGS {ITERATIONS} iterations, c1={C1}, c2=C)"
            if METHOD == "crf"
            else "multinomial logistic regression (scikit-learn, L2)"
        )
        + f", C={C}, IO labels, weights |w| < {PRUNE} pruned, merge veto {list(VETO)}",
        "script": "apps/criteria/tools/train_ner.py",
        "estimate": "benchmarks/ner_eval.md (5-fold cross-validation)",
    }
    args.out.write_text(json.dumps(model, separators=(",", ":"), sort_keys=False) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(model['features'])} features, labels {model['labels']}")


if __name__ == "__main__":
    main()
