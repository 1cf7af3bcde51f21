"""medspaCy ConText over each criterion: its entities' modifiers (negated, historical, hypothetical, family)
and, from them, whether the criterion asks for the absence of what it names (apps/criteria/RULES.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from . import lexicon

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

_GROUP = "criterion_entities"
# Values ("at least 3 years") are no findings; every other entity type may be modified.
_UNTARGETED = frozenset({"value"})
_FLAGS = {
    "NEGATED_EXISTENCE": "negated",
    "HISTORICAL": "historical",
    "HYPOTHETICAL": "hypothetical",
    "FAMILY": "family",
}
# The entity types each kind's rule is computed from: ConText negating the first of them negates the
# criterion. Kinds whose rule holds its own polarity (expression "negative", msi MSS, measurement bounds,
# alteration wild_type) and kinds without findings are not negated by ConText.
_PRINCIPAL = {
    "condition": frozenset({"condition", "cancer"}),
    "diagnosis": frozenset({"cancer"}),
    "stage": frozenset({"cancer"}),
    "prior_therapy": frozenset({"drug", "procedure"}),
    "washout": frozenset({"drug", "procedure"}),
    "pregnancy": frozenset({"pregnancy"}),
    "alteration": frozenset({"gene", "variant"}),
}
_SENTENCE_END = frozenset({".", ";", ":"})


@cache
def _lead_words() -> frozenset[str]:
    return frozenset(lexicon.load_yaml("context_rules.yaml")["target_lead_words"])


@cache
def pipeline() -> Language:
    """A blank English pipeline with medspaCy's tokenizer and ConText (default rules as amended in
    apps/criteria/data/context_rules.yaml); no sentencizer: a criterion is split after ".", ";", ":"."""
    import spacy
    from loguru import logger

    # PyRuSH (medspaCy's sentencizer, imported with medspaCy but never run here) logs every token it reads
    # at DEBUG through loguru; criterion text must never reach a log.
    logger.disable("PyRuSH")
    from medspacy.context import ConText, ConTextRule
    from medspacy.custom_tokenizer import create_medspacy_tokenizer

    nlp = spacy.blank("en")
    nlp.tokenizer = create_medspacy_tokenizer(nlp)
    component = nlp.add_pipe(
        "medspacy_context",
        config={"rules": None, "input_span_type": "group", "span_group_name": _GROUP},
    )
    assert isinstance(component, ConText)
    data = lexicon.load_yaml("context_rules.yaml")
    with open(component.DEFAULT_RULES_FILEPATH, encoding="utf-8") as fh:
        defaults = json.load(fh)["context_rules"]
    drop = set(data["drop"])
    specs = [r for r in defaults if r["literal"] not in drop] + data["add"]
    component.add([ConTextRule.from_dict(spec) for spec in _as_phrases(nlp, specs)])
    return nlp


def _as_phrases(nlp: Language, specs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Each token pattern that only lists words becomes one phrase rule per wording: spaCy's PhraseMatcher
    finds those in one pass, where the token Matcher tries every pattern at every token (the parse's cost)."""
    for spec in specs:
        phrases = _wordings(spec.get("pattern"))
        if phrases is not None:
            # contractions the tokenizer does not split that way ("cann't", "willn't") are no English
            phrases = [p for p in phrases if "n't" not in p or _tokens(nlp, p) == _split(p)]
        if phrases is None or any(_tokens(nlp, p) != _split(p) for p in phrases):
            yield spec
        else:
            yield from ({**spec, "literal": p, "pattern": None} for p in phrases)


def _split(phrase: str) -> list[str]:
    return phrase.replace("n't", " n't").split()


def _tokens(nlp: Language, phrase: str) -> list[str]:
    return [t.lower_ for t in nlp.make_doc(phrase)]


def _wordings(pattern: Any, limit: int = 400) -> list[str] | None:
    if not isinstance(pattern, list):
        return None
    options: list[list[str]] = [[]]
    for token in pattern:
        attrs = set(token) - {"OP"}
        value = token[attrs.pop()] if len(attrs) == 1 and attrs <= {"LOWER", "TEXT", "ORTH"} else None
        words = [value] if isinstance(value, str) else value.get("IN") if isinstance(value, dict) else None
        if not words or token.get("OP") not in (None, "?") or any(w != w.lower() for w in words):
            return None
        grown = [[*o, w] for o in options for w in words]
        options = options + grown if token.get("OP") == "?" else grown
        if len(options) > limit:
            return None
    # "n't" is a token only after its verb ("is n't" -> "isn't"); a wording that starts with it has none
    return [" ".join(o).replace(" n't", "n't") for o in options if o and o[0] != "n't"]


def apply(criteria: list[dict[str, Any]]) -> None:
    """Runs ConText once over every criterion of a parse (one nlp.pipe batch) and, in place, adds to each
    entity its `context` (only the true modifiers; absent when none) and sets each criterion's `negated`."""
    batch: dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for c in _walk(criteria):
        # a list parent's own rule (child ".0") shares the parent's entity list: one doc serves both
        key = id(c["entities"])
        if key in batch:
            batch[key][0].append(c)
            continue
        targets = [e for e in c["entities"] if e["type"] not in _UNTARGETED]
        if targets:
            batch[key] = ([c], targets)
    if not batch:
        return
    nlp = pipeline()
    jobs = list(batch.values())
    docs = nlp.pipe(_doc(nlp, owners[0], targets) for owners, targets in jobs)
    for (owners, targets), doc in zip(jobs, docs, strict=True):
        pairs = [(e, span) for e, span in zip(targets, doc.spans[_GROUP], strict=True) if len(span)]
        for ent, span in pairs:
            flags = {_FLAGS[m.category]: True for m in span._.modifiers if m.category in _FLAGS}
            if flags:
                ent["context"] = dict(sorted(flags.items()))
        for c in owners:
            c["negated"] = decide(c, pairs)


def decide(c: dict[str, Any], pairs: list[tuple[dict[str, Any], Span]]) -> bool:
    """The criterion's `negated`: the cue rules' answer (classify.negated), or a forward ConText negation
    just before the first entity the rule is computed from (not inside an "if" clause); a statement the
    criterion calls excluded ("... are not allowed") inverts that in an inclusion section and restates the
    section in an exclusion section."""
    negated = bool(c["negated"])
    if c["kind"] in ("group", "other", "administrative") or not pairs:
        return negated
    rule = c.get("rule") or {}
    # the rule holds the polarity: "no EGFR mutation" -> wild_type, "must not conceive" -> contraception
    principal = (
        frozenset()
        if rule.get("variant_class") == "wild_type" or rule.get("status") == "contraception"
        else _PRINCIPAL.get(c["kind"], frozenset())
    )
    first = next(
        (span for e, span in pairs if e["type"] in principal and e.get("source", "rule") == "rule"), None
    )
    if not negated and first is not None and _opening(first.doc, first.start):
        negated = _denied(first)
    if c["section"] == "inclusion" and _excluded(pairs[0][1]):
        negated = not negated
    return negated


def _denied(target: Span) -> bool:
    mods = target._.modifiers
    if any(m.category == "HYPOTHETICAL" for m in mods):
        return False
    window = int(lexicon.load_yaml("context_rules.yaml")["criterion_window"])
    return any(
        m.category == "NEGATED_EXISTENCE"
        and m.direction == "FORWARD"
        and 0 <= target.start - m.modifier_span[1] <= window
        for m in mods
    )


def _excluded(first: Span) -> bool:
    """An EXCLUDED phrase ("are not eligible") whose scope holds the criterion's first entity, in the
    criterion's first sentence (after any heading such as "NOTE:" or "COHORT 2:")."""
    return any(
        m.category == "EXCLUDED"
        and _follows(first.doc, m.modifier_span[1])
        and _opening(first.doc, m.modifier_span[0])
        for m in first._.modifiers
    )


def _opening(doc: Doc, i: int) -> bool:
    """Token i is in the criterion's first sentence: before it only headings ("NOTE:", "COHORT 2:") and
    list numbers ("10.", "b)") end in a stop."""
    return all(sent.end > i or sent[-1].text == ":" or len(sent) <= 3 for sent in doc.sents if sent.start < i)


def _follows(doc: Doc, end: int) -> bool:
    """A statement ends at "are not eligible"; "not eligible for surgery" names a finding of its own."""
    return end >= len(doc) or doc[end].lower_ not in ("for", "to")


def _doc(nlp: Language, c: dict[str, Any], targets: list[dict[str, Any]]) -> Doc:
    from spacy.tokens import Span

    base = c["span"][0]
    doc = nlp.make_doc(c["text"])
    for i, token in enumerate(doc):
        token.is_sent_start = i == 0 or doc[i - 1].text in _SENTENCE_END
    lead = _lead_words()
    spans = []
    for e in targets:
        span = doc.char_span(e["start"] - base, e["end"] - base, label=e["type"], alignment_mode="expand")
        if span is None:
            span = doc[0:0]
        while len(span) > 1 and span[0].lower_ in lead:
            span = Span(doc, span.start + 1, span.end, label=span.label)
        spans.append(span)
    doc.spans[_GROUP] = spans
    return doc


def _walk(criteria: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for c in criteria:
        yield c
        yield from _walk(c.get("children", []))
