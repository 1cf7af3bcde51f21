"""Score parse() entities on ner_dev.tsv as ../shared/data/README.md describes (overlap, label mapping).

Run: .venv/bin/python benchmarks/ner_eval.py [PATH_TO_TSV] [--errors LABEL]
`--rules-only` switches the learned tagger off. `--cv K` estimates the full system honestly: K times, train
the tagger on K-1 folds of the file (line i is in fold i % K), score the held-out fold; prints the pooled
table and the mean and spread of the folds' micro-F1. The shipped model was trained on all of ner_dev, so
without --cv or --rules-only the score on ner_dev is a training-set score, not an estimate.
`--errors LABEL` prints that label's false negatives (FN, the gold span in [brackets]) and false
positives (FP, the predicted span in [brackets]) after the table, one line each.
A prediction counts for a label when its type maps to that label and it overlaps an annotated span of
that label; a gold span is found when any prediction of a mapped type overlaps it. A `value` prediction
overlapping no lower_bound or upper_bound span counts as a false positive for both labels.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apps.criteria.parser import parse, tagger  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "eval" / "ner_dev.tsv"
MAPPING = {
    "cancer": {"cancer"},
    "chronic_disease": {"condition"},
    "treatment": {"drug", "procedure"},
    "clinical_variable": {"measurement", "biomarker", "performance_status"},
    "lower_bound": {"value"},
    "upper_bound": {"value"},
    "age": {"age"},
    "gender": {"sex"},
    "pregnancy": {"pregnancy"},
}


def _entities(result: dict) -> list[dict]:
    out: list[dict] = []
    stack = list(result["criteria"])
    while stack:
        c = stack.pop()
        out.extend(c["entities"])
        stack.extend(c.get("children", []))
    seen, uniq = set(), []
    for e in out:
        key = (e["type"], e["start"], e["end"])
        if key not in seen:
            seen.add(key)
            uniq.append(e)
    return uniq


def read(path: Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        labels, _, text = line.partition("\t")
        gold = []
        for item in filter(None, labels.split(",")):
            try:
                s, e, label = item.split(":", 2)
                gold.append((int(s) - 1, int(e) - 1, label))
            except ValueError as exc:
                raise SystemExit(f"{path}: line {lineno}: bad label {item!r} ({exc})") from exc
        rows.append((text, gold))
    return rows


def _mark(text: str, s: int, e: int) -> str:
    return f"{text[:s]}[{text[s:e]}]{text[e:]}"


def score(
    rows: list[tuple[str, list[tuple[int, int, str]]]], errors: str | None = None
) -> dict[str, Counter]:
    counts = {label: Counter() for label in MAPPING}
    for text, gold in rows:
        preds = _entities(parse(text))
        for label, types in MAPPING.items():
            g = [(s, e) for s, e, lab in gold if lab == label]
            sibling = {lab for lab, t in MAPPING.items() if t & types}
            g_any = [(s, e) for s, e, lab in gold if lab in sibling]
            p = [(x["start"], x["end"]) for x in preds if x["type"] in types]
            for ps, pe in p:
                if any(ps < ge and gs < pe for gs, ge in g):
                    counts[label]["tp"] += 1
                elif not any(ps < ge and gs < pe for gs, ge in g_any):
                    counts[label]["fp"] += 1
                    if label == errors:
                        print("FP", _mark(text, ps, pe))
            for gs, ge in g:
                if not any(ps < ge and gs < pe for ps, pe in p):
                    counts[label]["fn"] += 1
                    if label == errors:
                        print("FN", _mark(text, gs, ge))
    return counts


def prf(c: Counter) -> tuple[float, float, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = (c["tp"]) / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def table(counts: dict[str, Counter]) -> float:
    total: Counter = Counter()
    print(f"{'label':<18} {'P':>6} {'R':>6} {'F1':>6}   tp/fp/fn")
    for label, c in counts.items():
        p, r, f = prf(c)
        total.update(c)
        print(f"{label:<18} {p:6.3f} {r:6.3f} {f:6.3f}   {c['tp']}/{c['fp']}/{c['fn']}")
    p, r, f = prf(total)
    print(f"{'micro':<18} {p:6.3f} {r:6.3f} {f:6.3f}")
    return f


Rows = list[tuple[str, list[tuple[int, int, str]]]]


def cross_validate(rows: Rows, k: int, c: float | None, grid: bool = False) -> None:
    """Pooled table and per-fold micro-F1; with `grid`, also the settings the tagger's merge can take."""
    from apps.criteria.tools import train_ner

    settings = [(tuple(train_ner.VETO), train_ner.MIN_ADD)]
    if grid:
        vetoes = [(), ("bound",), ("bound", "treatment"), ("bound", "treatment", "chronic_disease", "cancer")]
        settings += [(v, t) for v in vetoes for t in (0.0, 0.5, 0.6, 0.7)]
    pooled = [{label: Counter() for label in MAPPING} for _ in settings]
    fold_f1: list[list[float]] = [[] for _ in settings]
    for fold in range(k):
        train_rows = [r for i, r in enumerate(rows) if i % k != fold]
        test_rows = [r for i, r in enumerate(rows) if i % k == fold]
        tagger.use(None)
        model = train_ner.train(train_rows, c=train_ner.C if c is None else c)
        for n, (veto, min_add) in enumerate(settings):
            tagger.use(tagger.model_from_dict({**model, "veto": list(veto), "min_add": min_add}))
            counts = score(test_rows)
            total: Counter = Counter()
            for label, cnt in counts.items():
                pooled[n][label].update(cnt)
                total.update(cnt)
            fold_f1[n].append(prf(total)[2])
        print(f"fold {fold + 1}/{k}: micro-F1 {fold_f1[0][-1]:.3f}", file=sys.stderr, flush=True)
    for n, (veto, min_add) in enumerate(settings):
        f1s = fold_f1[n]
        mean = sum(f1s) / k
        sd = (sum((f - mean) ** 2 for f in f1s) / (k - 1)) ** 0.5 if k > 1 else 0.0
        if n == 0:
            print(f"{k}-fold cross-validation, pooled over held-out folds:")
            table(pooled[0])
            folds = ", ".join(f"{f:.3f}" for f in f1s)
            print(f"mean micro-F1 over folds {mean:.3f} (sd {sd:.3f}; folds {folds})")
        else:
            low = min(prf(cnt)[2] for cnt in pooled[n].values())
            print(
                f"veto={','.join(veto) or '-'} min_add={min_add}: micro-F1 {mean:.3f}, lowest label {low:.3f}"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--errors", metavar="LABEL", choices=sorted(MAPPING), help="print FN and FP lines")
    ap.add_argument("--rules-only", action="store_true", help="switch the learned tagger off")
    ap.add_argument("--cv", type=int, metavar="K", help="K-fold cross-validated estimate of the full system")
    ap.add_argument("--c", type=float, help="with --cv: the regularisation C to try")
    ap.add_argument("--grid", action="store_true", help="with --cv: also score the merge settings")
    args = ap.parse_args()
    rows = read(args.path)
    if args.cv:
        cross_validate(rows, args.cv, args.c, args.grid)
        return
    if args.rules_only:
        tagger.use(None)
    table(score(rows, args.errors))


if __name__ == "__main__":
    main()
