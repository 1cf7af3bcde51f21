"""Conditional clauses around lab limits: where a clause opens and ends, the conditions it names and the
limits it governs ("<= 5 x ULN if liver metastases", "If Cr is >= 1.5 x ULN, ...", "patients with Gilbert's
syndrome ... bilirubin <= 3 x ULN"). Phrases: apps/criteria/data/lab_limits.yaml."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from . import lexicon

# Where a statement ends: a sentence, a blank line or a bullet inside the criterion.
BREAK = re.compile(r"\.(?:\s|$)|\n\s*\n|[°•·]")
Span = tuple[int, int]


@dataclass(frozen=True)
class Phrases:
    cues: re.Pattern[str]
    condition_cues: re.Pattern[str]
    conditions: tuple[tuple[str, re.Pattern[str]], ...]
    near: tuple[re.Pattern[str], ...]  # a condition a few words after a cue ("patients with known Gilbert's")
    normal: tuple[tuple[str, re.Pattern[str]], ...]


@cache
def phrases() -> Phrases:
    data = lexicon.load_yaml("lab_limits.yaml")
    return Phrases(
        re.compile(data["cues"]),
        re.compile(data["condition_cues"]),
        tuple((key, re.compile(p)) for key, p in data["conditions"].items()),
        tuple(re.compile(r"(?:\s+[\w'-]+){0,4}?\s+(?:" + p + ")") for p in data["conditions"].values()),
        tuple((side, re.compile(p)) for side, p in data["normal"].items()),
    )


@dataclass
class Clause:
    """A conditional clause: from its cue to the end of its statement, and the conditions it names."""

    cue: int
    end: int
    conditions: list[str]


def clauses(view: str, start: int, end: int, limits: Sequence[Span], labs: Sequence[Span]) -> list[Clause]:
    """Conditional clauses. One right after a limit ("<= 5 x ULN if liver metastases are present") qualifies
    that limit and ends with its condition; one opening a statement ("If Cr is >= 1.5 x ULN, ...", "(Patients
    with Gilbert's syndrome with a total bilirubin <= 2 x ULN ...)") runs to the statement's end."""
    ph = phrases()
    out: list[Clause] = []
    for pattern, needs_condition in ((ph.cues, False), (ph.condition_cues, True)):
        for m in pattern.finditer(view, start, end):
            if any(c.cue <= m.start() < c.end for c in out):
                continue
            if needs_condition and not any(p.match(view, m.end(), end) for p in ph.near):
                continue
            stop = statement_end(view, start, m.start(), end)
            before = next((v for v in reversed(limits) if v[1] <= m.start()), None)
            trailing = (
                not needs_condition
                and before is not None
                and m.start() - before[1] <= 30
                and not re.search(r":|\.(?:\s|$)|\n\s*\n", view[before[1] : m.start()])  # not "... NOTE: If"
                and not any(before[1] <= a < m.start() for a, _ in labs)
            )
            if trailing:  # it qualifies that limit when it names conditions before the next limit
                short = min([stop] + [a for a, _ in limits if a > m.start()])
                found = conditions(view, start, m.start(), short)
                if found:
                    stop = max(hit.end() for _, hit in found)
            if not trailing or not found:
                found = conditions(view, start, m.start(), stop)
            out.append(Clause(m.start(), stop, sorted({key for key, _ in found})))
    return sorted(out, key=lambda c: c.cue)


_NEGATED = re.compile(r"\b(?:no|not|without|absence\s+of|free\s+of)\s+(?:\w+\s+)?$")


def conditions(view: str, start: int, a: int, b: int) -> list[tuple[str, re.Match[str]]]:
    """Known conditions named in view[a:b], not negated ("without liver metastases")."""
    return [
        (key, hit)
        for key, p in phrases().conditions
        for hit in p.finditer(view, a, b)
        if not _NEGATED.search(view, max(start, hit.start() - 20), hit.start())
    ]


def statement_end(view: str, start: int, at: int, end: int) -> int:
    """End of the statement holding `at`: a sentence end, a blank line, a bullet, ';', or the ')' closing a
    parenthesis opened before it."""
    depth = view.count("(", start, at) - view.count(")", start, at)
    level = 0
    brk = BREAK.search(view, at, end)
    stop = brk.start() if brk else end
    for j in range(at, stop):
        ch = view[j]
        if ch == "(":
            level += 1
        elif ch == ")":
            level -= 1
            if level < 0 and depth > 0:
                return j
        elif ch == ";" and level <= 0:
            return j
    return stop


def scope(view: str, limit: Span, clauses: list[Clause]) -> Clause | None:
    """The conditional clause a limit belongs to: one it stands in, or one opening right after it ("<= 5 x
    ULN if liver metastases", "<= 5 x ULN in patients with liver metastases")."""
    for c in clauses:
        if c.cue <= limit[0] < c.end:
            return c
    for c in clauses:
        gap = view[limit[1] : c.cue]
        if limit[1] <= c.cue and not BREAK.search(gap) and ";" not in gap:
            return c  # later in the same statement: it qualifies the limits before it that restate a lab
    return None


def conditions_after(view: str, limit: Span, nxt: int) -> list[str]:
    """Conditions named after a limit, before `nxt` (the next lab or limit) and the statement's end."""
    stop = statement_end(view, limit[0], limit[1], nxt)
    return [key for key, p in phrases().conditions if p.search(view, limit[1], stop)]


def restated_conditions(
    view: str,
    clauses: list[Clause],
    scope: Clause | None,
    first: int | None,
    limit: Span,
    nxt: int,
) -> list[str]:
    """The condition of an alternative limit: between the lab and the limit ("AST and ALT with liver
    metastasis <= 5 x ULN"), in its clause ("(<= 5 x ULN if liver metastases)"), in a clause just before it
    ("except in patients with Gilbert's syndrome who must have a total bilirubin <= 3 mg/dL"), or right after
    it ("<= 5 x ULN with liver metastases"). `first`: where the first of its labs is named (None: no lab)."""
    first = limit[0] if first is None else first
    found = sorted({key for key, _ in conditions(view, first, first, limit[0])})
    if found or (scope is not None and scope.conditions):
        return found or (scope.conditions if scope is not None else [])
    if scope is not None:
        return []
    for c in reversed(clauses):
        gap = view[c.end : limit[0]]
        if c.end <= limit[0] and c.conditions and not BREAK.search(gap) and ";" not in gap:
            return c.conditions
    return conditions_after(view, limit, nxt)
