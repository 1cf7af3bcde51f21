"""Paths to the vocabulary files, text normalisation and strict readers for the curated tables."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

VOCAB_DIR = Path(__file__).resolve().parent
DATA_DIR = VOCAB_DIR / "data"
FIXTURES_DIR = VOCAB_DIR.parent.parent / "fixtures" / "vocab"

_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_SPACES = re.compile(r"\s+")


class VocabDataError(ValueError):
    """A curated or upstream vocabulary file is malformed (names the file, line and field)."""


def norm(text: str) -> str:
    """Case-fold, unify dashes/quotes, collapse whitespace and trim surrounding punctuation."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_QUOTES)
        text = text.casefold()
    else:
        text = text.lower()
    if "  " in text or "\t" in text or "\n" in text:
        text = _SPACES.sub(" ", text)
    return text.strip(" .,;:\t\n")


def variants(text: str) -> list[str]:
    """Surface forms tried for a lookup: as normalised, hyphens as spaces, hyphens dropped."""
    base = norm(text)
    out = [base]
    for alt in (base.replace("-", " "), base.replace("-", ""), _SPACES.sub(" ", base.replace("-", " "))):
        alt = _SPACES.sub(" ", alt).strip()
        if alt and alt not in out:
            out.append(alt)
    return out


def read_csv(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a curated CSV (lines starting with '#' are comments) with their 1-based line numbers.

    Raises VocabDataError naming file, line and field when a required column is missing or empty.
    """
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [(i, line) for i, line in enumerate(fh, start=1) if line.strip() and not line.startswith("#")]
    if not lines:
        raise VocabDataError(f"{path}: no header row")
    reader = csv.DictReader([line for _, line in lines])
    header = reader.fieldnames or []
    missing = [name for name in required if name not in header]
    if missing:
        raise VocabDataError(f"{path}: line {lines[0][0]}: missing column(s) {', '.join(missing)}")
    for (lineno, _), row in zip(lines[1:], reader, strict=True):
        clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
        for name in required:
            if not clean.get(name):
                raise VocabDataError(f"{path}: line {lineno}: field {name!r} is empty")
        yield lineno, clean
