"""A same-length, matching-friendly view of the input text, so every offset found in it indexes the input."""

from __future__ import annotations

import re

# CommonMark backslash escapes (ClinicalTrials.gov writes "\>=", "\*", "\[") become a space.
_ESCAPE = re.compile(r"\\(?=[!-/:-@\[-`{-~])")
_SAME_LENGTH_FOLD = str.maketrans(
    {
        "\u2264": "\u2264",
        "\u2265": "\u2265",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u00a0": " ",
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00d7": "x",
        "\u00b5": "u",
        "\u03bc": "u",
        "\t": " ",
    }
)


def lower_same_length(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # A few characters (e.g. U+0130) lower-case to two; keep those unchanged to preserve offsets.
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def matching_view(text: str) -> str:
    """Lower-cased, escapes blanked, dashes and quotes folded; always exactly as long as `text`."""
    view = lower_same_length(text).translate(_SAME_LENGTH_FOLD)
    view = _ESCAPE.sub(" ", view)
    if len(view) != len(text):  # defensive: never hand out offsets that do not index the input
        return lower_same_length(text)
    return view
