"""Lab and vital-sign rules of one criterion: a limit per lab, alternatives between labs ("creatinine <= 1.5 x
ULN or creatinine clearance >= 40 mL/min" -> any of two rules), conditional limits ("<= 5 x ULN if liver
metastases" -> an `alternatives` entry; "If Cr is >= 1.5 x ULN, ..." -> no bound at all) and limits without
a number ("bilirubin <= ULN", "creatinine within normal limits"). Phrases: apps/criteria/data/lab_limits.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from apps.vocab import labs as vocab_labs

from . import lab_clauses
from .entities import Entity
from .values import bounds, convert, relative, unit_key

_TIME_UNIT = re.compile(r"\s*(?:days?|weeks?|wks?|months?|years?|yrs?|hours?|hrs?|minutes?|half|cycles?)\b")
# Between a limit and the next lab: "or" makes the two limits alternatives ("Cr <= 1.5 x ULN or CrCl >= 40").
_OR_JOIN = re.compile(r"[\s,]*(?:or|and/or)(?:\s+|$)(?:(?:a|an|the|calculated|measured|estimated)\s+)*$")
_OR_BEFORE = re.compile(r"[\s,]*\bor[\s,]*$")
# Between a limit and a looser one for the same lab(s): "<= 3 x ULN or <= 5 x ULN ...", "(<= 5 x ULN if".
_ALT_GAP = re.compile(r"[\s,;(\[=]*(?:(?:or|and)\b)?[\s(\[=]*")
_FORMULA = re.compile(r"cockcroft[- ]?gault|mdrd|ckd[- ]?epi")
# A formula written out ("CrCl = [(140 - age) x weight] / (72 x creatinine)") names labs and numbers that
# are its terms, not limits: from "= (" or "= [" to the end of its sentence.
_EQUATION = re.compile(r"=\s*[\[(]")
_EQUATION_END = re.compile(r"\.(?:\s|$)|;|\n")


def _equation_end(view: str, pos: int, end: int) -> int:
    m = _EQUATION_END.search(view, pos, end)
    return m.start() if m else end


@cache
def labs() -> dict[str, dict[str, Any]]:
    return {lab["key"]: lab for lab in vocab_labs.reading_table()}


@dataclass(frozen=True)
class _Limit:
    """One written limit: a number with comparator and unit, or a number-less one ("<= ULN", "WNL")."""

    start: int
    end: int
    m: re.Match[str] | None = None
    side: str = ""  # number-less: upper | lower | within

    def excluded(self, view: str) -> bool:
        """Durations ("within 14 days"), grades ("1+ on dipstick") and character codes ("&#39;") are no lab
        limits."""
        if self.m is None:
            return False
        if view[max(0, self.start - 1) : self.start] == "#":
            return True
        if re.match(r"\+|-[a-z]", view[self.end : self.end + 2]):
            return True  # "1+ on dipstick", "2-D echocardiogram", "12-lead ECG"
        return bool(_TIME_UNIT.match(self.m.group("unit") or ""))

    @property
    def unit(self) -> str:
        return unit_key(self.m) if self.m is not None else ""

    @property
    def relative_to(self) -> str | None:
        return relative(self.m) if self.m is not None else None

    def bounds(self, lab: dict[str, Any] | None, default: str) -> dict[str, Any] | None:
        """Bounds as written (None: a "within normal limits" the lab's `normal_side` cannot say)."""
        if self.m is not None:
            return {**bounds(self.m, default_direction=default), "relative_to": self.relative_to}
        side = self.side
        if side == "within":
            side = {"both": "", "lower": "lower"}.get(str((lab or {}).get("normal_side") or ""), "upper")
        if side == "upper":
            return {"min": None, "max": 1, "min_inclusive": True, "max_inclusive": True, "relative_to": "ULN"}
        if side == "lower":
            return {"min": 1, "max": None, "min_inclusive": True, "max_inclusive": True, "relative_to": "LLN"}
        return None


@dataclass
class _Item:
    labs: list[str]  # lab keys, one rule per LOINC
    rules: list[dict[str, Any]] = field(default_factory=list)
    value_end: int = 0  # end of its limit
    last_end: int = 0  # end of the last limit read as about the same labs (a repeat or an alternative)


@dataclass
class _Lab:
    key: str
    start: int = 0
    end: int = 0


def rule(view: str, start: int, end: int, ents: list[Entity]) -> tuple[dict[str, Any] | None, bool]:
    """(the measurement rule or group rule, whether some limit was left out as conditional)."""
    equations = [(m.start(), _equation_end(view, m.end(), end)) for m in _EQUATION.finditer(view, start, end)]
    events = [e for e in _events(view, start, end, ents) if not any(a <= e.start < b for a, b in equations)]
    clauses = lab_clauses.clauses(
        view,
        start,
        end,
        [_span(e) for e in events if isinstance(e, _Limit)],
        [_span(e) for e in events if isinstance(e, Entity)],
    )
    sets: list[list[_Item]] = []
    pending: list[Entity] = []
    dropped = False
    carried: list[Entity] = []  # labs kept for the next limit ("creatinine or CrCl WNL or > 40 mL/min")
    conditional: list[lab_clauses.Clause] = []  # clauses that made a limit conditional
    for i, e in enumerate(events):
        if pending and _broken(view, pending[-1].end, e.start, clauses, isinstance(e, Entity)):
            pending = []
        if isinstance(e, Entity):
            pending.append(e)
            continue
        if e.excluded(view) or _restatement(view, e, events[:i]):
            continue
        previous = sets[-1][-1] if sets else None
        respective = carried and carried == pending
        carried = _respective(view, pending, e, events[i + 1 :])
        targets: list[Entity | _Lab] = [t for t in _fitting(pending, e) if t not in carried]
        scope = lab_clauses.scope(view, _span(e), clauses)
        opened = scope is not None and (scope.cue < e.start or scope in conditional)
        if opened and scope is not None:
            targets = [t for t in targets if t.start >= scope.cue] or targets  # the clause's own labs
        restated = bool(targets) and all(_restates(view, sets, t.key, e) for t in targets)
        joined = bool(respective) or (
            previous is not None
            and bool(targets)
            and bool(_OR_JOIN.match(view, previous.value_end, targets[0].start))
        )
        if opened and scope is not None and previous is not None and targets and not restated:
            # "creatinine < 1.5 mg/dL or, if creatinine is above the normal range, CrCl > 50 mL/min": the
            # clause names the other limit of an alternative.
            joined = joined or (
                previous.value_end < scope.cue
                and bool(_OR_BEFORE.search(view, previous.value_end, scope.cue))
            )
            opened = not joined
        if opened or not targets or restated:
            # A limit in a conditional clause, or a second limit of the same kind for a lab: an alternative
            # under the condition it names ("<= 5 x ULN if liver metastases"), else left out.
            anchor = scope.cue if scope is not None and scope.cue < e.start else e.start
            if not targets and previous is not None and _near(view, previous.last_end, anchor):
                targets = [_Lab(k) for k in previous.labs]  # "(<= 5 x ULN if liver metastases ...)"
            first = min((t.start for t in targets if isinstance(t, Entity)), default=None)
            nxt = events[i + 1].start if i + 1 < len(events) else end
            keys = (
                lab_clauses.restated_conditions(view, clauses, scope, first, _span(e), nxt) if targets else []
            )
            added = _add_alternatives(sets, [t.key for t in targets], e, keys)
            dropped |= bool(targets) and not added
            if previous is not None and targets and {t.key for t in targets} <= set(previous.labs):
                previous.last_end = e.end  # "<= 3 times ULN (<= 3 x ULN); patients with ... <= 5 x ULN"
            if targets and scope is not None:
                conditional.append(scope)
            pending = []
            continue
        item = _Item([t.key for t in targets], value_end=e.end, last_end=e.end)
        for lab_ent in targets:
            lab = labs().get(lab_ent.key)
            for loinc in str((lab or {}).get("loinc") or "").split("|"):
                one = _lab_rule(view, lab_ent.start, e, dict(lab, loinc=loinc or None) if lab else None)
                if one is IMPLAUSIBLE:
                    dropped = True  # left for review: the criterion is not computable without it
                elif one is not None and one not in item.rules:  # "aspartate aminotransferase (AST)": one
                    item.rules.append(one)
        if joined and sets:
            sets[-1].append(item)
        else:
            sets.append([item])
        pending = list(carried)
    return _combine(sets, view[start:end]), dropped


def _span(e: Entity | _Limit) -> lab_clauses.Span:
    return e.start, e.end


def _respective(
    view: str, pending: list[Entity], limit: _Limit, after: list[Entity | _Limit]
) -> list[Entity]:
    """Labs named together and limits joined by "or", each limit fitting its own labs: "creatinine or
    creatinine clearance within normal limits or > 40 mL/min" -> the labs the second limit is for."""
    nxt = after[0] if after else None
    if len(pending) < 2 or not isinstance(nxt, _Limit) or not _OR_JOIN.match(view, limit.end, nxt.start):
        return []
    if not re.search(r"\bor\b", view[pending[0].end : pending[-1].start]):
        return []
    fits = _fitting(pending, nxt)
    return fits if len(fits) < len(pending) else []


_PAREN = re.compile(r"\s*\(\s*$")


def _restatement(view: str, limit: _Limit, before: list[Entity | _Limit]) -> bool:
    """The previous limit again in other units: "ANC >= 1500/mm3 (1.5 x 10^9/L)", "< 3 mg/dL (51 umol/L)"."""
    prior = next((e for e in reversed(before) if isinstance(e, _Limit)), None)
    if prior is None or not _PAREN.match(view, prior.end, limit.start) or view.find("(", prior.end) < 0:
        return False
    close = view.find(")", limit.end)
    if not 0 <= close - limit.end <= 30:
        return False
    inside = view[limit.end : close]
    return len(re.findall(r"[a-z]{2,}", inside)) <= 1 and not lab_clauses.phrases().cues.search(inside)


def _near(view: str, a: int, b: int) -> bool:
    """A limit without a lab of its own close after another limit is a second limit for the same labs."""
    gap = view[a:b]
    if len(gap) > 100 or lab_clauses.BREAK.search(gap) or ":" in gap:
        return False
    return ";" not in gap or bool(_ALT_GAP.fullmatch(gap))


def _loincs(key: str) -> set[str]:
    return set(str((labs().get(key) or {}).get("loinc") or key).split("|"))


def _kind(rule: dict[str, Any]) -> tuple[Any, ...]:
    """What a limit is about: the lab, its scale (ULN, LLN or unit) and its direction."""
    return (rule["loinc"], rule["relative_to"], rule["unit"], rule["min"] is None, rule["max"] is None)


def _restates(view: str, sets: list[list[_Item]], key: str, limit: _Limit) -> bool:
    """The lab already has a limit of the same kind here ("bilirubin <= 1.5 x ULN ... bilirubin <= 3 x ULN"),
    not a second bound of another kind ("PSA rise >= 25% and >= 2 ng/mL", "SBP < 86 or >= 170 mmHg")."""
    lab = labs().get(key)
    have = {_kind(r) for s in sets for it in s for r in it.rules}
    for loinc in str((lab or {}).get("loinc") or "").split("|"):
        one = _lab_rule(view, 0, limit, dict(lab, loinc=loinc or None) if lab else None)
        if one is None or one is IMPLAUSIBLE or _kind(one) not in have:
            return False
    return lab is not None


def _events(view: str, start: int, end: int, ents: list[Entity]) -> list[Entity | _Limit]:
    """Lab entities and limits in text order."""
    out: list[Entity | _Limit] = [e for e in ents if e.type == "measurement"]
    taken = [(e.start, e.end) for e in ents if e.type == "value"]
    for e in ents:
        m = e.extra.get("m") if e.type == "value" else None
        if isinstance(m, re.Match):
            out.append(_Limit(e.start, e.end, m))
    for side, pattern in lab_clauses.phrases().normal:
        for hit in pattern.finditer(view, start, end):
            if not any(a < hit.end() and hit.start() < b for a, b in taken):
                out.append(_Limit(hit.start(), hit.end(), None, side))
    return sorted(out, key=lambda e: (e.start, e.end))


def _fitting(pending: list[Entity], limit: _Limit) -> list[Entity]:
    """Of several labs sharing one limit, those whose units take the limit's unit ("creatinine or
    creatinine clearance > 40 mL/min" is about the clearance), or all when none or all do."""
    key = limit.unit
    if len(pending) < 2 or not key or limit.relative_to:
        return pending
    fits = [e for e in pending if _takes_unit(labs().get(e.key), key)]
    return fits or pending


def _takes_unit(lab: dict[str, Any] | None, key: str) -> bool:
    if lab is None:
        return False
    return vocab_labs.written_unit_factor(lab["key"], key) is not None


def _broken(view: str, a: int, b: int, clauses: list[lab_clauses.Clause], lab_next: bool) -> bool:
    """A lab named before `a` does not share a limit written after `b`: a sentence or a conditional clause
    ends between them, a ';' comes before another lab or more words, or they are far apart."""
    gap = view[a:b]
    words = len(re.findall(r"[a-z]{2,}", gap))
    if lab_clauses.BREAK.search(gap) or words > 12 or (";" in gap and (lab_next or words > 2)):
        return True
    return any(c.cue <= a < c.end <= b for c in clauses)


def _add_alternatives(sets: list[list[_Item]], keys: list[str], limit: _Limit, conditions: list[str]) -> bool:
    """A looser limit under `conditions` for the latest rule of each lab in `keys`; False if none applies."""
    done = False
    for key in keys if conditions else ():
        lab = labs().get(key)
        for loinc in sorted(_loincs(key)):
            main = next(
                (
                    r
                    for s in reversed(sets)
                    for it in reversed(s)
                    for r in it.rules
                    if str(r["loinc"]) == loinc
                ),
                None,
            )
            alt = _alternative(limit, main, lab) if main is not None else None
            for condition in conditions if main is not None and alt is not None else ():
                entry = {"condition": condition, **(alt or {})}
                if main is not None and entry not in main["alternatives"]:
                    main["alternatives"].append(entry)
                    done = True
    return done


def _alternative(limit: _Limit, main: dict[str, Any], lab: dict[str, Any] | None) -> dict[str, Any] | None:
    """The alternative's bounds, relative or in the main limit's unit (None when they cannot be)."""
    alt = limit.bounds(lab, "max")
    if alt is None or alt["relative_to"] is not None:
        return alt
    factor = (vocab_labs.written_unit_factor(lab["key"], limit.unit) if lab else None) if limit.unit else 1
    if factor is None or main.get("unit") not in (None, (lab or {}).get("unit")):
        return None
    convert(alt, float(factor))
    return alt


# A limit as a multiple of the upper or lower limit of normal is between these.
_RELATIVE_PLAUSIBLE = (0.1, 50)
# What `_lab_rule` gives for a limit outside its lab's plausible range: a misreading, never a bound.
IMPLAUSIBLE: dict[str, Any] = {"implausible": True}


def _scaled(rule: dict[str, Any], factor: float) -> dict[str, Any]:
    return {k: (v * factor if k in ("min", "max") and v is not None else v) for k, v in rule.items()}


def _plausible(rule: dict[str, Any], lab: dict[str, Any]) -> bool:
    """Whether every bound lies in the lab's plausible range (apps.vocab.labs `plausible`, canonical unit)."""
    span = lab.get("plausible")
    if not span:
        return True
    low, high = span
    return all(low <= rule[k] <= high for k in ("min", "max") if rule.get(k) is not None)


def _lab_rule(view: str, lab_start: int, limit: _Limit, lab: dict[str, Any] | None) -> dict[str, Any] | None:
    written = limit.bounds(lab, "min")
    if written is None:
        return None
    rel = written.pop("relative_to")
    rule: dict[str, Any] = {"loinc": lab["loinc"] if lab else None, **written, "relative_to": rel}
    if rel is None and lab:
        factor = vocab_labs.written_unit_factor(lab["key"], limit.unit)
        if factor is not None:
            convert(rule, float(factor))
            rule["unit"] = lab["unit"]
        elif limit.unit:
            return IMPLAUSIBLE  # a unit that does not measure this lab: a misreading, never a bound
        else:
            rule["unit"] = lab["unit"]
        if rule["unit"] == lab["unit"] and not _plausible(rule, lab):
            # A count written per microlitre without (or with an unreadable) unit: "ANC >= 1500", "/mL".
            per_ul = (lab.get("units") or {}).get("/ul")
            if factor is None and per_ul is not None and _plausible(_scaled(rule, per_ul), lab):
                convert(rule, float(per_ul))
            else:
                return IMPLAUSIBLE
    else:
        rule["unit"] = None
        if rel is not None and not _plausible(rule, {"plausible": _RELATIVE_PLAUSIBLE}):
            return IMPLAUSIBLE
    formula = _FORMULA.search(view, lab_start, limit.end + 80) if (lab or {}).get("formulas") else None
    rule["formula"] = formula.group().replace(" ", "-") if formula else None
    rule["alternatives"] = []
    return rule


def _combine(sets: list[list[_Item]], vt: str) -> dict[str, Any] | None:
    """One rule, or a group: `any` of limits joined by "or", `all` of the rest."""
    parts: list[tuple[list[dict[str, Any]], bool]] = []  # (rules, joined by "or")
    seen: list[dict[str, Any]] = []
    for s in sets:
        part: list[dict[str, Any]] = []
        for r in (r for it in s for r in it.rules):
            if r not in seen and r not in part:
                part.append(r)
        seen.extend(part)
        if part:
            parts.append((part, len(s) > 1))
    if not parts:
        return None
    if len(parts) == 1 and len(parts[0][0]) == 1:
        return parts[0][0][0]
    if not any(joined for _, joined in parts):
        # One limit shared by several labs, or limits not joined by "or": the criterion's own wording.
        op = "any" if re.search(r"\bor\b", vt) and not re.search(r"\band\b", vt) else "all"
        return {"operator": op, "children_rules": [("measurement", r) for p, _ in parts for r in p]}
    if len(parts) == 1:
        return {"operator": "any", "children_rules": [("measurement", r) for r in parts[0][0]]}
    children: list[tuple[str, dict[str, Any]]] = []
    for p, joined in parts:
        if joined and len(p) > 1:
            children.append(("group", {"operator": "any", "children_rules": [("measurement", r) for r in p]}))
        else:
            children.extend(("measurement", r) for r in p)
    return {"operator": "all", "children_rules": children}
