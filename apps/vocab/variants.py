"""Protein changes (HGVS p.) parsed into one-letter form, exon lookup, and variant classes used by criteria.

Parser: a careful parser of the HGVS p. grammar (three- or one-letter amino acids, predicted changes in
parentheses, missense, nonsense, synonymous, del, dup, ins, delins, fs, ext), not the `hgvs` package, which
needs a UTA database connection for most work and heavy dependencies; parsing p. strings needs neither.
A one-letter "X" as the new amino acid is read as trial text uses it ("G719X": any substitution), while
"Ter"/"*" is a stop. Data: apps/vocab/data/exons.csv and activating_hotspots.csv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from apps.vocab._common import DATA_DIR, VocabDataError, read_csv

EXONS_FILE = DATA_DIR / "exons.csv"
HOTSPOTS_FILE = DATA_DIR / "activating_hotspots.csv"

THREE_TO_ONE = {
    "Ala": "A",
    "Arg": "R",
    "Asn": "N",
    "Asp": "D",
    "Cys": "C",
    "Gln": "Q",
    "Glu": "E",
    "Gly": "G",
    "His": "H",
    "Ile": "I",
    "Leu": "L",
    "Lys": "K",
    "Met": "M",
    "Phe": "F",
    "Pro": "P",
    "Ser": "S",
    "Thr": "T",
    "Trp": "W",
    "Tyr": "Y",
    "Val": "V",
    "Sec": "U",
    "Pyl": "O",
    "Ter": "*",
    "Xaa": "X",
}
_AA3 = "|".join(THREE_TO_ONE)
_AA = rf"(?:{_AA3}|[ACDEFGHIKLMNPQRSTVWYUOX*])"
_CHANGE = re.compile(rf"^(?P<r1>{_AA})(?P<p1>\d+)(?:_(?P<r2>{_AA})(?P<p2>\d+))?(?P<rest>.*)$")
_SEQ = re.compile(rf"^(?:{_AA})+$")
_AA_TOKEN = re.compile(_AA)
_FS_TAIL = re.compile(rf"^(?:{_AA})?fs(?:(?:Ter|\*|X)(?:\d+|\?))?$", re.IGNORECASE)
_EXT_TAIL = re.compile(rf"^(?P<alt>{_AA})?ext(?:(?:Ter|\*|X|Met|M)?-?(?:\d+|\?))?$")

KINDS = (
    "missense",
    "nonsense",
    "deletion",
    "insertion",
    "duplication",
    "delins",
    "frameshift",
    "synonymous",
    "extension",
    "unknown",
)


@dataclass(frozen=True)
class ProteinChange:
    short: str
    ref_aa: str
    position: int
    end_position: int
    alt: str | None
    kind: str


def _one(aa: str) -> str:
    return THREE_TO_ONE.get(aa, aa)


def _seq(text: str) -> str | None:
    """A run of amino acids (three- or one-letter) -> one-letter string, or None if it is not one."""
    if not text or not _SEQ.match(text):
        return None
    return "".join(_one(t) for t in _AA_TOKEN.findall(text))


def _strip(text: str) -> str:
    t = text.strip()
    if t[:2].lower() == "p.":
        t = t[2:]
    if t.startswith("(") and t.endswith(")"):
        t = t[1:-1]
    return t.strip()


def _parse(t: str) -> ProteinChange | None:
    m = _CHANGE.match(t)
    if not m:
        return None
    r1, p1 = _one(m["r1"]), int(m["p1"])
    r2 = _one(m["r2"]) if m["r2"] else None
    p2 = int(m["p2"]) if m["p2"] else p1
    if p2 < p1:
        return None
    rest = m["rest"]
    span = f"{r1}{p1}" + (f"_{r2}{p2}" if r2 else "")
    low = rest.lower()
    if rest == "":
        return ProteinChange(span, r1, p1, p2, None, "unknown")
    if rest in ("=", "(=)"):
        return ProteinChange(f"{span}=", r1, p1, p2, r1, "synonymous")
    if rest == "?":
        return ProteinChange(f"{span}?", r1, p1, p2, None, "unknown")
    if low == "del":
        return ProteinChange(f"{span}del", r1, p1, p2, None, "deletion")
    if low == "dup":
        return ProteinChange(f"{span}dup", r1, p1, p2, None, "duplication")
    if low.startswith("delins"):
        seq = _seq(rest[6:]) or _seq(rest[6:].upper())
        return ProteinChange(f"{span}delins{seq}", r1, p1, p2, seq, "delins") if seq else None
    if low.startswith("ins"):
        seq = _seq(rest[3:]) or _seq(rest[3:].upper())
        if seq is None or r2 is None:
            return None
        return ProteinChange(f"{span}ins{seq}", r1, p1, p2, seq, "insertion")
    if _FS_TAIL.match(rest) and r2 is None:
        return ProteinChange(f"{span}fs", r1, p1, p2, None, "frameshift")
    ext = _EXT_TAIL.match(rest)
    if ext and r2 is None:
        alt = _one(ext["alt"]) if ext["alt"] else None
        return ProteinChange(f"{span}{alt or ''}ext", r1, p1, p2, alt, "extension")
    if r2 is None and _SEQ.match(rest) and len(_AA_TOKEN.findall(rest)) == 1:
        alt = _one(rest)
        if alt == "X":
            return ProteinChange(f"{span}X", r1, p1, p2, None, "missense")
        if alt == "*":
            kind = "synonymous" if r1 == "*" else "nonsense"
            return ProteinChange(f"{span}*", r1, p1, p2, "*", kind)
        if r1 == "*":
            return ProteinChange(f"{span}{alt}", r1, p1, p2, alt, "extension")
        kind = "synonymous" if alt == r1 else "missense"
        return ProteinChange(f"{span}{alt}", r1, p1, p2, alt, kind)
    return None


@cache
def parse_protein(text: str) -> ProteinChange | None:
    """An HGVS p. change ("p.Val600Glu", "p.(Val600Glu)", "V600E", "p.Leu747_Thr751del"...) or None."""
    if not isinstance(text, str) or not text.strip() or len(text) > 200:
        return None
    t = _strip(text)
    t = re.sub(r"\s+", "", t)
    found = _parse(t)
    if found is None and t != t.upper():
        # one-letter forms written in lower case ("v600e", "l747_t751del") or with upper-case keywords
        upper = t.upper()
        if not re.search(_AA3.upper(), upper.replace("DEL", "").replace("INS", "").replace("DUP", "")):
            found = _parse(_restore_keywords(upper))
    elif found is None:
        found = _parse(_restore_keywords(t))
    return found


def _restore_keywords(t: str) -> str:
    return re.sub(r"(DELINS|DEL|DUP|INS|FS|EXT)", lambda m: m.group(1).lower(), t)


# Exons ---------------------------------------------------------------------------------------------------


@cache
def _exons() -> dict[str, tuple[tuple[int, int, int], ...]]:
    table: dict[str, list[tuple[int, int, int]]] = {}
    for lineno, row in read_csv(EXONS_FILE, ("gene", "exon", "first_codon", "last_codon")):
        try:
            exon, first, last = int(row["exon"]), int(row["first_codon"]), int(row["last_codon"])
        except ValueError:
            raise VocabDataError(
                f"{EXONS_FILE}: line {lineno}: exon/first_codon/last_codon must be integers"
            ) from None
        if first > last:
            raise VocabDataError(f"{EXONS_FILE}: line {lineno}: field 'first_codon': {first} is after {last}")
        for other_exon, other_first, other_last in table.get(row["gene"], []):
            if first <= other_last and other_first <= last:
                raise VocabDataError(f"{EXONS_FILE}: line {lineno}: exon {exon} overlaps exon {other_exon}")
        table.setdefault(row["gene"].upper(), []).append((exon, first, last))
    return {gene: tuple(rows) for gene, rows in table.items()}


def exon_of(gene: str, position: int) -> int | None:
    """Exon holding codon `position` of `gene`, for the curated exons; None when not listed."""
    for exon, first, last in _exons().get(gene.strip().upper(), ()):
        if first <= position <= last:
            return exon
    return None


def exons_known(gene: str) -> frozenset[int]:
    return frozenset(exon for exon, _, _ in _exons().get(gene.strip().upper(), ()))


# Variant classes -----------------------------------------------------------------------------------------

_CLASS_TEXT = {
    "exon19_deletion": re.compile(r"\bex(?:on)?\s*19\s*(?:del|deletion|delins)", re.IGNORECASE),
    "exon20_insertion": re.compile(r"\bex(?:on)?\s*20\s*(?:ins|insertion|dup)", re.IGNORECASE),
    "exon14_skipping": re.compile(
        r"\b(?:met)?\s*ex(?:on)?\s*14\s*(?:skip|skipping|del|deletion|alteration|splice)|"
        r"\bmetex14\b",
        re.IGNORECASE,
    ),
}
_EXON_MUTATION = re.compile(r"^exon(\d+)_mutation$")
_CODON = re.compile(r"^(?P<ref>[A-Z*])(?P<pos>\d+)$")


def _as_change(change: ProteinChange | str | None) -> tuple[ProteinChange | None, str]:
    if isinstance(change, ProteinChange):
        return change, change.short
    text = change or ""
    return parse_protein(text), text


def _in_exon(gene: str, pc: ProteinChange, exon: int) -> bool:
    return exon_of(gene, pc.position) == exon and exon_of(gene, pc.end_position) == exon


def _matches_pattern(pc: ProteinChange, pattern: str) -> bool:
    """A hotspot pattern: exact change ("L858R"), codon ("G12"), or codon with X wildcard ("G719X")."""
    codon = _CODON.match(pattern)
    if codon:
        return pc.position == int(codon["pos"]) and pc.ref_aa == codon["ref"] and pc.kind == "missense"
    wanted = parse_protein(pattern)
    if wanted is None:
        return False
    if wanted.kind == "missense" and wanted.alt is None:  # "G719X": any substitution at the codon
        return pc.kind == "missense" and (pc.ref_aa, pc.position) == (wanted.ref_aa, wanted.position)
    if wanted.kind == "frameshift":
        return pc.kind == "frameshift" and pc.position == wanted.position
    return pc.short == wanted.short


def matches_class(gene: str, change: ProteinChange | str | None, variant_class: str) -> bool:
    """Does `change` in `gene` belong to `variant_class`?

    Classes: "exon19_deletion", "exon20_insertion", "exon14_skipping", "exonN_mutation", "activating", or a
    protein change pattern ("L858R", "V600", "G12X"). `change` is a ProteinChange or text (an HGVS p.
    string, or words such as "exon 19 deletion" / "MET exon 14 skipping" as reports write them).
    """
    gene = (gene or "").strip().upper()
    pc, text = _as_change(change)
    cls = variant_class.strip()
    key = cls.lower()
    if key in _CLASS_TEXT and _CLASS_TEXT[key].search(text):
        return key != "exon14_skipping" or gene == "MET"
    if key == "exon19_deletion":
        return pc is not None and pc.kind in ("deletion", "delins") and _in_exon(gene, pc, 19)
    if key == "exon20_insertion":
        return (
            pc is not None
            and pc.kind in ("insertion", "duplication", "delins")
            and _in_exon(gene, pc, 20)
            and (pc.kind != "delins" or len(pc.alt or "") > pc.end_position - pc.position + 1)
        )
    if key == "exon14_skipping":
        if gene != "MET" or pc is None:
            return False
        # D1010 is the last codon of exon 14: its substitutions disrupt the splice donor.
        return (pc.position == 1010 and pc.ref_aa == "D" and pc.kind in ("missense", "nonsense")) or (
            pc.kind in ("deletion", "delins") and _in_exon(gene, pc, 14)
        )
    exon_mutation = _EXON_MUTATION.match(key)
    if exon_mutation:
        return (
            pc is not None and pc.kind != "synonymous" and exon_of(gene, pc.position) == int(exon_mutation[1])
        )
    if key == "activating":
        return any(matches_class(gene, change, pattern) for pattern in _hotspots().get(gene, ()))
    return pc is not None and _matches_pattern(
        pc, cls.upper() if not any(c.islower() for c in cls[1:]) else cls
    )


@cache
def _hotspots() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for lineno, row in read_csv(HOTSPOTS_FILE, ("gene", "change")):
        change = row["change"]
        is_class = change.lower() in _CLASS_TEXT or _EXON_MUTATION.match(change.lower())
        if not is_class and not _CODON.match(change) and parse_protein(change) is None:
            raise VocabDataError(f"{HOTSPOTS_FILE}: line {lineno}: field 'change': cannot read {change!r}")
        table.setdefault(row["gene"].upper(), []).append(change)
    return {gene: tuple(rows) for gene, rows in table.items()}


def activating_hotspots() -> dict[str, tuple[str, ...]]:
    """Gene -> the activating patterns listed for it (see data/activating_hotspots.csv)."""
    return dict(_hotspots())
