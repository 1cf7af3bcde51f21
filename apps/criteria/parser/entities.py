"""Entities of one criterion: dictionary terms, genes, variants, values with comparators, and cue words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from . import lexicon
from .dictionary import build

NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+|@number)"
WORD_NUM = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "fourteen": 14,
    "twenty": 20,
    "thirty": 30,
}
_WORD_NUM = r"(?:" + "|".join(WORD_NUM) + r")"
_ANY_NUM = rf"(?:{NUM}|{_WORD_NUM})"
_RELATIVE = (
    r"(?:\s*(?:x|times|fold|-fold)?\s*(?:the\s+)?(?:institutional\s+|local\s+|laboratory\s+)?"
    r"(?:upper|lower)\s+limits?\s+(?:of\s+)?(?:the\s+)?normal(?:\s+(?:range|limit))?(?:\s*\(\s*[ul]ln\s*\))?"
    r"|\s*(?:x|times|fold)?\s*(?:the\s+)?(?:institutional\s+)?[ul]ln\b)"
)
_UNIT = (
    r"(?:\s*(?:x|\*)\s*10\s*(?:\^|e|\*)?\s*\d+\s*/\s*(?:l|ul|mcl|mm3|mm\s?\^\s?3|µl)"
    r"|\s*(?:cells\s*)?/\s*(?:mm\s?\^?\s?3|mm³|ul|mcl|µl|l)\b"
    r"|\s*(?:mg|g|ng|ug|mcg|pg|mmol|umol|µmol|mcmol|nmol|meq|iu|u|miu|uiu|copies|ml|mol)\s*/\s*"
    r"(?:dl|l|ml|min(?:ute)?|24\s*h(?:ours?)?|kg|m2|mm3|(?:mg|g|mmol)\b)(?:\s*/\s*1\.73\s*m(?:2|\^2|²))?"
    r"|\s*(?:kg\s*/\s*m\s*(?:2|\^2|²)|mm\s*hg|mmhg|msec|ms\b|%|percent|cm\b|mm\b|kg\b|lbs?\b|mut\s*/\s*mb|mutations?\s*/\s*mb"
    r"|muts?\s*/\s*mb|bpm\b|cc\b|gy\b|mg\b|g\b|fold\b|seconds?\b|sec\b))"
)
_TIME_UNIT = (
    r"(?:days?|weeks?|wks?|months?|years?|yrs?|hours?|hrs?|minutes?|half[- ]lives|half[- ]life|cycles?)"
)
_LT = (
    r"(?:<\s?/?\s?=|=\s?<|≤|<|less\s+than\s+or\s+equal\s+to|less\s+than|lower\s+than|below|under|up\s+to"
    r"|not\s+(?:to\s+)?exceed(?:ing)?|no\s+(?:more|greater|higher)\s+than|not\s+(?:more|greater|higher)\s+than"
    r"|maximum(?:\s+of)?|at\s+most|≦)"
)
_GT = (
    r"(?:>\s?/?\s?=|=\s?>|≥|>|greater\s+than\s+or\s+equal\s+to|more\s+than|greater\s+than|higher\s+than|above|over"
    r"|exceeding|at\s+least|minimum(?:\s+of)?|no\s+(?:less|lower|fewer)\s+than|not\s+(?:less|lower|fewer)\s+than|≧)"
)
_TRAIL = r"(?:\s+or\s+(?:more|greater|higher|above|older)|\s+or\s+(?:less|lower|below|fewer|younger))?"
VALUE = re.compile(
    rf"(?:(?P<cmp>{_LT}|{_GT}|=)\s*(?:to\s+)?)?"
    rf"(?P<num>{_ANY_NUM})(?:\s*(?:-|to|and)\s*(?P<num2>{NUM}))?"
    rf"(?P<unit>{_RELATIVE}|{_UNIT}|\s*{_TIME_UNIT}(?:\s+(?:prior|before|after|since|of\s+age|old))?)?"
    rf"(?P<trail>{_TRAIL})",
)
_TEMPORAL_LEAD = re.compile(
    r"(?:within|past|last|previous|prior|next|preceding)\s+(?:the\s+)?(?:last\s+|past\s+)?$"
)
GENE_TOKEN = re.compile(
    r"(?<![\w-])(?:[A-Z][A-Z0-9]{1,7}(?:-[A-Z0-9]{1,4})?|c-[A-Z]{3,4}|[A-Z][a-z]{0,2}-?[A-Z0-9]{2,5})(?![\w])"
)
_FUSION_TOKEN = re.compile(
    r"(?<![\w-])(?P<five>[A-Z][A-Z0-9]{1,7})(?:-|::|–)(?P<three>[A-Z][A-Z0-9]{1,7})(?![\w])"
)
# A gene symbol with its state glued on as a suffix: "NPM1m" / "EGFRmut" (mutated), "KMT2Ar" (rearranged),
# "TP53WT" (wild type); biomarkers._alteration reads the suffix.
GENE_SUFFIXED = re.compile(r"(?<![\w-])(?P<gene>[A-Z][A-Z0-9]{1,7}?)(?:m|mut|r|WT|wt)(?![\w])")
PROTEIN = re.compile(
    r"(?<![\w])(?:p\.)?(?P<ref>[ACDEFGHIKLMNPQRSTVWY])(?P<pos>\d{1,4})(?P<alt>[ACDEFGHIKLMNPQRSTVWY*X]|fs|del|ins)?(?![\w])"
)
EXON = re.compile(
    r"exon\s*(?P<exon>\d{1,2})\s*(?P<cls>deletions?|del\b|insertions?|ins\b|skipping|skip|mutations?|alterations?)?",
    re.IGNORECASE,
)


@dataclass
class Entity:
    type: str
    start: int
    end: int
    code: str | None = None
    key: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def as_dict(self, text: str) -> dict[str, object]:
        return {
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "text": text[self.start : self.end],
            "code": self.code,
        }


@cache
def _hgnc() -> frozenset[str]:
    """Approved HGNC symbols (apps.vocab.genes)."""
    from apps.vocab import genes

    return genes.all_symbols()


def _previous_symbol(sym: str) -> str | None:
    from apps.vocab import genes

    return None if genes.is_ambiguous(sym) else genes.approved_symbol(sym)


@cache
def _gene_aliases() -> dict[str, str]:
    return {k.lower(): v for k, v in lexicon.load_yaml("biomarkers.yaml")["gene_aliases"].items()}


@cache
def _alias_pattern() -> re.Pattern[str]:
    names = sorted(_gene_aliases(), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])")


@cache
def _gene_stop() -> frozenset[str]:
    return frozenset(lexicon.load_yaml("biomarkers.yaml")["gene_stoplist"])


@cache
def _cue(name: str) -> re.Pattern[str]:
    return re.compile(lexicon.load_yaml("cues.yaml")[name])


def cue(name: str) -> re.Pattern[str]:
    return _cue(name)


def _overlaps(a: Entity, taken: list[Entity]) -> bool:
    return any(a.start < b.end and b.start < a.end for b in taken)


def find(text: str, view: str, start: int, end: int) -> list[Entity]:
    """Entities inside text[start:end], non-overlapping, in text order."""
    out: list[Entity] = []
    aliases = _gene_aliases()
    for m in _alias_pattern().finditer(view, start, end):
        symbols = aliases[m.group()]
        ent = Entity("gene", m.start(), m.end(), f"HGNC:{symbols.split('|')[0]}", symbols)
        if not _overlaps(ent, out):
            out.append(ent)
    hgnc, stop = _hgnc(), _gene_stop()
    for m in GENE_TOKEN.finditer(text, start, end):
        sym = m.group()
        if sym not in hgnc and PROTEIN.match(text, m.end() + 1, end):
            sym = _previous_symbol(sym) or sym  # "ABL T315I": a previous symbol right before a protein change
        if sym in hgnc and sym not in stop and not text[start:end].isupper():
            ent = Entity("gene", m.start(), m.end(), f"HGNC:{sym}", sym)
            if not _overlaps(ent, out):
                out.append(ent)
    for m in _FUSION_TOKEN.finditer(text, start, end):
        # "EML4-ALK": two genes written as one fusion; biomarkers reads the pair as a fusion of the second
        for g in ("five", "three"):
            sym = m.group(g)
            ent = Entity("gene", m.start(g), m.end(g), f"HGNC:{sym}", sym)
            if sym in hgnc and m.group("five") != m.group("three") and not _overlaps(ent, out):
                out.append(ent)
    for m in GENE_SUFFIXED.finditer(text, start, end):
        sym = m.group("gene")
        if sym in hgnc and sym not in stop:
            ent = Entity("gene", m.start(), m.end("gene"), f"HGNC:{sym}", sym)
            if not _overlaps(ent, out):
                out.append(ent)
    for m in PROTEIN.finditer(text, start, end):
        if m.group("alt") or re.match(r"\s*(?:mutation|x|\))", text[m.end() : m.end() + 10]):
            ent = Entity("variant", m.start(), m.end(), None, m.group().removeprefix("p."))
            if not _overlaps(ent, out):
                out.append(ent)
    for m in EXON.finditer(text, start, end):
        ent = Entity(
            "variant", m.start(), m.end(), None, "exon", {"exon": int(m.group("exon")), "cls": m.group("cls")}
        )
        if not _overlaps(ent, out):
            out.append(ent)
    for hit in build().find(view, start, end):
        if re.search(r"(?:\d|cells)\s*/\s*$", view[max(start, hit.start - 12) : hit.start]):
            continue  # a unit's denominator ("1000/mcl"), not a term (MCL = mantle cell lymphoma)
        ent = Entity(hit.entry.type, hit.start, hit.end, hit.entry.code, hit.entry.key)
        if _overlaps(ent, out):
            inside = [
                o for o in out if o.type in ("gene", "variant") and ent.start <= o.start and o.end <= ent.end
            ]
            if inside and (
                hit.entry.type == "biomarker" or (ent.end - ent.start) > max(o.end - o.start for o in inside)
            ):
                out[:] = [o for o in out if o not in inside]
        if not _overlaps(ent, out):
            out.append(ent)
    _exact_case_labs(text, start, end, out)
    _organ_conditions(view, start, end, out)
    _cue_entities(view, start, end, out)
    _values(view, start, end, out)
    _age_words(view, start, end, out)
    out.sort(key=lambda e: (e.start, e.end))
    return out


@cache
def _exact_case() -> tuple[re.Pattern[str] | None, dict[str, tuple[str, str | None]]]:
    """Lab names that only count written with their case (apps.vocab.labs `exact_case`: "Cr", not "CR")."""
    from apps.vocab import labs

    names: dict[str, tuple[str, str | None]] = {}
    for lab in labs.reading_table():
        for name in lab.get("exact_case") or ():
            names[name] = (lab["key"], f"LOINC:{lab['loinc']}" if lab.get("loinc") else None)
    if not names:
        return None, names
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])"), names


def _exact_case_labs(text: str, start: int, end: int, out: list[Entity]) -> None:
    pattern, names = _exact_case()
    if pattern is None:
        return
    for m in pattern.finditer(text, start, end):
        key, code = names[m.group()]
        ent = Entity("measurement", m.start(), m.end(), code, key)
        if not _overlaps(ent, out):
            out.append(ent)


def _cue_entities(view: str, start: int, end: int, out: list[Entity]) -> None:
    for name, etype in (("pregnancy_entity", "pregnancy"), ("sex_entity", "sex")):
        for m in _cue(name).finditer(view, start, end):
            if m.end() > m.start():
                ent = Entity(etype, m.start(), m.end())
                if not _overlaps(ent, out):
                    out.append(ent)


def _age_words(view: str, start: int, end: int, out: list[Entity]) -> None:
    taken = [e for e in out if e.type != "value"]  # "18 years of age": the value and the word both stand
    for m in _AGE_WORD.finditer(view, start, end):
        ent = Entity("age", m.start(), m.end())
        if not _overlaps(ent, taken):
            out.append(ent)


_NOT_A_BOUND = re.compile(
    r"(?:\b(?:type|phase|part|cohort|arm|version|hiv|covid|cycle|day|section|table|figure|step|level|module|"
    r"substudy|group|trial|study|protocol|cd|ca|il|p|v)\s*-?\s*|[a-z]-)$"
)
_AGE_WORD = re.compile(r"\bage[sd]?\b")
_ORGAN = re.compile(
    r"\b(cardiac|cardiovascular|renal|kidney|hepatic|liver|pulmonary|lung|gastrointestinal|neurologic(?:al)?|"
    r"psychiatric|metabolic|endocrine|respiratory|thyroid|autoimmune|immunologic(?:al)?|infectious|mental|"
    r"cerebrovascular|vascular|heart|bone\s+marrow|hematologic(?:al)?|rheumatologic|dermatologic|ocular)\b"
    r"(?=(?:\s*(?:,|or|and|and/or|/)\s*[a-z-]+){0,6}\s+(?:diseases?|disorders?|dysfunction|impairment|"
    r"insufficiency|illness(?:es)?|conditions?|failure|abnormalit(?:y|ies)|compromise))"
)


def _organ_conditions(view: str, start: int, end: int, out: list[Entity]) -> None:
    """Each organ of "cardiac, renal or hepatic disease" names a condition of its own."""
    for m in _ORGAN.finditer(view, start, end):
        ent = Entity("condition", m.start(), m.end(), None, "organ")
        if not _overlaps(ent, out):
            out.append(ent)


def _values(view: str, start: int, end: int, out: list[Entity]) -> None:
    for m in VALUE.finditer(view, start, end):
        num = m.group("num")
        if num in WORD_NUM and not (m.group("unit") or m.group("cmp")):
            continue
        bare = not (m.group("cmp") or m.group("unit") or m.group("num2") or m.group("trail"))
        if bare and _NOT_A_BOUND.search(view, max(start, m.start() - 14), m.start()):
            continue
        glued = m.start() > 0 and (view[m.start() - 1].isalnum() or view[m.start() - 1] in "-.")
        if glued and not m.group("cmp"):
            continue
        s = m.start()
        lead = _TEMPORAL_LEAD.search(view, max(start, s - 30), s)
        if lead and m.group("unit") and re.match(rf"\s*{_TIME_UNIT}", m.group("unit")):
            s = lead.start()
        ent = Entity("value", s, m.end(), None, "", {"m": m})
        if _overlaps(ent, out):
            continue
        out.append(ent)
