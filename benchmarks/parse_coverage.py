"""How much of real eligibility text the parser turns into computable requirements, over the shared oncology
trials: per kind, leaf requirements computable, kept for review (with the reason), and not computable; and
trials whose reading is implausible as a whole (conditions name a cancer type, but no inclusion requirement
enforces one; the title names a gene, but no requirement names it), and how many trials import flags for
review with `apps.criteria.plausibility.reading_flags` (the rule the product applies; title and conditions).

    .venv/bin/python benchmarks/parse_coverage.py [--trials PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialmatch.settings")
DEFAULT = (
    Path(os.environ.get("TRIALMATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
    / "ctgov"
    / "oncology"
    / "oncology_biomarker_trials.json"
)


def _leaves(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in criteria:
        out.extend(_leaves(c["children"]) if c.get("children") else [c])
    return out


def _inclusion_cancer(criteria: list[dict[str, Any]]) -> bool:
    for c in criteria:
        if c["section"] != "inclusion" or c["negated"]:
            continue
        for leaf in _leaves([c]):
            rule = leaf.get("rule") or {}
            if (
                leaf["kind"] == "diagnosis"
                and leaf["computable"]
                and (rule.get("oncotree") or rule.get("any_solid"))
            ):
                return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=Path, default=DEFAULT)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from apps.criteria import plausibility
    from apps.criteria.parser import parse
    from apps.vocab import genes, oncotree

    studies = json.loads(args.trials.read_text())
    studies = studies.get("studies", studies) if isinstance(studies, dict) else studies
    per_kind: dict[str, Counter[str]] = defaultdict(Counter)
    reasons: Counter[str] = Counter()
    no_cancer = no_gene = 0
    flagged: Counter[str] = Counter()
    flagged_trials: list[str] = []
    for study in studies:
        section = study["protocolSection"]
        text = section.get("eligibilityModule", {}).get("eligibilityCriteria") or ""
        criteria = parse(text)["criteria"]
        for leaf in _leaves(criteria):
            state = (
                "computable" if leaf["computable"] else "review" if leaf.get("review") else "not_computable"
            )
            per_kind[leaf["kind"]][state] += 1
            if leaf.get("review"):
                reasons[leaf["review"].split(" (")[0]] += 1
        conditions = section.get("conditionsModule", {}).get("conditions") or []
        if any(oncotree.lookup(c) for c in conditions) and not _inclusion_cancer(criteria):
            no_cancer += 1
        title = section.get("identificationModule", {}).get("briefTitle") or ""
        named = {w.strip("(),;:") for w in title.split()} & genes.all_symbols()
        required = {str((leaf.get("rule") or {}).get("gene")) for leaf in _leaves(criteria)}
        if named and not named & required:
            no_gene += 1
        official = section.get("identificationModule", {}).get("officialTitle") or ""
        flags = plausibility.reading_flags(
            criteria, title=f"{title} {official}".strip(), conditions=[str(c) for c in conditions]
        )
        if flags:
            flagged_trials.append(section.get("identificationModule", {}).get("nctId", "?"))
            flagged.update(f["rule"] for f in flags)
    result = {
        "trials": len(studies),
        "per_kind": {k: dict(v) for k, v in sorted(per_kind.items())},
        "review_reasons": dict(reasons.most_common()),
        "trials_without_a_cancer_requirement_their_conditions_name": no_cancer,
        "trials_without_an_alteration_requirement_for_a_gene_in_their_title": no_gene,
        "trials_flagged_for_review_on_import": len(flagged_trials),
        "flags_by_rule": dict(flagged.most_common()),
        "flagged_trials": flagged_trials,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{len(studies)} trials")
    print(f"{'kind':22s} {'computable':>10s} {'review':>7s} {'not comp.':>9s}")
    for kind, counts in result["per_kind"].items():
        print(
            f"{kind:22s} {counts.get('computable', 0):10d} {counts.get('review', 0):7d} "
            f"{counts.get('not_computable', 0):9d}"
        )
    print("kept for review, by reason:")
    for reason, n in reasons.most_common():
        print(f"  {n:5d}  {reason}")
    print(f"trials whose conditions name a cancer type that no inclusion requirement enforces: {no_cancer}")
    print(f"trials whose title names a gene that no requirement names: {no_gene}")
    by_rule = ", ".join(f"{rule} {n}" for rule, n in flagged.most_common())
    print(f"trials flagged for review on import: {len(flagged_trials)} of {len(studies)} ({by_rule})")


if __name__ == "__main__":
    main()
