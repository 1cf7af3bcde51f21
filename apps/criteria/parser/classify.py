"""Criterion kind, negation, rule and entities for one criterion (rule forms: apps/criteria/RULES.md)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from . import biomarkers, disease, lexicon, measurements, scopes, tagger, therapy
from .entities import Entity, cue, find
from .values import bounds

_STAGE = re.compile(
    r"\bstages?\s+(?P<s>(?:0|iv|i{1,3}|[1-4])[abc]?\d?(?:\s*(?:-|to|or|,|and|/)\s*(?:0|iv|i{1,3}|[1-4])[abc]?\d?)*)"
)
_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}


@cache
def _negation() -> list[re.Pattern[str]]:
    return [re.compile(p) for p in lexicon.load_yaml("cues.yaml")["negation"]]


def negated(view_text: str) -> bool:
    head = view_text.strip().lstrip("*-•·+ \t").lstrip()
    return any(p.search(head) for p in _negation())


THERAPY_KINDS = frozenset({"prior_therapy", "washout"})


def classify(
    text: str,
    view: str,
    start: int,
    end: int,
    pending: tagger.Pending | None = None,
    *,
    heading: str | None = None,
    section: str = "inclusion",
) -> dict[str, Any]:
    """With `pending`, the entity list is filled later by tagger.resolve (all criteria in one batch). A note
    ("Note: G-CSF is not allowed within 1 week") annotates the criterion it follows and states no requirement:
    only the text before it is read for the requirement (its entities are still reported); a criterion that is
    a note is `other`."""
    full_end = end
    note = _NOTE.search(view, start, end)
    if note is not None and not view[start : note.start()].strip(" *-•·+\t\n0123456789.)("):
        if not _PATIENTS_RULED_OUT.search(view, note.end(), end):
            end = start  # the whole criterion is a note (unless it rules patients out: "NOTE: ... excluded")
    elif note is not None:
        end = note.start()
    urls = [(m.start(), m.end()) for m in _URL.finditer(view, start, full_end)]
    found = [e for e in find(text, view, start, full_end) if not any(a <= e.start < b for a, b in urls)]
    found = sorted(found + _glued_variants(text, start, full_end, found), key=lambda e: (e.start, e.end))
    ents = [e for e in found if e.end <= end]
    vt = view[start:end]
    kind, rule, confidence = _decide(text, view, start, end, ents, vt, heading)
    if heading is None:
        kind, rule = _clause_parts(text, view, start, end, ents, (kind, rule), section)
    if section == "exclusion" and isinstance(rule, dict) and _all_labs(rule):
        # "Platelets <= 75,000/mm3, hemoglobin <= 9.0 g/dL": each limit excludes on its own
        rule = {**rule, "operator": "any"}
    label = _CAPS_LABEL.match(text, start, end)  # "PATIENTS WHO HAVE NOT YET UNDERGONE HCT: ..." names whom
    neg = _polarity(kind, rule, vt, negated(view[label.end() : end] if label else vt))
    disease = (
        _disease_facets(view, start, end, ents) if kind in _DISEASE_BESIDE or _marker_group(rule) else []
    )
    out: dict[str, Any] = {
        "kind": kind,
        "computable": kind not in ("other", "administrative") and rule is not None,
        "negated": neg,
        "confidence": confidence,
        "entities": [],
    }
    if pending is None:
        out["entities"] = [
            {**e.as_dict(text), "source": source} for e, source in tagger.merge(view, start, full_end, found)
        ]
    else:
        pending.append((out["entities"], text, view, start, full_end, found))
    if isinstance(rule, dict) and "children_rules" in rule:
        out["kind"] = "group"
        out["operator"] = rule["operator"]
        out["facets"] = rule["children_rules"]
        out["rule"] = {}
        out["computable"] = True
    elif rule is not None:
        out["rule"] = rule
    if disease:
        out["disease_facets"] = disease
    return out


_NEGATIVE_TEST = re.compile(
    r"\bnegative\b[^.;,]{0,40}?\b(?:pregnancy|(?:β|beta)?[- ]?hcg)\b"
    r"|\b(?:pregnancy|hcg)\s+tests?\b[^.;,]{0,30}?\bnegative\b"
)


def _polarity(kind: str, rule: Any, vt: str, neg: bool) -> bool:
    """Where the rule holds the polarity the head cue stated ("without EGFR mutation" -> wild_type), the
    criterion is not negated a second time; a required negative pregnancy test asks for "not pregnant"."""
    if isinstance(rule, dict) and rule.get("variant_class") == "wild_type":
        return False
    kids = rule.get("children_rules") if isinstance(rule, dict) else None
    if (
        neg
        and kids
        and all(k[0] == "alteration" and len(k) == 2 for k in kids)
        and any(k[1]["variant_class"] == "wild_type" for k in kids)
    ):
        # "without actionable EGFR mutation or ALK rearrangement": the head cue made the first gene wild-type;
        # it applies to every gene of the list, and each must be negative.
        for k in kids:
            k[1].update(variant_class="wild_type", protein=None, codon=None, exon=None)
        rule["operator"] = "all"
        return False
    if kind == "pregnancy" and isinstance(rule, dict) and rule.get("status") == "pregnant":
        return neg or bool(_NEGATIVE_TEST.search(vt))
    return neg


_PATIENTS_RULED_OUT = re.compile(
    r"\b(?:patients?|participants?|subjects?|women|men)\b[^.;]*\b(?:are|is)\s+(?:excluded|ineligible|not\s+eligible)"
)
_CAPS_LABEL = re.compile(r"[^a-z:\n]{12,100}:\s*")
_NOTE = re.compile(r"\b(?:please\s+)?note\s*(?::|that\b)|\bn\.?b\.?\s*:")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+")  # words inside a link name nothing ("ecog-acrin.org")
_MARKER_KINDS = frozenset({"alteration", "expression", "msi", "tmb"})
# Kinds whose criteria may name the cancer type beside their own requirement ("BRAF V600E melanoma", "MBC,
# stage IV"): the type becomes a diagnosis requirement of its own (parser/__init__.py, _attach_disease).
_DISEASE_BESIDE = _MARKER_KINDS | {"stage", "prior_therapy"}


def _all_labs(rule: dict[str, Any] | None) -> bool:
    kids = (rule or {}).get("children_rules") or []
    return bool(kids) and all(k[0] == "measurement" or (k[0] == "group" and _all_labs(k[1])) for k in kids)


def _marker_group(rule: dict[str, Any] | None) -> bool:
    children = (rule or {}).get("children_rules") or []
    return bool(children) and any(part[0] in _MARKER_KINDS for part in children)


def _decide(
    text: str, view: str, start: int, end: int, ents: list[Entity], vt: str, heading: str | None = None
) -> tuple[str, dict[str, Any] | None, float]:
    """The criterion's kind and rule. A sentence that states a performance status, measurable disease or life
    expectancy and a biomarker ("stage IV colorectal cancer positive for BRAF V600E mutation ... measurable
    disease") requires all of them."""
    kind, rule, confidence = _decide_one(text, view, start, end, ents, vt, heading)
    if kind in _BESIDE_BIOMARKERS and rule is not None:
        bio = biomarkers.rule(text, view, start, end, ents)
        if bio is not None:
            parts = [(kind, rule), bio]
            return "group", {"operator": "all", "children_rules": parts}, confidence
    return kind, rule, confidence


_BESIDE_BIOMARKERS = frozenset({"performance_status", "measurable_disease", "life_expectancy"})

# Where a criterion's clauses state requirements of their own ("... colorectal cancer positive for BRAF V600E
# mutation and on at least 1 prior line of systemic therapy and have not had any previous BRAF inhibitor
# therapy"), a clause begins at a sentence end (also a run-on one: "... therapy Patients must have"), a
# semicolon, or an "and" that starts a new predicate.
_SENTENCE_BREAK = re.compile(
    r"(?<=[a-z0-9)\]%])[.;]\s+(?=[A-Z(])"
    r"|(?<=[a-z])\s+(?=(?:Patients?|Participants?|Subjects?)\s+(?:must|should|may|will|cannot|can\s+not)\b)"
)
_AND_PREDICATE = re.compile(r",?\s+and\s+(?=(?:have|has|had|must|on|not|no|never|received|be|are|is)\b)")


_FOR_WHOM = re.compile(r"[\s\W]*(?:for|in|if|when|unless)\b")  # "For patients with ALK NSCLC, ..."
# advice, not a requirement: "mutation analysis is recommended for patients ... progressed on prior TKI"
_ADVICE = re.compile(r"\b(?:recommended|encouraged|suggested|optional|at\s+the\s+discretion)\b")


def _clauses(text: str, start: int, end: int, *, predicates: bool) -> list[tuple[int, int]]:
    breaks = [(m.start(), m.end()) for m in _SENTENCE_BREAK.finditer(text, start, end)]
    if predicates:
        breaks += [(m.start(), m.end()) for m in _AND_PREDICATE.finditer(text, start, end)]
    out, at = [], start
    for a, b in sorted(breaks):
        if a > at:
            out.append((at, a))
        at = max(at, b)
    out.append((at, end))
    return [(a, b) for a, b in out if text[a:b].strip()]


def _therapy_clause(view: str, a: int, b: int, ents: list[Entity]) -> tuple[str, dict[str, Any], bool] | None:
    """A clause's own therapy requirement naming drugs or classes, with the clause's own negation."""
    tx = therapy.rule(view, a, b, [e for e in ents if a <= e.start and e.end <= b])
    if tx is None or tx[1] is None or not (tx[1].get("drugs") or tx[1].get("classes")):
        return None
    return tx[0], tx[1], negated(view[a:b])


def _clause_parts(
    text: str,
    view: str,
    start: int,
    end: int,
    ents: list[Entity],
    decided: tuple[str, dict[str, Any] | None],
    section: str,
) -> tuple[str, dict[str, Any] | None]:
    """Therapy requirements stated in clauses of their own become parts beside the criterion's requirement,
    each with its own negation: after a requirement of another kind, prior-therapy clauses ("and have not had
    any previous BRAF inhibitor therapy"); in an exclusion of therapies, every sentence with a therapy of its
    own ("cannot have ever received an EGFR TKI ... . For patients with ALK NSCLC, crizotinib cannot be used
    within 3 months": either excludes, and the window is only the second's). A negated criterion keeps its
    single reading (the negation's scope is the criterion)."""
    kind, rule = decided
    if rule is None or negated(view[start:end]):
        return decided
    if kind in THERAPY_KINDS:
        if section != "exclusion":
            return decided
        parts = [
            p
            for a, b in _clauses(text, start, end, predicates=False)
            if (p := _therapy_clause(view, a, b, ents))
        ]
        if len(parts) < 2 or any(neg for *_, neg in parts) or len({repr(p[1]) for p in parts}) < len(parts):
            return decided
        return "group", {"operator": "any", "children_rules": [(k, r) for k, r, _ in parts]}
    extra = []
    about = biomarkers.subject_sentences(view, start, end)  # "ER+ patients must have progressed on ..."
    for a, b in _clauses(text, start, end, predicates=True)[1:]:
        if any(x <= a < y for x, y in about) or _FOR_WHOM.match(view, a, b) or _ADVICE.search(view, a, b):
            continue
        part = _therapy_clause(view, a, b, ents)
        if part is not None and part[0] == "prior_therapy":
            extra.append((part[0], part[1], "not" if part[2] else ""))
    if not extra:
        return decided
    own = rule["children_rules"] if kind == "group" and rule.get("operator") == "all" else [(kind, rule)]
    return "group", {"operator": "all", "children_rules": [*own, *extra]}


def _decide_one(
    text: str, view: str, start: int, end: int, ents: list[Entity], vt: str, heading: str | None
) -> tuple[str, dict[str, Any] | None, float]:
    types = {e.type for e in ents}
    age = _age(vt, ents, start)
    consent_at = _CONSENT.search(vt)
    first_value = next((e.start - start for e in ents if e.type == "value"), len(vt))
    consent = consent_at is not None and consent_at.start() < first_value  # "consent or assent (12-17 y)"
    subject = _age_is_context(vt, types)
    if age is not None and "performance_status" not in types and not consent and not subject:
        return "age", age, 0.9
    if cue("administrative").search(vt) and not types & {
        "measurement",
        "gene",
        "performance_status",
        "biomarker",
    }:
        return "administrative", None, 0.8
    if "performance_status" in types:
        return "performance_status", _performance(view, ents, end), 0.9
    if cue("life_expectancy").search(vt):
        return "life_expectancy", _life_expectancy(ents), 0.85
    if cue("measurable_disease").search(vt):
        std = cue("recist").search(vt)
        return (
            "measurable_disease",
            {"standard": std.group().upper().replace("VERSION ", "v") if std else None},
            0.85,
        )
    if "pregnancy" in types or cue("lactation").search(vt):
        return "pregnancy", _pregnancy(vt), 0.85
    bio = biomarkers.rule(text, view, start, end, ents)
    if bio is not None:
        return bio[0], bio[1], 0.8
    if "measurement" in types:
        rule, conditional = measurements.rule(view, start, end, ents)
        if rule is not None or conditional:  # only conditional limits: a lab criterion, not computable
            return "measurement", rule, 0.8
    cond = [
        e
        for e in ents
        if (e.type == "condition" or (e.type == "cancer" and not (e.code or "").startswith("ONCOTREE")))
        and e.key != "generic"
    ]
    tx = (
        None
        if cond and heading is None and therapy.condition_first(view, start, end, ents, cond[0])
        else therapy.rule(view, start, end, ents, heading=heading)
    )
    if tx is not None:
        return tx[0], tx[1], 0.7
    if _SOLID.search(vt) and not _OTHER_CANCER.search(vt):
        kept, excepted = _except_cancers(view, start, end, ents)
        if excepted:
            return (
                "group",
                {"operator": "all", "children_rules": [("diagnosis", _diagnosis(vt, kept)), excepted]},
                0.7,
            )
        return "diagnosis", _diagnosis(vt, ents), 0.7
    if cond:
        rule = therapy.condition_rule(view, start, end, cond)
        alternative = _cancer_or_condition(view, start, end, ents, cond)
        if alternative:
            return "group", {"operator": "any", "children_rules": [alternative, ("condition", rule)]}, 0.7
        return "condition", rule, 0.7
    cancers = [e for e in ents if e.type == "cancer" and e.code]
    stage = _STAGE.search(vt)
    if stage and (cancers or "cancer" in types):
        stages = [s for m in _STAGE.finditer(vt) for s in _stages(m.group("s"))]
        return "stage", {"stages": list(dict.fromkeys(stages)), "status": _statuses(vt)}, 0.7
    if cancers or "cancer" in types:
        return "diagnosis", _diagnosis(vt, ents), 0.7
    for sex, pattern in lexicon.load_yaml("cues.yaml")["sex"].items():
        if re.search(pattern, vt) and len(vt) < 80:
            return "sex", {"sex": sex}, 0.8
    return "other", None, 0.3


_GLUED = re.compile(
    r"(?<![\w-])([A-Z][A-Z0-9]{1,6}?)([ACDEFGHIKLMNPQRSTVWY]\d{1,4}[ACDEFGHIKLMNPQRSTVWY]?)(?![\w])"
)


def _glued_variants(text: str, start: int, end: int, ents: list[Entity]) -> list[Entity]:
    """A gene symbol written together with its protein change ("BRAFV600E"): the gene and the variant."""
    from apps.vocab import genes

    out = []
    for m in _GLUED.finditer(text, start, end):
        if m.group(1) in genes.all_symbols() and not any(
            e.start < m.end() and m.start() < e.end for e in ents if e.type in ("gene", "variant")
        ):
            out.append(Entity("gene", m.start(1), m.end(1), f"HGNC:{m.group(1)}", m.group(1)))
            out.append(Entity("variant", m.start(2), m.end(2), None, m.group(2)))
    return out


_SOLID = re.compile(r"\bsolid\s+(?:tumou?rs?|malignanc(?:y|ies)|cancers?|neoplasms?)\b")
_OTHER_CANCER = re.compile(
    r"\b(?:other|another|second|prior|previous|concurrent|additional)\s+(?:\w+\s+)?(?:malignan|cancer|tumou?r)"
)


def _disease_facets(view: str, start: int, end: int, ents: list[Entity]) -> list[tuple[str, dict[str, Any]]]:
    """Cancer type and stage named beside a biomarker ("BRAF V600E melanoma, stage IIIC or IV"): each is a
    requirement of its own (parser/__init__.py, _attach_disease). Only names that state the trial's own
    disease count (parser/disease.py)."""
    vt = view[start:end]
    stating = disease.stating(view, start, end, ents)
    if stating is None:
        return []
    ents, excepted = _except_cancers(view, start, end, stating)
    out: list[tuple[Any, ...]] = []
    cancers = [e for e in ents if e.type == "cancer" and (e.code or "").startswith("ONCO")]
    if cancers or _SOLID.search(vt):
        out.append(("diagnosis", _diagnosis(vt, ents)))
        if excepted:
            out.append(excepted)
    stages = [s for m in _STAGE.finditer(vt) for s in _stages(m.group("s"))]
    if stages and (cancers or any(e.type == "cancer" for e in ents)):
        out.append(("stage", {"stages": list(dict.fromkeys(stages)), "status": _statuses(vt)}))
    return out


_OR_BETWEEN = re.compile(r"[\s,]*(?:or|and/or)\b[^.;,]{0,20}")


def _cancer_or_condition(
    view: str, start: int, end: int, ents: list[Entity], cond: list[Entity]
) -> tuple[str, dict[str, Any]] | None:
    """A cancer type named as the alternative of a condition ("a primary CNS tumor or tumor metastatic to the
    CNS"): a diagnosis, beside the condition, of which either holds."""
    kept, _ = _except_cancers(view, start, end, ents)
    cancers = [
        e
        for e in disease.stating(view, start, end, kept) or []
        if e.type == "cancer"
        and (e.code or "").startswith("ONCO")
        and any(
            _OR_BETWEEN.fullmatch(view, e.end, c.start) or _OR_BETWEEN.fullmatch(view, c.end, e.start)
            for c in cond
        )
    ]
    if not cancers:
        return None
    codes = sorted({str(e.code).split(":", 1)[1] for e in cancers})
    return "diagnosis", {"oncotree": codes, "any_solid": False, "any_hematologic": False, "status": []}


def _except_cancers(
    view: str, start: int, end: int, ents: list[Entity]
) -> tuple[list[Entity], tuple[str, dict[str, Any], str] | None]:
    """The entities without the cancer types an "except" / "other than" removes, and those types as an
    excepted diagnosis part ("solid tumors (except biliary tract cancer, defined as gallbladder cancer or
    cholangiocarcinoma)")."""
    spans = scopes.excepted(view, start, end)
    out = [e for e in ents if not (e.type == "cancer" and any(a <= e.start < b for a, b in spans))]
    codes = sorted(
        {e.code.split(":", 1)[1] for e in ents if e not in out and e.code and e.code.startswith("ONCO")}
    )
    if not codes:
        return ents, None
    rule = {"oncotree": codes, "any_solid": False, "any_hematologic": False, "status": []}
    return out, ("diagnosis", rule, "except")


def _stages(raw: str) -> list[str]:
    out = []
    for part in re.split(r"\s*(?:-|to|or|,|and|/)\s*", raw):
        if part:
            head = _ROMAN.get(part[0], part.rstrip("abc0123456789").upper() or part.upper())
            out.append(
                head + part[len(part.rstrip("abc0123456789")) :].upper() if part[0] not in _ROMAN else head
            )
    return out


def _statuses(vt: str) -> list[str]:
    return [
        name for name, pattern in lexicon.load_yaml("cues.yaml")["status"].items() if re.search(pattern, vt)
    ]


def _diagnosis(vt: str, ents: list[Entity]) -> dict[str, Any]:
    codes = sorted(
        {e.code.split(":", 1)[1] for e in ents if e.type == "cancer" and e.code and e.code.startswith("ONCO")}
    )
    return {
        "oncotree": codes,
        "any_solid": bool(_SOLID.search(vt)),
        "any_hematologic": bool(re.search(r"\bh(?:a)?ematolog(?:ic|ical)\s+malignanc", vt)),
        "status": _statuses(vt),
    }


_PS_NUMS = re.compile(
    r"^(?:\s|:|\(ps\)|\bps\b|\bof\b|\bis\b|\bscore\b|\bstatus\b|\bgrade\b|\bbetween\b|=)*"
    r"(?P<nums>\d{1,3}(?:\s*(?:,|or|and|-|to|/)\s*\d{1,3})*(?:\s*,?\s*(?:or|and)\s*\d{1,3})?)"
)


def _performance(view: str, ents: list[Entity], end: int) -> dict[str, Any]:
    ps = next(e for e in ents if e.type == "performance_status")
    scale = ps.key
    if scale == "ECOG" and re.search(r"karnofsky|kps", view[ps.start : ps.end]):
        scale = "KPS"
    window = view[ps.end : min(end, ps.end + 60)]
    listed = _PS_NUMS.match(window)
    nums = [int(n) for n in re.findall(r"\d{1,3}", listed.group("nums"))] if listed else []
    if not nums:
        nums = [int(n) for n in re.findall(r"(?<![\d.])(\d{1,3})(?!\d|\.\d)", window)][:1]
    rule: dict[str, Any] = {
        "scale": scale,
        "min": None,
        "max": None,
        "min_inclusive": True,
        "max_inclusive": True,
    }
    if not nums:
        return rule
    first = [v for v in ents if v.type == "value" and v.start >= ps.end]
    m = first[0].extra.get("m") if first else None
    if isinstance(m, re.Match) and (m.group("cmp") or m.group("trail")):
        b = bounds(m, default_direction=None)
        if b["min"] is not None or b["max"] is not None:
            if b["min"] == b["max"] and len(nums) > 1:
                b.update(min=min(nums[:4]), max=max(nums[:4]))
            rule.update(b)
            return rule
    rule.update(min=min(nums[:4]), max=max(nums[:4]))
    return rule


def _life_expectancy(ents: list[Entity]) -> dict[str, Any]:
    for v in ents:
        m = v.extra.get("m") if v.type == "value" else None
        if isinstance(m, re.Match) and m.group("unit"):
            b = bounds(m, default_direction="min")
            unit = m.group("unit").strip().lower()
            b["unit"] = "wk" if unit.startswith("w") else "mo" if unit.startswith("mo") else "a"
            return b
    return {"min": None, "unit": None}


def _pregnancy(vt: str) -> dict[str, Any]:
    if cue("contraception").search(vt):
        return {"status": "contraception"}
    if cue("lactation").search(vt) and not re.search(r"pregnan", vt):
        return {"status": "lactating"}
    return {"status": "pregnant"}


_CONSENT = re.compile(r"\b(?:consent|assent)\b")
_AGE_NEAR = re.compile(r"\bage[sd]?\b|years?\s+of\s+age|years?\s+old|years?\s+or\s+older")


# An age that is not the criterion's requirement: part of a definition of reproductive potential ("post-
# menopausal: >= 60 years old"), a term of a formula ("(140 - age) x weight"), or the condition of a clause
# ("only required ... if diagnosed at < 40 years of age", "(if aged < 18 years)").
_AGE_CONTEXT = re.compile(
    r"menopaus|child[- ]?bearing|reproductive|amenorrh|\bmenses\b|\d\s*-\s*age\b|\bage\s*[x×*/)\[]"
    r"|\b(?:if|when|unless|diagnosed\s+at)\b[^.;]{0,60}?\b(?:age[sd]?|years?\s+(?:of\s+age|old))\b"
)


def _age_is_context(vt: str, types: set[str]) -> bool:
    """Whether the criterion's age bound qualifies something else: a definition, a formula, a condition, or
    the subject of a criterion that states another requirement (a gene, marker or lab)."""
    return bool(_AGE_CONTEXT.search(vt)) or bool(types & {"gene", "biomarker", "measurement"})


def _widens(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether bound b is the other end of a's range: the two ends leave a non-empty range between them."""
    low, high = (a["min"], b["max"]) if a["max"] is None else (b["min"], a["max"])
    return low is not None and high is not None and low < high


def _age(vt: str, ents: list[Entity], start: int = 0) -> dict[str, Any] | None:
    if not cue("age").search(vt):
        return None
    phrase = re.search(
        r"\b(under|below|younger\s+than|less\s+than|over|above|older\s+than|greater\s+than)\s+(?:the\s+)?"
        r"ages?\s+(?:of\s+)?(\d{1,3})",
        vt,
    )
    if phrase:
        n = int(phrase.group(2))
        if re.match(r"under|below|younger|less", phrase.group(1)):
            return {"min": None, "max": n, "min_inclusive": True, "max_inclusive": False, "unit": "a"}
        return {"min": n, "max": None, "min_inclusive": False, "max_inclusive": True, "unit": "a"}
    found: dict[str, Any] | None = None
    for v in ents:
        m = v.extra.get("m") if v.type == "value" else None
        if not isinstance(m, re.Match):
            continue
        unit = (m.group("unit") or "").strip()
        if unit and not re.match(r"(?:years?|yrs?|months?)\b", unit):
            continue
        b = bounds(m, default_direction="min")
        if b["min"] is None and b["max"] is None:
            continue
        if b["min"] is not None and b["min"] > 130:
            continue
        # A duration elsewhere in a criterion that mentions children or adults ("women less than 12
        # months after menopause") is not an age: a bound in months needs the word "age" next to it.
        near = vt[max(0, m.start() - start - 40) : m.end() - start + 40]
        if (unit.startswith("mo") or not unit) and not _AGE_NEAR.search(near):
            continue
        b = {**b, "unit": "mo" if unit.startswith("mo") else "a"}
        if found is None:
            found = b
        elif found["unit"] != b["unit"] or not _widens(found, b):
            continue
        elif found["max"] is None and b["min"] is None:
            # the other end of the range in a second bound: ">= 18 and <= 72 years"
            return {**found, "max": b["max"], "max_inclusive": b["max_inclusive"]}
        elif found["min"] is None and b["max"] is None:
            return {**found, "min": b["min"], "min_inclusive": b["min_inclusive"]}
    if found is not None:
        return found
    if cue("adults").search(vt) and (len(vt) < 60 or vt.lstrip().startswith("adult")):
        return {"min": 18, "max": None, "min_inclusive": True, "max_inclusive": True, "unit": "a"}
    return None
