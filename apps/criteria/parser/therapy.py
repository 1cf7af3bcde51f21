"""Prior-therapy, washout and condition rules."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from . import lexicon, scopes
from .entities import Entity, cue
from .values import days, number

_LINES_MIN = re.compile(
    r"(?:at\s+least|≥|>=|minimum\s+of|one\s+or\s+more|(\w+)\s+or\s+more)\s*(\w+)?\s+(?:prior\s+)?(?:lines?|regimens?|prior|previous)"
)
_LINES_MAX = re.compile(
    r"(?:no\s+more\s+than|not\s+more\s+than|at\s+most|up\s+to|maximum\s+of|≤|<=|fewer\s+than|less\s+than|<)\s*(\w+)\s+"
    r"(?:prior\s+|previous\s+)?(?:lines?|regimens?|prior|previous|systemic)"
)
_LINES_N = re.compile(
    r"(\w+)\s+(?:or\s+\w+\s+)?(?:prior\s+|previous\s+)?(?:lines?|regimens?)\s+of\s+(?:systemic\s+)?(?:therapy|treatment)"
)
_SETTING = re.compile(
    r"\b(metastatic|advanced|adjuvant|neoadjuvant|neo-adjuvant|perioperative|maintenance)\b"
)
_QUALIFIER = [
    (
        "treated_stable",
        r"(?:treated\s+and\s+stable|stable\s+(?:for|after|following)|previously\s+treated|clinically\s+stable|radiologically\s+stable|asymptomatic\s+and\s+stable)",
    ),
    ("untreated", r"\buntreated\b"),
    ("symptomatic", r"\bsymptomatic\b"),
    ("active", r"\b(?:active|uncontrolled|current|ongoing|progressing|unstable)\b"),
]
_WITHIN = re.compile(
    r"(?:within|in\s+the\s+(?:last|past|previous|preceding)|during\s+the\s+(?:last|past|previous)|past|last|previous)\s+"
    r"(?:the\s+)?(\d+|one|two|three|four|five|six|ten|twelve)\s*(years?|months?|weeks?|days?)"
)
_WASHOUT = re.compile(
    r"\b(?:within|prior\s+to|before|of\s+(?:the\s+)?(?:first|start|initiation|day\s+1|enrol|random|registration)"
    r"|since|washout|half[- ]li|last|past|preceding)\b|<|≤|less\s+than"
    r"|\b(?:minimum|at\s+least)\s+(?:of\s+)?\S+\s+(?:days?|weeks?|months?)\s+(?:from|since|after)\b"
)
_WITHIN_TIME = re.compile(r"\b\d+\s*(?:days?|weeks?|months?|years?|half[- ]li)")


def class_ids(view: str, ent: Entity) -> set[str]:
    """A drug-class entity's apps.vocab.drugs class id: the class its text names when the vocabulary knows
    the text ("anti-PD-1" -> anti_pd_1), else the lexicon's (treatments.yaml, keyed by the same ids)."""
    from apps.vocab import drugs

    own = ent.key.split(":", 1)[1]
    for form in (view[ent.start : ent.end], own.replace("_", " "), *_class_names(own)):
        found = drugs.class_lookup(form)
        if found:
            return {str(found)}
    return {own}


@cache
def _class_names(own: str) -> tuple[str, ...]:
    entry = lexicon.load_yaml("treatments.yaml")["classes"].get(own) or {}
    return tuple(entry.get("names") or ())


def _ids(view: str, ents: list[Entity]) -> tuple[list[str], list[str]]:
    drugs = sorted({e.code.split(":", 1)[1] for e in ents if e.type == "drug" and e.code})
    classes = sorted(
        {c for e in ents if e.type == "drug" and e.key.startswith("class:") for c in class_ids(view, e)}
    )
    classes += sorted(
        {
            f"procedure:{e.key}"
            for e in ents
            if e.type == "procedure" and e.key in ("radiotherapy", "surgery", "transplant")
        }
    )
    return drugs, classes


def _targeted_classes(view: str, ents: list[Entity], end: int) -> list[str]:
    from .biomarkers import targeted

    out = []
    for g in ents:
        if g.type == "gene" and targeted(view, g, end):
            variant = next((v for v in ents if v.type == "variant" and 0 <= v.start - g.end <= 4), None)
            name = g.key.split("|")[0].lower() + (
                f"_{view[variant.start : variant.end].removeprefix('p.')}" if variant else ""
            )
            out.append(f"{name}_inhibitor")
            shared = _shared_target_class(name)
            if shared:
                out.append(shared)
    return out


_INHIBITOR_LIST = re.compile(
    r"((?:[a-z0-9-]{2,12}\s*(?:,\s*(?:or\s+|and\s+)?|\s(?:or|and|and/or)\s))*)"
    r"([a-z0-9-]{2,12})\s+(?:inhibitors?|tkis?)\b"
)


def inhibitor_classes(vt: str) -> set[str]:
    """Shared drug classes named as "<target> inhibitor", each target of a list counted: "any PI3K, mTOR,
    or AKT inhibitor" -> pi3k_inhibitor, mtor_inhibitor, akt_inhibitor."""
    from apps.vocab import drugs

    out = set()
    for m in _INHIBITOR_LIST.finditer(vt):
        targets = [*re.split(r"\s*,\s*(?:or\s+|and\s+)?|\s(?:or|and|and/or)\s", m.group(1)), m.group(2)]
        for target in targets:
            found = drugs.class_lookup(f"{target.strip()} inhibitor") if target.strip() else None
            if found:
                out.add(str(found))
    return out


def _shared_target_class(name: str) -> str | None:
    from apps.vocab import drugs

    found = drugs.class_lookup(f"{name.replace('_', ' ')} inhibitor")
    return str(found) if found else None


# Words that make a drug mention a statement about treatment received (or a recent exposure). A bare
# "therapy"/"treatment" is not one: "infection requiring systemic therapy", "allergy to study drugs".
_THERAPY_WORDING = re.compile(
    r"\b(?:prior|previous|previously|received|receiving|receipt|treated|pretreated|pre-treated|naive|naïve"
    r"|refractory|progressed|progression\s+(?:on|after|during|following)|failed|failure\s+(?:of|on)"
    r"|intoleran(?:t|ce)|exposure|exposed|resistan(?:t|ce)|relapsed?\s+(?:on|after|following)"
    r"|recurr(?:ed|ence)\s+(?:on|after|following)|lines?\s+of|regimens?|currently\s+(?:on|taking|using)"
    r"|history\s+of\s+(?:\w+\s+){0,3}(?:therap\w*|treatments?|chemo\w*|radi\w*|surgery)|anti-?(?:cancer|neoplastic)\s+(?:therap\w*|treatments?|agents?)"
    r"|(?:treatment|therapy)\s+with|(?:neo-?)?adjuvant\s+(?:\w+\s+)?(?:therapy|treatment|chemotherapy)"
    r"|(?:therapy|treatment)\s+for\s+(?:\w+\s+){0,3}(?:cancer|disease|malignan\w*|tumou?rs?|carcinoma)|had\s+(?:\w+\s+){0,2}(?:therapy|treatment|surgery|radiation))\b"
)
_ANTICANCER_SETTING = re.compile(
    r"\b(?:neo-?adjuvant|adjuvant|anti-?cancer|anti-?neoplastic|anti-?tumou?r|(?:therapy|treatment)\s+for\s+"
    r"(?:\w+\s+){0,3}(?:cancer|malignan\w*|tumou?rs?|carcinoma|metastatic\s+disease))"
)
_CONDITION_FIRST = re.compile(r"\b(?:infection|allerg|hypersensitiv|disease|disorder|metasta)")
# A catch-all mention ("medication", "therapy", "agents") names no therapy class the matcher could test.
_CATCH_ALL = frozenset({"medications"})
# A short list item naming specific drugs or classes ("Anti-PD-1 antibody", "Docetaxel") stands under a
# heading that gives the wording ("Prior treatment with any of the following:").
_LIST_ITEM_CHARS = 70


# A time window the record cannot measure ("within a period shorter than the cycle length", "for 5
# half-lives"), a duration of ongoing treatment ("must be on a TKI at the same dose for at least 8 weeks")
# or of treatment before progression ("progressed on a TKI in less than 8 weeks"), or a judgment ("any
# concurrent treatment that would compromise the study"): a therapy criterion, kept for review.
_UNMEASURED = re.compile(
    r"\b(?:within|for)\s+(?:a|the|its)\s+(?:period|time|duration|cycle)\b|\bshorter\s+than\s+(?:the|its|a)\b"
    r"|\b(?:be|been|remain|remained|being)\s+on\s+[^.;]{0,60}?\bfor\s+(?:at\s+least|a\s+minimum|more\s+than|≥|>=?)"
    r"|\bprogress(?:ed|ion)\s+(?:on|while|during)\b[^.;]{0,60}?\b(?:in|within|after)\s+(?:less|fewer|more)\s+than\b"
    r"|\b(?:would|may|could|might)\s+(?:compromise|interfere|confound)\b"
    r"|\bin\s+the\s+(?:opinion|judge?ment)\s+of\b"
)


def rule(
    view: str, start: int, end: int, ents: list[Entity], *, heading: str | None = None
) -> tuple[str, dict[str, Any] | None] | None:
    """`heading`: the therapy kind of the list heading the criterion is an item of, if any."""
    # What a sentence permits names no prohibited therapy: "Prior receipt of other TKIs ... is permitted".
    # Nor does a later sentence that rules a therapy out ("Prior HER2-targeted therapy is not permitted
    # (Cohort 1 only)" after "... progressed following at least 1 prior systemic treatment"): its drugs are
    # not the ones the first sentence requires.
    later = [(a, b) for a, b in scopes.ruled_out_sentences(view, start, end) if a > start]
    for a, b in [*scopes.permissions(view, start, end), *later]:
        view = view[:a] + " " * (b - a) + view[b:]
        ents = [e for e in ents if not (a <= e.start < b and e.type in ("drug", "procedure"))]
    tx = [e for e in ents if e.type in ("drug", "procedure")]
    vt = view[start:end]
    targeted = _targeted_classes(view, ents, end)
    if not tx and not targeted and not inhibitor_classes(vt):
        return None
    drugs, classes = _ids(view, ents)
    named = set(classes) | set(targeted) | inhibitor_classes(vt)
    classes = sorted(named - _CATCH_ALL)
    if "systemic_therapy" in classes and (drugs or len(classes) > 1 or not _systemic_named(view, ents)):
        # "prior therapy with an anthracycline": the named drugs or classes are the requirement; "the study
        # treatment", "investigational agents" name no therapy a record could show
        classes.remove("systemic_therapy")
    if not drugs and not classes and named and _ANTICANCER_SETTING.search(vt):
        classes = ["systemic_therapy"]  # "any other neoadjuvant therapy for breast cancer"
    if not drugs and not classes:
        # Treatment wording around a catch-all word ("naive to ... treatment"): a therapy criterion the
        # matcher cannot test, so not computable rather than another kind.
        return (
            ("prior_therapy", None)
            if _THERAPY_WORDING.search(vt) and not _CONDITION_FIRST.search(vt)
            else None
        )
    specific = drugs or set(classes) - {"systemic_therapy"}
    worded = (
        _THERAPY_WORDING.search(vt)
        or (_WITHIN_TIME.search(vt) and _WASHOUT.search(vt))
        or heading is not None
    )
    if not worded and not (specific and len(vt.strip()) <= _LIST_ITEM_CHARS):
        return None
    if _UNMEASURED.search(vt) or (re.search(r"half[- ]li", vt) and _washout_days(ents, vt) is None):
        return "washout", None
    window = _washout_days(ents, vt, any_duration=heading == "washout")
    if window is not None and window <= 366 and (_WASHOUT.search(vt) or heading == "washout"):
        if (
            classes == ["systemic_therapy"]
            and not drugs
            and (_NOT_HISTORY.search(vt) or _UNKNOWN_KIND.search(vt))
        ):
            return "washout", None  # "stable ART regimen for 2 weeks", "monoclonal antibodies <= 6 weeks"
        half = re.search(r"(\d+|five|four|three)\s*(?:\w+\s+)?half[- ]li", vt)
        any_anti = bool(
            re.search(r"anti-?cancer|anti-?neoplastic|systemic\s+(?:therapy|treatment)|investigational", vt)
        )
        return "washout", {
            "drugs": drugs,
            "classes": classes,
            "any_anticancer": any_anti,
            "days": window,
            "half_lives": int(number(half.group(1)) or 0) if half else None,
        }
    if _TOXICITY.search(vt):
        return "prior_therapy", None  # recovery from a therapy's toxicities: not the therapy itself
    if classes == ["systemic_therapy"] and not drugs and not _prior_systemic(vt):
        return "prior_therapy", None  # not "any prior systemic therapy": see _prior_systemic
    min_lines = max_lines = None
    m = _LINES_MIN.search(vt)
    if m:
        min_lines = int(number(m.group(1) or m.group(2) or "one") or 1)
    m = _LINES_MAX.search(vt)
    if m:
        n = number(m.group(1))
        if n is not None:
            max_lines = int(n) - (1 if re.match(r"fewer|less|<(?!=)", m.group()) else 0)
    m = _LINES_N.search(vt)
    if m and min_lines is None and max_lines is None:
        n = number(m.group(1))
        if n is not None:
            min_lines = max_lines = int(n)
    setting = _SETTING.search(vt)
    within = _washout_days(ents, vt)
    return "prior_therapy", {
        "drugs": drugs,
        "classes": classes,
        "min_lines": min_lines,
        "max_lines": max_lines,
        "setting": setting.group(1).replace("-", "").replace("advanced", "metastatic") if setting else None,
        "within_days": within,
    }


_HISTORY = re.compile(
    r"\b(?:prior|previous(?:ly)?|received|treated|pre-?treated|naive|naïve|progress(?:ed|ion)|refractory|history"
    r"|relapsed|failed|lines?\s+of|regimens?\s+for)\b"
)
_NOT_HISTORY = re.compile(
    r"\b(?:concurrent(?:ly)?|currently|ongoing|while\s+on|expected\s+to|requir(?:e|es|ing)|planned|stable"
    r"|washout)\b"
)


def _prior_systemic(vt: str) -> bool:
    """The criterion is about prior systemic anticancer therapy as such ("at least 1 prior systemic therapy",
    "no previous systemic treatment for metastatic disease"): history wording, nothing current or planned
    ("concurrent anticancer therapy", "expected to require other antineoplastic therapy"), and no therapy
    kind the vocabulary does not know ("prior treatment with any CDK inhibitor")."""
    return bool(_HISTORY.search(vt)) and not _NOT_HISTORY.search(vt) and not _UNKNOWN_KIND.search(vt)


_UNKNOWN_KIND = re.compile(
    r"\b(?:inhibitors?|antibod(?:y|ies)|agonists?|antagonists?|vaccines?|conjugates?|products?|blockers?"
    r"|modulators?|degraders?|tkis?|cell\s+therap(?:y|ies)|gene\s+therap(?:y|ies)"
    r"|anti-(?!cancer|neoplastic|tumou?r)[a-z0-9]+)\b"
)
_TOXICITY = re.compile(
    r"\b(?:toxicit(?:y|ies)|adverse\s+(?:events?|effects?|reactions?)|aes?\b|side\s+effects?"
    r"|recover(?:ed|y)?\s+(?:from|to)|resolution\s+of)"
)
# A systemic-therapy phrase that names the trial's own or an unidentifiable product ("study treatment",
# "investigational agents", "any other investigational regimen").
_NOT_RECORDED = re.compile(r"\b(?:study|investigational|experimental|trial|protocol)\b(?:\s+\w+)?\s*$")


def _systemic_named(view: str, ents: list[Entity]) -> bool:
    """Some systemic-therapy phrase names prior anticancer therapy ("at least 1 prior systemic therapy"),
    not only the study's own or an investigational one ("the study treatment", "investigational agents")."""
    return any(
        e.type == "drug"
        and e.key == "class:systemic_therapy"
        and not _NOT_RECORDED.search(view, max(0, e.start - 30), e.start)
        and not re.search(r"\b(?:study|investigational|trial)\b", view[e.start : e.end])
        for e in ents
    )


def condition_first(view: str, start: int, end: int, ents: list[Entity], cond: Entity) -> bool:
    """A condition named in the first sentence before any treatment ("ILD which required steroid
    treatment", "brain metastases ... if received radiation, at least 4 weeks"): the criterion is about the
    condition, the treatment qualifies it."""
    sentence = re.search(r"[.;](?:\s|$)", view[start:end])
    first_end = start + sentence.start() if sentence else end
    if cond.start >= first_end:
        return False
    wording = _THERAPY_WORDING.search(view, start, end)
    tx = [e.start for e in ents if e.type in ("drug", "procedure")]
    return cond.start < min([*tx, wording.start() if wording else end])


def _washout_days(ents: list[Entity], vt: str, *, any_duration: bool = False) -> float | None:
    """The window in days; `any_duration`: an item under a washout heading ("T-DXd: >= 3 weeks")."""
    if not any_duration and not re.search(
        r"within|prior\s+to|before|since|from|last|past|previous|preceding|half[- ]li|<|≤|less\s+than", vt
    ):
        return None
    for v in ents:
        m = v.extra.get("m") if v.type == "value" else None
        if isinstance(m, re.Match):
            d = days(m)
            if d is not None:
                return d
    return None


def condition_rule(view: str, start: int, end: int, conds: list[Entity]) -> dict[str, Any]:
    vt = view[start:end]
    main = conds[0]
    qualifier = None
    for name, pattern in _QUALIFIER:
        if re.search(pattern, vt):
            qualifier = name
            break
    out: dict[str, Any] = {
        "condition": main.key,
        "qualifier": qualifier,
        "icd10": [
            code
            for c in conds
            if c.code and c.code.startswith("ICD10")
            for code in c.code.split(":", 1)[1].split("|")
        ]
        or None,
        "within_years": None,
        "within_months": None,
    }
    if len({c.key for c in conds}) > 1:
        out["also"] = sorted({c.key for c in conds[1:]} - {main.key})
    m = _WITHIN.search(vt)
    if m:
        n = number(m.group(1))
        unit = m.group(2)
        if n is not None and unit.startswith("year"):
            out["within_years"] = n
        elif n is not None and unit.startswith("month"):
            out["within_months"] = n
        elif n is not None:
            out["within_months"] = round(n / (4.345 if unit.startswith("week") else 30.44), 2)
    if cue("contraception").search(vt):
        pass
    return out
