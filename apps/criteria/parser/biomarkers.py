"""Biomarker rules: alterations (gene, protein change, class, origin), TMB, MSI/MMR and expression markers."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from . import scopes
from .entities import Entity
from .values import bounds

_CLASSES = [
    (
        "wild_type",
        r"wild[- ]?type|\bwt\b|negative\s+(?:(?:test\s+)?results?\s+)?for|tested\s+negative"
        r"|without\s+(?:an?\s+)?(?:known\s+)?|no\s+(?:known\s+)?",
    ),
    ("exon14_skipping", r"exon\s*14\s*skip"),
    ("exon19_deletion", r"exon\s*19\s*(?:deletion|del)"),
    ("exon20_insertion", r"exon\s*20\s*(?:insertion|ins)"),
    ("fusion", r"fusions?|fused"),
    ("rearrangement", r"rearrange(?:ment|d)s?|translocation"),
    ("amplification", r"amplif(?:ication|ied)"),
    ("overexpression", r"over-?expression|overexpress"),
    ("loss", r"\bloss\b|deficien"),
    ("deletion", r"deletion"),
    ("insertion", r"insertion"),
    ("activating", r"activating|oncogenic|sensiti[sz]ing|driver|pathogenic"),
    ("mutation", r"mutat|variant|alteration|altered|positive|\+|harbou?r"),
]
_PD_L1_SCORING = re.compile(r"\b(tps|cps|tc|ic|tumou?r proportion score|combined positive score)\b")
_ASSAY = re.compile(r"\b(22c3|sp263|sp142|28-8)\b")
_RESULT = re.compile(
    r"(?:\b(positive|negative|low|high|ultra-?low)\b|(?<![\w])(\d)\s*\+|\b(amplified|non-amplified)\b|(?<=[a-z0-9])\s*(\+|-)(?!\w))"
)
_ERPR = re.compile(r"(?<![\w])(ER|PR|HR|ER/PR|ER and/or PR|ER or PR|PgR|PR/ER)(?![\w])")


# A list of requirements of which one suffices: "showing at least one of the following abnormalities: ALK
# fusion, ..., PD-L1 expression >= 1%, KRAS G12C mutation".
# A marker naming whom the rest of its sentence is about: "Estrogen receptor positive (ER+) patients must have
# progressed on endocrine therapy": a condition, not a requirement of the trial.
_SUBJECT = re.compile(
    r"(?:positive|negative|\+|-)\s*(?:\([^)]{0,12}\)\s*)?(?:patients|participants|subjects|women|men)\s+"
    r"(?:must|should|will|may|are|who)\b"
)
_HORMONE_RECEPTOR = re.compile(r"(?:estrogen|oestrogen|progesterone|hormone)[- ]receptor")
_SENTENCE = re.compile(r"\.(?:\s|$)|;|\n")


def subject_sentences(view: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences about a subgroup named by its marker ("ER+ patients must ...")."""
    out = []
    pos = start
    for brk in [*_SENTENCE.finditer(view, start, end), None]:
        stop = brk.start() if brk is not None else end
        if _SUBJECT.search(view, pos, stop):
            out.append((pos, stop))
        if brk is None:
            break
        pos = brk.end()
    return out


_ANY_OF = re.compile(
    r"\b(?:at\s+least\s+one|any(?:\s+one)?|one\s+or\s+more|either\s+one)\s+of\s+the\s+following\b"
)


def rule(text: str, view: str, start: int, end: int, ents: list[Entity]) -> tuple[str, dict[str, Any]] | None:
    """Every biomarker requirement the criterion states, each read on its own (MSI, TMB, PD-L1, HER2,
    ER/PR, alterations): one rule, or all of them ("HER2 negative, BRCA germline positive breast cancer",
    "RAS-mutated (KRAS, NRAS or HRAS) and MSS"), or any of them after "at least one of the following"."""
    vt = view[start:end]
    parts = _parts(text, view, start, end, ents)
    if len(parts) <= 1:
        return parts[0] if parts else None
    operator = "any" if _ANY_OF.search(vt) else "all"
    return "group", {"operator": operator, "children_rules": parts}


def _parts(
    text: str, view: str, start: int, end: int, ents: list[Entity]
) -> list[tuple[str, dict[str, Any]]]:
    vt = view[start:end]
    bio = [e for e in ents if e.type == "biomarker"]
    parts: list[tuple[str, dict[str, Any]]] = []
    for e in bio:
        if e.key.startswith("msi:") and not any(k == "msi" for k, _ in parts):
            parts.append(("msi", {"status": e.key.split(":", 1)[1]}))
        if e.key == "tmb" and not any(k == "tmb" for k, _ in parts):
            parts.append(("tmb", _tmb(e, ents)))
    if re.search(r"triple[- ]negative|\btnbc\b", vt):
        children = [_expr(m, "negative") for m in ("ER", "PR", "HER2")]
        negatives = [("expression", c) for c in children]
        return [*parts, ("group", {"operator": "all", "children_rules": negatives})]
    # A gene symbol right after a number is a unit ("TMB of 10 MB", "5 U"), not a gene.
    genes = [
        e
        for e in ents
        if e.type == "gene" and not targeted(view, e, end) and not re.search(r"\d\s*$", view[start : e.start])
    ]
    if not genes:
        genes = _implied_genes(ents)
    expr_markers = [e for e in bio if e.key.startswith("expr:")]
    pd_l1 = [g for g in genes if g.key == "CD274"] + [e for e in expr_markers if e.key == "expr:PD-L1"]
    pd_l1 = [e for e in pd_l1 if _EXPRESSED.search(view, e.end, min(end, e.end + 40))]
    if pd_l1:
        parts.append(("expression", _pd_l1(view, pd_l1[0], ents)))
        genes = [g for g in genes if g.key != "CD274"]
    her2 = [g for g in genes if g.key == "ERBB2"] + [e for e in expr_markers if e.key == "expr:HER2"]
    her2_expr = her2 and re.search(
        r"ihc|ish\b|fish|[0-3]\s*\+|her2[- ]?(?:positive|negative|low|\+|-)|overexpress|score", vt
    )
    status = _HER2_STATUS.search(vt)
    if her2_expr:
        parts.append(("expression", _her2(view[her2[0].start : end])))
    elif status:
        parts.append(("expression", _her2(vt[status.start() :])))
    if her2_expr or status:
        genes = [g for g in genes if g.key != "ERBB2"]
        expr_markers = [e for e in expr_markers if e.key != "expr:HER2"]
    erpr = list(_ERPR.finditer(text, start, end)) + [m for m in _HORMONE_RECEPTOR.finditer(view, start, end)]
    subjects = subject_sentences(view, start, end)
    erpr = sorted(
        (m for m in erpr if not any(a <= m.start() < b for a, b in subjects)), key=lambda m: m.start()
    )
    if erpr:
        first = erpr[0]
        marker = "PR" if "prog" in first.group().lower() or first.group() in ("PR", "PgR") else "ER"
        if "hormone" in first.group().lower() or first.group().startswith("HR"):
            marker = "HR"
        res = _RESULT.search(view, first.end(), min(end, first.end() + 40))
        result = _result_word(res)
        if marker == "HR" and result in ("positive", "negative"):
            # Hormone receptor positive: ER or PR positive; negative: both negative.
            both = [("expression", _expr(m, result)) for m in ("ER", "PR")]
            operator = "any" if result == "positive" else "all"
            parts.append(("group", {"operator": operator, "children_rules": both}))
        else:
            parts.append(("expression", _expr(marker, result)))
    bio = [e for e in bio if e.key not in ("expr:HER2",) or e in expr_markers]
    # "AR expression of >= 10%": the protein's expression (a marker the matcher does not know yet, so the
    # part stays for review), not an alteration of its gene.
    for g in [g for g in genes if _PROTEIN_EXPRESSION.match(view, g.end, end)]:
        genes.remove(g)
        value = next((v for v in ents if v.type == "value" and g.end <= v.start <= g.end + 40), None)
        m = value.extra.get("m") if value is not None else None
        bounds_ = bounds(m, default_direction="min") if isinstance(m, re.Match) else {}
        parts.append(("expression", {**_expr(g.key, None), **bounds_, "unit": "%"}))
    alterations = _genes_altered(view, start, end, genes, bio, ents)
    return [*parts, alterations] if alterations else parts


@cache
def _hotspot_owners() -> dict[str, str]:
    """Protein changes that are an activating hotspot of exactly one gene (apps/vocab)."""
    from apps.vocab import variants

    owners: dict[str, set[str]] = {}
    for gene, patterns in variants.activating_hotspots().items():
        for p in patterns:
            if re.fullmatch(r"[A-Z]\d+[A-Z]", p):
                owners.setdefault(p, set()).add(gene)
    return {change: next(iter(g)) for change, g in owners.items() if len(g) == 1}


def _implied_genes(ents: list[Entity]) -> list[Entity]:
    """A protein change written without its gene ("Known to be T790M+") is an alteration of the one gene it
    is a known hotspot of; the gene stands (zero-width) where the change is written. Changes shared by several
    genes (Q61 of NRAS and KRAS) imply none."""
    owners = _hotspot_owners()
    out: list[Entity] = []
    for v in ents:
        gene = owners.get(v.key) if v.type == "variant" else None
        if gene and all(g.key != gene for g in out):
            out.append(Entity("gene", v.start, v.start, f"HGNC:{gene}", gene))
    return out


def _tmb(e: Entity, ents: list[Entity]) -> dict[str, Any]:
    for v in ents:
        m = v.extra.get("m") if v.type == "value" else None
        if isinstance(m, re.Match) and v.start > e.start:
            return {**bounds(m, default_direction="min"), "unit": "mut/Mb"}
    return {"min": 10, "max": None, "min_inclusive": True, "max_inclusive": True, "unit": "mut/Mb"}


def _genes_altered(
    view: str, start: int, end: int, genes: list[Entity], bio: list[Entity], ents: list[Entity]
) -> tuple[str, dict[str, Any]] | None:
    as_gene = {"expr:HER2": "ERBB2", "expr:MET": "MET", "expr:AR": "AR"}
    # "AR expression of >= 10%" is a protein's expression, not an alteration of its gene.
    genes += [
        Entity("gene", e.start, e.end, f"HGNC:{as_gene[e.key]}", as_gene[e.key])
        for e in bio
        if e.key in as_gene and not _PROTEIN_EXPRESSION.match(view, e.end, end)
    ]
    genes.sort(key=lambda g: g.start)
    if not any(_altered(view, g, ents, start, end) for g in genes):
        genes = []  # a gene list shares the wording of one of its members ("alterations in EGFR, ALK, ...")
    genes = [g for g in genes if not _drug_or_lab(view, g, start, end)]
    # the 5' gene of a fusion written as a pair ("BCR::ABL1", "EML4-ALK") is the partner of the 3' one
    genes = [g for g in genes if not any(_FUSED.fullmatch(view, g.end, o.start) for o in genes)]
    if genes:
        return _alterations(view, start, end, genes, ents)
    return None


_FUSED = re.compile(r"-|::|–")
# A fusion written as a gene pair: "bcr-abl1" (one alias entity of ABL1), "bcr::abl1", "eml4-alk".
_PAIR_BEFORE = re.compile(r"(?<![\w-])([a-z][a-z0-9]{1,7})(?:-|::|–)$")
_PAIR_INSIDE = re.compile(r"([a-z][a-z0-9]{1,7})(?:-|::|–)[a-z][a-z0-9]{1,7}")


def _fusion_partner(view: str, gene: Entity) -> str | None:
    from apps.vocab import genes as vocab_genes

    own = gene.key.split("|")[0]
    inside = _PAIR_INSIDE.fullmatch(view, gene.start, gene.end)
    before = _PAIR_BEFORE.search(view, max(0, gene.start - 10), gene.start)
    for m in (inside, before):
        if m is not None and m.group(1).upper() != own and m.group(1).upper() in vocab_genes.all_symbols():
            return m.group(1).upper()
    return None


def _alterations(
    view: str, start: int, end: int, genes: list[Entity], ents: list[Entity]
) -> tuple[str, dict[str, Any]]:
    """One alteration rule, or a group: any of the required ones, and none of those the criterion rules out.

    Examples do not narrow a requirement: in "activating EGFR mutation (e.g. exon 19 deletion, L858R)" the
    listed variants are left out, the requirement is the activating mutation. An exception ("any KRAS
    mutation other than G12C") or a sentence saying some are not eligible ("Patients with EGFR exon 20
    insertions are not eligible", "Patients with concurrent KRAS mutations are excluded") names alterations
    the patient must not have, unless it only repeats a required one ("unknown EGFR status is excluded")."""
    examples = scopes.examples(view, start, end)
    excluded = scopes.exclusions(view, start, end)
    permitted = scopes.permissions(view, start, end)
    wanted: list[tuple[Any, ...]] = []
    ruled_out: list[dict[str, Any]] = []
    for g in genes:
        if _in(g, permitted):
            continue  # "Participants whose tumors harbor KRAS mutations are eligible": no requirement
        nxt = min([o.start for o in genes if o.start > g.start] + [end])
        own = [v for v in ents if v.type == "variant" and g.end <= v.start < nxt]
        text, variants = view, ents
        if not _in(g, examples):  # its examples name neither its variant nor its class
            hidden = [(x, y) for x, y in examples if g.end <= x < nxt]
            for x, y in hidden:
                text = text[:x] + " " * (y - x) + text[y:]
            variants = [v for v in ents if not (v in own and _in(v, hidden))]
        out_of = _in(g, excluded)
        excepted = [v for v in own if not out_of and _in(v, excluded) and v in variants]
        found = _alteration(text, g, genes, [v for v in variants if v not in excepted], end)
        before = [] if own else _variants_before(view, g, genes, variants, start)
        listed = [v for v in own if v in variants and v not in excepted]
        if len(listed) > 1:
            before = listed  # "EGFR exon 19 deletion or L858R": any of the variants listed after the gene
        for symbol in found["gene"] if isinstance(found["gene"], list) else [found["gene"]]:
            one = {**found, "gene": symbol}
            if out_of:
                ruled_out.append(one)
                continue
            if before:
                # "with either the L858R or exon 19 deletion activating EGFR mutation": any of them
                options = []
                for v in before:
                    option = ("alteration", _own_origin(view, _with_variant(one, v), v, len(before)))
                    if option not in options:
                        options.append(option)
                choice = (
                    ("group", {"operator": "any", "children_rules": options})
                    if len(options) > 1
                    else options[0]
                )
                if choice not in wanted:
                    wanted.append(choice)
                continue
            but = [("alteration", _with_variant(one, v), "except") for v in excepted]
            part = (
                ("group", {"operator": "all", "children_rules": [("alteration", one), *but]})
                if but
                else (
                    "alteration",
                    one,
                )
            )
            if part not in wanted and not _contradicts(part, wanted):
                wanted.append(part)
    required = [p[1] for p in wanted if p[0] == "alteration"] + [
        p[1]["children_rules"][0][1] for p in wanted if p[0] == "group"
    ]
    genes_wanted = {a["gene"] for a in required}
    ruled_out = [
        a
        for i, a in enumerate(ruled_out)
        if a not in required
        and a not in ruled_out[:i]
        and not (
            _generic(a)
            and (
                a["gene"] in genes_wanted
                or any(b["gene"] == a["gene"] and not _generic(b) for b in ruled_out)
            )
        )
    ]
    if not wanted:
        wanted = [
            ("alteration", a) for a in ruled_out
        ]  # nothing else required: the criterion's polarity decides
        ruled_out = []
    # Several genes required wild-type ("negative for EGFR, ALK and ROS1", "without EGFR mutation or ALK
    # rearrangement") are each required; any one of several alterations suffices.
    every = all(p[0] == "alteration" and p[1]["variant_class"] == "wild_type" for p in wanted)
    parts = (
        wanted
        if len(wanted) == 1
        else [("group", {"operator": "all" if every else "any", "children_rules": wanted})]
    )
    parts = parts + [("alteration", a, "excluded") for a in ruled_out]
    if len(parts) == 1:
        return parts[0][0], parts[0][1]
    return "group", {"operator": "all", "children_rules": parts}


_GLUE_BEFORE_GENE = re.compile(
    r"(?:[\s,/()]|\b(?:or|and|the|an?|activating|sensiti[sz]ing|common|classic(?:al)?|canonical|somatic|known)\b)*"
)


def _variants_before(
    view: str, gene: Entity, genes: list[Entity], ents: list[Entity], start: int
) -> list[Entity]:
    """Variants written before their gene and joined to it by nothing but a list ("L858R or exon 19 deletion
    EGFR mutation"), after any earlier gene."""
    floor = max([g.end for g in genes if g.end <= gene.start] + [start, gene.start - 80])
    found = sorted(
        (v for v in ents if v.type == "variant" and floor <= v.start and v.end <= gene.start),
        key=lambda v: v.start,
    )
    if not found or not _GLUE_BEFORE_GENE.fullmatch(view, found[-1].end, gene.start):
        return []
    out = [found[-1]]
    for v in reversed(found[:-1]):
        if not _GLUE_BEFORE_GENE.fullmatch(view, v.end, out[0].start):
            break
        out.insert(0, v)
    return out


def _contradicts(part: tuple[Any, ...], wanted: list[tuple[Any, ...]]) -> bool:
    """A gene required wild-type named again with an alteration class ("TP53 wild-type as determined by IHC
    or NGS; ... TP53 mutant pattern") restates how it is tested: as an alternative it accepts anything."""
    if part[0] != "alteration":
        return False
    gene, cls = part[1]["gene"], part[1]["variant_class"]
    return any(
        w[0] == "alteration"
        and w[1]["gene"] == gene
        and (w[1]["variant_class"] == "wild_type") != (cls == "wild_type")
        for w in wanted
    )


def _in(e: Entity, spans: list[tuple[int, int]]) -> bool:
    return any(a <= e.start < b for a, b in spans)


def _own_origin(view: str, a: dict[str, Any], v: Entity, listed: int) -> dict[str, Any]:
    """Of several variants listed as alternatives, an origin belongs to those it is written before ("T790M+ on
    tumor or plasma, or known germline T790M"); of one variant, it is the gene's."""
    if a["origin"] is None or listed < 2:
        return a
    near = view[max(0, v.start - 25) : v.start]
    return {**a, "origin": a["origin"] if a["origin"] in near else None}


def _with_variant(base: dict[str, Any], v: Entity) -> dict[str, Any]:
    """The alteration `base` narrowed to one variant: a protein change ("G12C") or an exon class."""
    out = {**base, "protein": None, "codon": None, "exon": None}
    if v.key == "exon":
        exon, cls = int(str(v.extra["exon"])), str(v.extra.get("cls") or "").lower()
        out["exon"] = exon
        kind = "deletion" if cls.startswith("del") else "insertion" if cls.startswith("ins") else ""
        kind = "skipping" if cls.startswith("skip") else kind
        named = {(19, "deletion"), (20, "insertion"), (14, "skipping")}
        out["variant_class"] = f"exon{exon}_{kind}" if (exon, kind) in named else kind or "mutation"
    else:
        protein = v.key.upper()
        digits = re.search(r"\d+", protein)
        out["protein"] = None if protein.endswith("X") else protein
        out["codon"] = int(digits.group()) if digits else None
        out["variant_class"] = "mutation"
    return out


def _generic(a: dict[str, Any]) -> bool:
    return a["variant_class"] in ("mutation", "activating") and not (a["protein"] or a["codon"] or a["exon"])


_HER2_STATUS = re.compile(r"\bher-?2(?:/neu)?\s*[- ]?\s*(?:positive|negative|low|\+|-(?!\w)|status|ihc)")
_PROTEIN_EXPRESSION = re.compile(r"[\s-]*(?:protein\s+)?(?:expression|expressing)\b")
_EXPRESSED = re.compile(
    r"[^.;]{0,40}?(?:expression|express|positive|negative|\btps\b|\bcps\b|score|%|≥|>|high|low|status|\d)"
)
_TARGETED_AFTER = re.compile(
    r"\s*(?:p\.)?[a-z0-9/ ()-]{0,25}?"
    # a list of targets sharing one head: "PIK3CA, PI3K, mTOR, or AKT inhibitor"
    r"(?:(?:\s*,\s*(?:or\s+|and\s+)?|\s+(?:or|and|and/or)\s+)[a-z0-9-]{2,10}){0,6}\s*"
    r"(?:inhibitors?|tkis?\b|-?targeted|-?directed|antibod|degraders?|blockers?|agents?)"
)
_TARGETED_BEFORE = re.compile(r"(?:targets?|targeting|anti-?|against)\s*$")


def targeted(view: str, gene: Entity, end: int) -> bool:
    """The gene names a drug target ("KRAS G12C inhibitor", "anti-HER2"), not a patient's alteration."""
    return bool(
        _TARGETED_AFTER.match(view, gene.end, end)
        or _TARGETED_BEFORE.search(view, max(0, gene.start - 12), gene.start)
    )


_ALTERATION_WORDS = re.compile(
    r"mutat|mutant|variant|alteration|altered|fusion|fused|rearrang|translocat|amplif|positiv|negativ|(?<=\w)\+"
    r"|(?<=\w)-(?:\s|$)|deletion|insertion|skipping|duplicat|wild[- ]?type|\bwt\b|express|\bloss\b"
    r"|deficien|harbou?r|carrier|pathogenic|driver|exon|status|\bgene\b|aberration|activat|sensiti[sz]|\bnull\b|inactivat"
)
_ALTERATION_NOUNS = re.compile(r"\b(?:mutations?|alterations?|variants?|fusions?|rearrangements?|genes?)\b")
# Drug-interaction and lab/count contexts name a gene's product, not a patient's alteration: "strong
# inducers of CYP3A4", "CD4+ T-cell count <200".
_NOT_ALTERATION = re.compile(
    r"^[\s+]*\)?\s*(?:\([^)]{0,15}\)\s*)?(?:t[- ]?(?:cell|lymphocyte)s?\s*)?(?:\([^)]{0,15}\)\s*)?"
    r"(?:counts?|levels?|cells?\s*/|substrates?|inducers?|inhibitors?|containing|(?:based\s+)?therap)"
)
_NOT_ALTERATION_BEFORE = re.compile(r"(?:inhibitors?|inducers?|substrates?|metaboli[sz]ed\s+by)[^.;]{0,25}$")
_LIST_ITEM_CHARS = 40


def _drug_or_lab(view: str, gene: Entity, start: int, end: int) -> bool:
    after = view[gene.end : min(end, gene.end + 60)]
    return bool(
        _NOT_ALTERATION.match(after)
        or _NOT_ALTERATION_BEFORE.search(view, max(start, gene.start - 30), gene.start)
    )


def _altered(view: str, gene: Entity, ents: list[Entity], start: int, end: int) -> bool:
    """A gene is a patient's alteration only with alteration wording or a protein change near it, or as a
    short list item under a heading that gives the wording ("EGFR", "ALK" below "one of the following:")."""
    after = view[gene.end : min(end, gene.end + 60)]
    before = view[max(start, gene.start - 30) : gene.start]
    if _drug_or_lab(view, gene, start, end):
        return False
    if any(v.type == "variant" and gene.end <= v.start <= gene.end + 30 for v in ents):
        return True
    if _GENE_SUFFIX.match(view, gene.end):
        return True  # "NPM1m", "KMT2Ar"
    head = view[max(start, gene.start - 60) : gene.start]
    return bool(
        _ALTERATION_WORDS.search(after)
        or _ALTERATION_WORDS.search(before[-15:])
        or _ALTERATION_NOUNS.search(head)
    ) or (end - start <= _LIST_ITEM_CHARS)


def _result_word(m: re.Match[str] | None) -> str | None:
    if m is None:
        return None
    word = next(g for g in m.groups() if g)
    return {"+": "positive", "-": "negative"}.get(word, f"{word}+" if word.isdigit() else word)


def _expr(marker: str, result: str | None, scoring: str | None = None) -> dict[str, Any]:
    return {
        "marker": marker,
        "scoring": scoring,
        "assay": None,
        "result": result,
        "min": None,
        "max": None,
        "min_inclusive": True,
        "max_inclusive": True,
        "unit": None,
    }


def _pd_l1(view: str, ent: Entity, ents: list[Entity]) -> dict[str, Any]:
    window = view[ent.start : ent.end + 120]
    scoring = _PD_L1_SCORING.search(window)
    sc = None
    if scoring:
        word = scoring.group(1)
        sc = "TPS" if word in ("tps", "tc") or word.startswith("tumo") else "CPS" if "c" in word[:2] else "IC"
    assay = _ASSAY.search(window)
    rule = _expr("PD-L1", None, sc)
    rule["assay"] = assay.group(1).upper() if assay else None
    for v in ents:
        m = v.extra.get("m") if v.type == "value" else None
        if isinstance(m, re.Match) and ent.end <= v.start <= ent.end + 120:
            b = bounds(m, default_direction="min")
            rule.update(b)
            rule["unit"] = "%" if "%" in (m.group("unit") or "") or sc == "TPS" else None
            return rule
    res = _RESULT.search(window)
    rule["result"] = _result_word(res)
    return rule


def _her2(window: str) -> dict[str, Any]:
    scoring = "ISH" if re.search(r"\b(?:fish|ish)\b", window) else "IHC" if "ihc" in window else None
    if re.search(r"her-?2[- ]?low|ihc\s*1\s*\+|ultra-?low", window):
        return _expr("HER2", "low", scoring)
    score = re.search(r"(?<![\w])([0-3])\s*\+", window)
    if score:
        return _expr("HER2", f"{score.group(1)}+", scoring or "IHC")
    if re.search(r"amplif", window) and "non-amplif" not in window:
        return _expr("HER2", "amplified", scoring)
    res = _RESULT.search(window)
    return _expr("HER2", _result_word(res), scoring)


_WILD_TYPE_CUE = re.compile(_CLASSES[0][1])
_LIST_GLUE = re.compile(r"(?:[\s,/]|\band\b|\bor\b)*")


def _listed_after(view: str, gene: Entity, genes: list[Entity], cue: re.Pattern[str]) -> bool:
    """Whether `cue` stands right before the list of genes that `gene` belongs to: between the cue and the
    gene only other genes of the list, commas, "and", "or" and slashes."""
    head = max(0, gene.start - 160)
    pos = gene.start
    for other in sorted((g for g in genes if head <= g.start < gene.start), key=lambda g: -g.start):
        if not _LIST_GLUE.fullmatch(view, other.end, pos):
            break
        pos = other.start
    last = None
    for m in cue.finditer(view, head, pos):
        last = m
    return last is not None and bool(_LIST_GLUE.fullmatch(view, last.end(), pos))


_GENE_SUFFIX = re.compile(r"(mut|m|r|wt)(?![\w])")  # "npm1m", "kmt2ar", "tp53wt" (entities.GENE_SUFFIXED)
_SUFFIX_CLASS = {"m": "mutation", "mut": "mutation", "r": "rearrangement", "wt": "wild_type"}


def _alteration(view: str, gene: Entity, genes: list[Entity], ents: list[Entity], end: int) -> dict[str, Any]:
    nxt = min([g.start for g in genes if g.start > gene.start] + [end])
    after = view[gene.end : min(nxt + 0, gene.end + 80)]
    before = view[max(0, gene.start - 40) : gene.start]
    ctx = before[-25:] + " " + after
    symbols = gene.key.split("|")
    protein = None
    codon = exon = None
    for v in ents:
        if v.type == "variant" and gene.end <= v.start < max(nxt, gene.end + 1):
            if v.key == "exon":
                exon = int(str(v.extra["exon"]))
            elif protein is None:
                protein = v.key.upper()
                digits = re.search(r"\d+", protein)
                codon = int(digits.group()) if digits else None
    cls = "mutation"
    suffix = _GENE_SUFFIX.match(after)
    for name, pattern in _CLASSES:
        if suffix:
            cls = _SUFFIX_CLASS[suffix.group(1)]
            break
        if re.search(pattern, after[:60] if name != "wild_type" else ctx):
            cls = name
            break
    if cls != "wild_type" and _listed_after(view, gene, genes, _WILD_TYPE_CUE):
        cls = "wild_type"  # "negative test results for EGFR, ALK, and ROS1": every gene of the list
    if exon is not None and cls in ("mutation", "deletion", "insertion"):
        cls = {19: "exon19_deletion", 20: "exon20_insertion", 14: "exon14_skipping"}.get(exon, cls)
    partner = _fusion_partner(view, gene)
    if partner is not None and cls != "wild_type":
        cls = "fusion"
    elif cls in ("fusion", "rearrangement"):
        m = re.search(
            r"([a-z0-9]+)[-:/]"
            + re.escape(view[gene.start : gene.end])
            + r"|"
            + re.escape(view[gene.start : gene.end])
            + r"[-:/]([a-z0-9]{3,})",
            view[gene.start - 12 : gene.end + 12],
        )
        partner = (m.group(1) or m.group(2)).upper() if m else None
    origin = "germline" if "germline" in ctx else "somatic" if "somatic" in ctx else None
    return {
        "gene": symbols[0] if len(symbols) == 1 else symbols,
        "protein": protein if protein and not protein.endswith("X") else None,
        "codon": codon,
        "exon": exon,
        "variant_class": cls,
        "partner": partner,
        "origin": origin,
    }
