"""Sections and list structure: headings, bullets, numbering, nesting, continuation lines, exact spans."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import lexicon

_BULLET = re.compile(
    r"""(?P<indent>[ ]*)
    (?P<marker>
        [*\-+\u2022\u00b7\u25aa\u25cf\u25e6\u2023\u2043o](?=\s)      # symbol bullets (and "o" used as one)
      | \\?-{2,3}(?=\s*\S)                                          # "--OR", "---Advanced": dashes as bullets
      | \(?\d{1,3}(?:\.\d{1,3})*\\?[.)](?=\s)                          # 1.  1)  (1)  2.1.
      | \(?[a-zA-Z]\\?[.)](?=\s)                                        # a.  a)  (a)
      | \(?(?:i{1,3}|iv|v|vi{1,3}|ix|x)[.)](?=\s)                   # roman numerals
    )
    [ ]*""",
    re.VERBOSE,
)
_EMPHASIS = re.compile(r"^[\s*_#>\\-]+|[\s*_:.\\]+$")
_ANY_OF = re.compile(
    r"\b(?:(?:at\s+least\s+)?(?:one|1|any)\s+(?:or\s+more\s+)?of\s+the\s+following|either(?!\s+of\s+the\s+following\s+and)"
    r"|one\s+of\s+the\s+below|any\s+of\s+these|one\s+of\s+these)\b",
)
_SENTENCE_END = re.compile(r"[.;:!?]\s*$")


@dataclass
class Node:
    """One criterion's place in the text: its own lines' span, the marker's column, and its sub-items."""

    section: str
    start: int
    end: int
    marker_col: int
    content_col: int
    bulleted: bool
    children: list[Node] = field(default_factory=list)
    group_operator: str | None = None
    intro: bool = False  # a paragraph ending in ":" that introduces the list below it


@dataclass
class _Line:
    start: int
    end: int  # end of content (trailing whitespace removed)
    indent: int
    content_start: int
    bulleted: bool


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        line_start = pos
        pos += len(raw)
        stripped_end = len(body.rstrip())
        if stripped_end == 0:
            continue
        expanded = body.replace("\t", "    ")
        indent = len(expanded) - len(expanded.lstrip(" \u00a0"))
        m = _BULLET.match(body.replace("\t", " ").replace("\u00a0", " "))
        if m and m.end() < stripped_end:
            content = m.end()
            bulleted = True
        else:
            content = len(body) - len(body.lstrip())
            bulleted = False
        cuts = [m for m in _INLINE_BULLET.finditer(body, content, stripped_end)]
        if not cuts:
            out.append(_Line(line_start, line_start + stripped_end, indent, line_start + content, bulleted))
            continue
        # "Platelets <= 75,000/mm3 • Hemoglobin <= 9.0 g/dL": items written on one line are items each
        starts = [content] + [m.end() for m in cuts]
        ends = [m.start() for m in cuts] + [stripped_end]
        for a, b in zip(starts, ends, strict=True):
            if body[a:b].strip():
                out.append(
                    _Line(line_start, line_start + len(body[:b].rstrip()), indent, line_start + a, True)
                )
    return out


_INLINE_BULLET = re.compile(r"\s+[\u2022\u25aa\u25cf]\s+")


def _heading_section(view: str, line: _Line) -> str | None:
    body = view[line.content_start : line.end]
    if len(body) > 160:
        return None
    core = _EMPHASIS.sub("", body).strip()
    if not core:
        return None
    return lexicon.heading_section(core)


def _is_intro(view: str, line: _Line) -> bool:
    return view[line.content_start : line.end].rstrip("*_ ").endswith(":")


def group_operator(view_text: str) -> str:
    return "any" if _ANY_OF.search(view_text) else "all"


def split(text: str, view: str) -> list[Node]:
    """Top-level criteria nodes (with nested children) in text order."""
    lines = _lines(text)
    roots: list[Node] = []
    section = "inclusion"
    stack: list[Node] = []
    last: Node | None = None
    prev_line_end = -1
    prev_start = 0
    for line in lines:
        heading = _heading_section(view, line)
        if heading is not None:
            section = heading
            stack = []
            last = None
            prev_line_end = line.end
            continue
        blank_before = (
            "\n" in text[prev_line_end : line.start] and text.count("\n", prev_line_end, line.start) > 1
        )
        previous = text[prev_start:prev_line_end]
        prev_line_end, prev_start = line.end, line.content_start
        if not line.bulleted and last is not None and not last.intro:
            adjacent = not blank_before
            indented_into = line.indent > last.marker_col
            lazy = (
                adjacent
                and not _SENTENCE_END.search(text[last.start : last.end])
                and _wrapped(previous, text[line.content_start : line.end])
            )
            if (adjacent and (last.bulleted or lazy)) or (blank_before and last.bulleted and indented_into):
                last.end = line.end
                continue
        node = Node(
            section=section,
            start=line.content_start,
            end=line.end,
            marker_col=line.indent,
            content_col=line.content_start - line.start,
            bulleted=line.bulleted,
        )
        if not line.bulleted:
            node.marker_col = line.indent - 1  # a paragraph is a parent of bullets at its own indent
            node.intro = _is_intro(view, line)
        while stack and stack[-1].marker_col >= node.marker_col:
            stack.pop()
        if not line.bulleted:
            stack = []
        if stack:
            stack[-1].children.append(node)
        else:
            roots.append(node)
        if line.bulleted or node.intro:
            stack.append(node)
        last = node
    return _resolve_intros(roots, view)


_WRAP_WIDTH = 60
_OPEN_END = re.compile(
    r"(?:[,(/\-]|\b(?:and|or|of|with|to|the|for|in|by|a|an|than|at|on|who|which|that))\s*$", re.IGNORECASE
)


def _wrapped(previous: str, line: str) -> bool:
    """A line without a marker continues the one before when that one was cut: it ends open ("... and",
    "... with,"), or it was as long as a wrapped line and this one goes on in lower case. Otherwise each line
    is an item of its own, as in lists written without bullets ("Age >= 18 years ... < 18 years of age" /
    "Pathology-confirmed metastatic NSCLC" / "A common activating mutation ...")."""
    if _OPEN_END.search(previous):
        return True
    return len(previous) >= _WRAP_WIDTH and line[:1].islower()


def _resolve_intros(nodes: list[Node], view: str) -> list[Node]:
    """An intro paragraph with no "one of" wording is a sub-heading ("Part A:"): its items stand alone."""
    out: list[Node] = []
    for node in nodes:
        node.children = _resolve_intros(node.children, view)
        if node.children:
            node.group_operator = group_operator(view[node.start : node.end])
        introduces = node.intro and not node.bulleted and node.children and node.group_operator == "all"
        if introduces and _looks_like_subheading(view[node.start : node.end]):
            out.extend(node.children)
            continue
        if node.intro and not node.children and _looks_like_subheading(view[node.start : node.end]):
            continue
        out.append(node)
    return out


_SUBHEADING_WORDS = re.compile(
    r"^(?:for\s|all\s|cohort|part\b|arm\b|module|panel|subprotocol|stage|phase|group|dose|step|substudy|sub-study|"
    r"patients\s+(?:enrolled|in)\b|hematology|chemistry|serology|disease|other|note|general|treatment|"
    r"[a-z0-9 ,/&()-]{1,40}:$)",
)


def _looks_like_subheading(body: str) -> bool:
    core = body.strip().strip("*_ ")
    return bool(_SUBHEADING_WORDS.search(core)) or len(core) < 40
