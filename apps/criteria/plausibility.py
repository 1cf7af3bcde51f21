"""Whether a trial's reading is plausible as a whole: flags with a human-readable reason. Pure: plain data in
and out (the vocabularies are apps/vocab's tables); the services store the flags on the criteria version
and matching caps a flagged version's pairs at possible until a person approves it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from apps.vocab import genes, oncotree

DIAGNOSIS = "diagnosis"
ALTERATION = "alteration"
COHORT = "cohort"
# The criterion matching adds to a flagged, unapproved version: always unknown, so a pair is at best possible.
CAP_ID = "REVIEW"
CAP_PREFIX = "trial reading needs review: "
# "More than half eligible" says something about a reading only over a cohort of some size.
MIN_COHORT = 20

_WORD = re.compile(r"[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*")
_MAX_NAME_WORDS = 6
# A gene named as an alteration the trial is about ("EGFR-mutant", "KRAS G12C", "ALK+", "BRCA1/2-altered",
# "mutated IDH1"), not as a drug's target ("ATR inhibitor", "CD19 CAR T", "CDK4/6 inhibition").
_ALTERED_AFTER = re.compile(
    r"(?:/[A-Za-z0-9]{1,6})*[-\s]?(?:mut\w*|m\b|\+|positive|pos\b|fusion\w*|rearrange\w*|amplif\w*|alter\w*"
    r"|aberra\w*|deficien\w*|variant\w*|[A-Z]\d+[A-Z]\b|exon|inactivat\w*|loss|delet\w*|insertion\w*"
    r"|translocat\w*|driven|wild[- ]?type|wt\b)",
    re.IGNORECASE,
)
_ALTERED_BEFORE = re.compile(r"(?:mutant|mutated|altered|amplified|rearranged)[-\s]$", re.IGNORECASE)
# Receptor statuses written with a gene's symbol ("HR-positive"), met by the expression requirements that
# state them (ER, PR).
_RECEPTOR_MARKERS = {"ER": ("HR",), "PR": ("HR",), "ESR1": ("HR",), "PGR": ("HR",)}
# OncoTree's catch-all "Other" names no cancer type.
_NO_CANCER_TYPE = frozenset({"OTHER"})


def _leaves(
    criteria: Iterable[dict[str, Any]], negated: bool = False
) -> Iterator[tuple[dict[str, Any], bool]]:
    """Leaves with whether they or a criterion above them is negated (an exception, an exclusion's part)."""
    for c in criteria:
        under = negated or bool(c.get("negated"))
        if c.get("children"):
            yield from _leaves(c["children"], under)
        else:
            yield c, under


def _enforces_diagnosis(criteria: list[dict[str, Any]]) -> bool:
    """An inclusion requirement, computable and not negated, accepts only some cancer types (or solid or
    hematologic ones)."""
    for leaf, negated in _leaves(c for c in criteria if c.get("section") == "inclusion"):
        rule = leaf.get("rule") or {}
        if (
            leaf.get("kind") == "diagnosis"
            and leaf.get("computable", True)
            and not negated
            and (rule.get("oncotree") or rule.get("any_solid") or rule.get("any_hematologic"))
        ):
            return True
    return False


def _required_genes(criteria: list[dict[str, Any]]) -> set[str]:
    """Genes and receptors any requirement names (an alteration's gene, an expression's marker)."""
    out: set[str] = set()
    for leaf, _ in _leaves(criteria):
        rule = leaf.get("rule") or {}
        for field in ("gene", "marker"):
            if rule.get(field):
                name = str(rule[field]).upper()
                out.update((name, *_RECEPTOR_MARKERS.get(name, ())))
    return out


def _cancer_named(title: str, conditions: list[str]) -> tuple[str, str] | None:
    """The first cancer type a condition names (or, failing that, a phrase of the title): (text, code)."""
    for condition in conditions:
        code = oncotree.lookup(condition)
        if code and code not in _NO_CANCER_TYPE:
            return condition, code
    words = _WORD.findall(title)
    for size in range(min(_MAX_NAME_WORDS, len(words)), 1, -1):
        for start in range(len(words) - size + 1):
            phrase = " ".join(words[start : start + size])
            code = oncotree.lookup(phrase)
            if code and code not in _NO_CANCER_TYPE:
                return phrase, code
    return None


def _genes_named(title: str, conditions: list[str]) -> list[str]:
    """Approved gene symbols the title or a condition names as an alteration ("EGFR-mutant NSCLC", "KRAS
    G12C", "ALK/ROS1-positive"); symbols that are also English words or ambiguous are left out."""
    symbols = genes.all_symbols()
    out: dict[str, None] = {}
    for text in [title, *conditions]:
        for found in re.finditer(r"[A-Za-z0-9]+", text):
            symbol = found.group()
            if symbol not in symbols or genes.is_ambiguous(symbol):
                continue
            if _ALTERED_AFTER.match(text, found.end()) or _ALTERED_BEFORE.search(text, 0, found.start()):
                out[symbol] = None
    return list(out)


def reading_flags(
    criteria: list[dict[str, Any]], *, title: str, conditions: list[str]
) -> list[dict[str, str]]:
    """Flags of a reading implausible as a whole: no inclusion requirement enforces a cancer type while the
    trial's conditions (or title) name one; no requirement names a gene its title or conditions name."""
    flags: list[dict[str, str]] = []
    named = _cancer_named(title, conditions)
    if named and not _enforces_diagnosis(criteria):
        text, code = named
        cancer = oncotree.get(code)
        label = f"{cancer.name} ({code})" if cancer is not None else code
        flags.append(
            {
                "rule": DIAGNOSIS,
                "reason": f'its conditions name {label} ("{text}") but no inclusion requirement enforces a '
                "cancer type",
            }
        )
    named_genes = _genes_named(title, conditions)
    if named_genes and not {g.upper() for g in named_genes} & _required_genes(criteria):
        flags.append(
            {
                "rule": ALTERATION,
                "reason": f"its title or conditions name {', '.join(named_genes)} but no requirement names "
                f"{'that gene' if len(named_genes) == 1 else 'any of these genes'}",
            }
        )
    return flags


def cohort_flag(*, eligible: int, patients: int, cancer_types: int) -> dict[str, str] | None:
    """The flag of a match run in which more than half of a mixed cohort (at least MIN_COHORT patients of
    more than one cancer type) came out eligible, or None."""
    if patients < MIN_COHORT or cancer_types < 2 or eligible * 2 <= patients:
        return None
    return {
        "rule": COHORT,
        "reason": f"{eligible} of {patients} patients of a cohort of {cancer_types} cancer types were "
        "eligible",
    }


def cap_criterion(flags: list[dict[str, Any]]) -> dict[str, Any]:
    """An inclusion criterion that is always unknown, naming why the reading needs review."""
    text = CAP_PREFIX + "; ".join(str(f.get("reason") or f.get("rule")) for f in flags)
    return {
        "id": CAP_ID,
        "section": "inclusion",
        "text": text,
        "span": [0, 0],
        "kind": "other",
        "computable": False,
        "negated": False,
        "rule": {},
        "entities": [],
        "missing": text,
    }
