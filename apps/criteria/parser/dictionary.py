"""Longest-match phrase dictionary over word tokens (hyphens and case ignored) built from the lexicons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from . import lexicon

_TOKEN = re.compile(r"[^\W_]+|[^\w\s-]")
_WORD_ONLY = re.compile(r"[^\W_]+")

# When one surface form names several things, the earlier type wins.
_PRIORITY = (
    "performance_status",
    "measurement",
    "biomarker",
    "condition",
    "cancer",
    "procedure",
    "drug",
    "phenotype",
)


@dataclass(frozen=True)
class Entry:
    type: str
    code: str | None
    key: str  # lexicon key (lab key, condition key, drug class, procedure kind)


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    entry: Entry


def tokens(view: str, start: int = 0, end: int | None = None) -> list[tuple[str, int, int]]:
    return [
        (m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(view, start, len(view) if end is None else end)
    ]


def phrase_key(surface: str) -> tuple[str, ...]:
    return tuple(m.group() for m in _TOKEN.finditer(surface.lower()))


class PhraseDictionary:
    def __init__(self) -> None:
        self.table: dict[tuple[str, ...], Entry] = {}
        self.prefixes: set[tuple[str, ...]] = set()
        self.max_len = 1

    def add(self, surface: str, entry: Entry, *, only_if_absent: bool = False) -> None:
        key = phrase_key(surface)
        if not key or (len(key) == 1 and len(key[0]) < 2):
            return
        old = self.table.get(key)
        if old is not None and (only_if_absent or _PRIORITY.index(old.type) <= _PRIORITY.index(entry.type)):
            return
        self.table[key] = entry
        self.prefixes.update(key[:n] for n in range(1, len(key)))
        self.max_len = max(self.max_len, len(key))

    def find(self, view: str, start: int = 0, end: int | None = None) -> list[Hit]:
        toks = tokens(view, start, end)
        hits: list[Hit] = []
        i = 0
        words = [t[0] for t in toks]
        while i < len(toks):
            found = None
            # Extend while the words so far begin some entry; keep the longest complete entry seen.
            for n in range(1, min(self.max_len, len(toks) - i) + 1):
                key = tuple(words[i : i + n])
                entry = self.table.get(key)
                if entry is not None:
                    found = (n, entry)
                if key not in self.prefixes:
                    break
            if found is None or not _WORD_ONLY.match(toks[i][0]):
                i += 1
                continue
            n, entry = found
            hits.append(Hit(toks[i][1], toks[i + n - 1][2], entry))
            i += n
        return hits


def _drugbank_names() -> list[tuple[str, str]]:
    """DrugBank names, synonyms, brands and curated abbreviations (shared vocabulary apps.vocab.drugs)."""
    from apps.vocab import drugs

    return sorted((name, dbid) for name, dbid in drugs.names().items() if 4 <= len(name) <= 40)


def _oncotree_synonyms() -> dict[str, str]:
    """OncoTree names and synonyms, without bare tissue names ("bone", "liver", "other")."""
    try:
        from apps.vocab import oncotree

        table = oncotree.synonyms()
        out = {}
        for surface, code in table.items():
            node = oncotree.get(code) if code and code != "NONE" else None
            if node is None or (node.level <= 1 and " " not in surface):
                continue
            out[surface] = code
        return out
    except Exception:  # the shared vocabulary may be mid-change; the curated lists still work
        return {}


_DISEASE_HEAD = re.compile(
    r"(?:disease|disorder|syndrome|itis|osis|emia|aemia|pathy|failure|infection|insufficiency|ism|plegia|stenosis|"
    r"thrombosis|embolism|aneurysm|ulcer|hernia|dysplasia|polyps?|fibrosis|palsy|sclerosis|shock|zoster|dystrophy|"
    r"epilepsy|asthma|gout|angina|arrhythmias?|fibrillation|psychosis|dementia|depression|hepatitis|cirrhosis)$"
)


@cache
def terms(name: str) -> list[tuple[str, str]]:
    """(name, code) rows of a generated term file in apps/criteria/data (comment lines skipped)."""
    rows = []
    for line in (lexicon.DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            term, _, code = line.partition("\t")
            rows.append((term, code))
    return rows


def _icd10_terms() -> list[tuple[str, str]]:
    return [(name, code) for name, code in terms("icd10_conditions.tsv") if _DISEASE_HEAD.search(name)]


@cache
def build() -> PhraseDictionary:
    from apps.vocab import conditions, labs

    d = PhraseDictionary()
    for ps in lexicon.load_yaml("cues.yaml")["performance_status_names"]:
        d.add(ps["name"], Entry("performance_status", None, ps["scale"]))
    for lab in labs.reading_table():
        for name in lab["names"]:
            code = f"LOINC:{lab['loinc']}" if lab.get("loinc") else None
            d.add(name, Entry("measurement", code, lab["key"]))
    bio = lexicon.load_yaml("biomarkers.yaml")
    for term in bio["tmb_terms"]:
        d.add(term, Entry("biomarker", None, "tmb"))
    for term, status in bio["msi_terms"].items():
        d.add(term, Entry("biomarker", None, f"msi:{status}"))
    for term, marker in bio["expression_markers"].items():
        if len(term) > 3:
            d.add(term, Entry("biomarker", None, f"expr:{marker}"))
    for cond in conditions.reading_table():
        etype = "cancer" if cond.get("cancer_like") else "condition"
        for name in cond["names"]:
            icd = conditions.name_codes(cond, name)
            d.add(name, Entry(etype, f"ICD10CM:{'|'.join(icd)}" if icd else None, cond["key"]))
    for code_surface, code in sorted(_oncotree_synonyms().items()):
        if len(code_surface) >= 3:
            d.add(code_surface, Entry("cancer", f"ONCOTREE:{code}", code))
    for generic in lexicon.load_yaml("cues.yaml")["cancer_generic"]:
        d.add(generic, Entry("cancer", None, "generic"))
    for name, code in _icd10_terms():
        d.add(name, Entry("condition", f"ICD10CM:{code}", "icd10"), only_if_absent=True)
    treatments = lexicon.load_yaml("treatments.yaml")
    for kind, names in treatments["procedures"].items():
        for name in names:
            d.add(name, Entry("procedure", None, kind))
    for cls, spec in treatments["classes"].items():
        for name in spec["names"]:
            d.add(name, Entry("drug", None, f"class:{cls}"))
    stop = set(lexicon.load_yaml("cues.yaml")["drug_stoplist"])
    for name, dbid in _drugbank_names():
        if name.lower() not in stop:
            d.add(name, Entry("drug", f"DRUGBANK:{dbid}", name.lower()))
    return d


@cache
def vocabulary() -> PhraseDictionary:
    """Broader term lists whose hits are only features of the learned tagger (never rule entities).

    All ICD-10-CM short names (not only those with a disease head word), HPO phenotype names, the drug
    classes (singular and plural) and lab synonyms, DrugBank names, OncoTree names and procedure words.
    """
    from apps.vocab import conditions, drugs, labs

    d = PhraseDictionary()
    for name in labs.synonyms():
        d.add(name, Entry("measurement", None, "vocab"))
    for name in lexicon.load_yaml("cues.yaml")["performance_status_names"]:
        d.add(name["name"], Entry("measurement", None, "vocab"))
    for name, _ in terms("icd10_conditions.tsv"):
        d.add(name, Entry("condition", None, "vocab"), only_if_absent=True)
    for cond in conditions.reading_table():
        for name in cond["names"]:
            d.add(name, Entry("condition", None, "vocab"))
    for name, _ in terms("hpo_terms.tsv"):
        d.add(name, Entry("phenotype", None, "vocab"), only_if_absent=True)
    for surface in _oncotree_synonyms():
        if len(surface) >= 3:
            d.add(surface, Entry("cancer", None, "vocab"))
    for names in lexicon.load_yaml("treatments.yaml")["procedures"].values():
        for name in names:
            d.add(name, Entry("procedure", None, "vocab"))
    for name in drugs.class_synonyms():
        for form in (name, name + "s"):
            d.add(form, Entry("drug", None, "vocab"), only_if_absent=True)
    stop = set(lexicon.load_yaml("cues.yaml")["drug_stoplist"])
    for name, _ in _drugbank_names():
        if name not in stop:
            d.add(name, Entry("drug", None, "vocab"), only_if_absent=True)
    return d
