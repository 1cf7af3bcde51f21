"""Parts of a criterion that do not state its requirement as such: example lists ("activating EGFR mutation
(e.g. exon 19 deletion, L858R)") and exclusions inside it ("Patients with EGFR exon 20 insertions are not
eligible", "any KRAS mutation other than G12C"). Spans index the criterion's text."""

from __future__ import annotations

import re

Span = tuple[int, int]

# "i.e." defines rather than exemplifies ("activating mutation (i.e. exon 19 deletion or L858R)"): not a cue.
_EXAMPLE = re.compile(
    r"(?<!\w)(?:e\.\s?g\.?|eg\.|such\s+as|including|for\s+(?:example|instance)|like)(?=[\s,:])"
)
_SENTENCE_END = re.compile(r"[.;](?:\s|$)|\n")
_RULED_OUT = re.compile(
    r"\b(?:(?:are|is|will\s+be|would\s+be)\s+(?:not\s+(?:be\s+)?(?:eligible|allowed|permitted|included)|excluded"
    r"|ineligible)|not\s+eligible)\b"
)
_EXCEPT = re.compile(r"\b(?:other\s+than|except(?:\s+for)?|excluding|with\s+the\s+exception\s+of)\s")
_CLAUSE_END = re.compile(r"[,;)]|\.(?:\s|$)|\n|\bor\s+(?:any|an?)\b")


def examples(view: str, start: int, end: int) -> list[Span]:
    """From an example cue to the end of its parenthesis (when it opened one before the cue) or sentence."""
    out = []
    for m in _EXAMPLE.finditer(view, start, end):
        opened = view.rfind("(", start, m.start()) > view.rfind(")", start, m.start())
        if opened:
            close = view.find(")", m.end(), end)
            stop = close if close >= 0 else end
        else:
            brk = _SENTENCE_END.search(view, m.end(), end)
            stop = brk.start() if brk else end
        out.append((m.start(), stop))
    return out


_PERMITTED = re.compile(
    r"\b(?:are|is)\s+(?:also\s+)?(?:eligible|permitted|allowed|acceptable)\b|\b(?:is|are)\s+not\s+required\b"
    r"|\bonly\s+required\b"
)
_CONDITIONAL = re.compile(r"[\s\W\d]*(?:if|when|unless|in\s+case)\b")
_PARENS = re.compile(r"\([^()]*\)")


def permissions(view: str, start: int, end: int) -> list[Span]:
    """Sentences and parentheses that permit, waive or set a condition, not require ("Participants whose
    tumors harbor KRAS mutations are eligible", "(testing for alterations besides EGFR is not required)", "If
    test results for EGFR are not available, ..."): they state no requirement. A sentence that says something
    is *not* eligible is an exclusion, not a permission."""
    out = []
    masked = view
    for m in _PARENS.finditer(view, start, end):
        if _PERMITTED.search(m.group()):
            out.append((m.start(), m.end()))
        masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end() :]
    pos = start
    for brk in [*_SENTENCE_END.finditer(view, start, end), None]:
        stop = brk.start() if brk is not None else end
        if _PERMITTED.search(masked, pos, stop) or (pos > start and _CONDITIONAL.match(masked, pos, stop)):
            out.append((pos, stop))
        if brk is None:
            break
        pos = brk.end()
    return out


def exclusions(view: str, start: int, end: int) -> list[Span]:
    """Sentences that rule something out, and what follows "other than"/"except" up to its clause's end."""
    return ruled_out_sentences(view, start, end) + excepted(view, start, end)


def ruled_out_sentences(view: str, start: int, end: int) -> list[Span]:
    """Sentences that say something is not eligible, allowed or permitted."""
    out = []
    pos = start
    for brk in [*_SENTENCE_END.finditer(view, start, end), None]:
        stop = brk.start() if brk is not None else end
        if _RULED_OUT.search(view, pos, stop):
            out.append((pos, stop))
        if brk is None:
            break
        pos = brk.end()
    return out


def excepted(view: str, start: int, end: int) -> list[Span]:
    """What "other than" / "except" removes: up to its clause's end or, when the cue opens inside a
    parenthesis, up to that parenthesis's close ("solid tumors (except BTC, defined as gallbladder cancer or
    cholangiocarcinoma)")."""
    out = []
    for m in _EXCEPT.finditer(view, start, end):
        if view.rfind("(", start, m.start()) > view.rfind(")", start, m.start()):
            depth, stop = 1, end
            for i in range(m.end(), end):
                depth += {"(": 1, ")": -1}.get(view[i], 0)
                if depth == 0:
                    stop = i
                    break
            out.append((m.start(), stop))
            continue
        brk = _CLAUSE_END.search(view, m.end(), end)
        out.append((m.start(), brk.start() if brk else end))
    return out
