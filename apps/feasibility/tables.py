"""What a sponsor may learn about a trial, as counts of patients, all protected together (one release).

Pure: no Django. Input is one `Row` per patient of the centre: subgroup attributes (site, sex, age band,
cancer type, stage, biomarker status...) and, per top-level criterion of the trial in order, whether the
patient fails it. Output: feasibility (eligible / possible overall, per site and per subgroup), the
attrition waterfall (overall and per subgroup of the `equity` dimensions) and what-if answers.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .disclosure import Candidate, Release, answer, protect

ELIGIBLE, POSSIBLE, INELIGIBLE = "eligible", "possible", "ineligible"
# Dimensions the waterfall is also broken down by: which criterion leaves out older patients or a group.
EQUITY = ("sex", "age_band", "race", "ethnicity")


@dataclass(frozen=True)
class Row:
    status: str  # eligible, possible or ineligible
    fails: frozenset[str]  # ids of the criteria the patient does not meet
    attributes: Mapping[str, str]  # dimension -> value ("site", "sex", "age_band", ...)


@dataclass(frozen=True)
class Criterion:
    id: str
    text: str


def _cell(value: int | None) -> dict[str, Any]:
    return {"count": value, "suppressed": value is None}


def _pct(part: int | None, whole: int | None) -> float | None:
    if part is None or whole is None or whole == 0:
        return None
    return round(100.0 * part / whole, 1)


class TrialTables:
    """Every count a sponsor can ask about one trial, protected as one release."""

    def __init__(self, rows: Sequence[Row], criteria: Sequence[Criterion], dimensions: Sequence[str]) -> None:
        self.rows = list(rows)
        self.criteria = list(criteria)
        self.dimensions = list(dimensions)
        self.release: Release = protect(len(self.rows), self._candidates())

    # -- the candidates, most useful first: what comes first is suppressed last ---------------------------
    def _members(self, test: Any) -> frozenset[int]:
        return frozenset(i for i, row in enumerate(self.rows) if test(row))

    def _values(self, dimension: str) -> list[str]:
        return sorted({row.attributes.get(dimension, "unknown") for row in self.rows})

    def _candidates(self) -> list[Candidate]:
        out: list[Candidate] = [Candidate(("total",), frozenset(range(len(self.rows))))]
        for status in (ELIGIBLE, POSSIBLE, INELIGIBLE):
            out.append(Candidate(("overall", status), self._members(lambda r, s=status: r.status == s)))
        for dimension in self.dimensions:
            for value in self._values(dimension):
                for status in (ELIGIBLE, POSSIBLE):
                    out.append(
                        Candidate(
                            ("by", dimension, value, status),
                            self._members(
                                lambda r, d=dimension, v=value, s=status: (
                                    r.status == s and r.attributes.get(d, "unknown") == v
                                )
                            ),
                        )
                    )
        seen: set[str] = set()
        for criterion in self.criteria:
            seen.add(criterion.id)
            out.append(
                Candidate(("left", criterion.id), self._members(lambda r, s=frozenset(seen): not r.fails & s))
            )
        for criterion in self.criteria:
            out.append(
                Candidate(("alone", criterion.id), self._members(lambda r, c=criterion.id: r.fails == {c}))
            )
        # What-if gains of dropping two criteria: more what-ifs answerable, suppressed before anything above.
        for first, second in itertools.combinations([c.id for c in self.criteria], 2):
            pair = {first, second}
            out.append(
                Candidate(
                    ("pair", first, second), self._members(lambda r, p=pair: bool(r.fails) and r.fails <= p)
                )
            )
        for dimension in (d for d in EQUITY if d in self.dimensions):
            for value in self._values(dimension):
                in_group = self._members(lambda r, d=dimension, v=value: r.attributes.get(d, "unknown") == v)
                out.append(Candidate(("group", dimension, value), in_group))
                seen = set()
                for criterion in self.criteria:
                    seen.add(criterion.id)
                    out.append(
                        Candidate(
                            ("group-left", dimension, value, criterion.id),
                            frozenset(i for i in in_group if not self.rows[i].fails & seen),
                        )
                    )
        return out

    def _v(self, *key: Hashable) -> int | None:
        return self.release.value(key)

    # -- the answers --------------------------------------------------------------------------------------
    def feasibility(self) -> dict[str, Any]:
        return {
            "patients": _cell(self._v("total")),
            "eligible": _cell(self._v("overall", ELIGIBLE)),
            "possible": _cell(self._v("overall", POSSIBLE)),
            "by": {
                dimension: [
                    {
                        "value": value,
                        "eligible": _cell(self._v("by", dimension, value, ELIGIBLE)),
                        "possible": _cell(self._v("by", dimension, value, POSSIBLE)),
                    }
                    for value in self._values(dimension)
                ]
                for dimension in self.dimensions
            },
        }

    def _steps(self, left: Any, total: int | None) -> list[dict[str, Any]]:
        steps = []
        for criterion in self.criteria:
            remaining = left(criterion.id)
            alone = self._v("alone", criterion.id)
            steps.append(
                {
                    "criterion": criterion.id,
                    "text": criterion.text,
                    "remaining": _cell(remaining),
                    "pct_remaining": _pct(remaining, total),
                    "removed_alone": _cell(alone),
                    "pct_removed_alone": _pct(alone, total),
                }
            )
        return steps

    def attrition(self) -> dict[str, Any]:
        total = self._v("total")
        groups: dict[str, list[dict[str, Any]]] = {}
        for dimension in (d for d in EQUITY if d in self.dimensions):
            groups[dimension] = []
            for value in self._values(dimension):
                group_total = self._v("group", dimension, value)
                steps = self._steps(
                    lambda c, d=dimension, v=value: self._v("group-left", d, v, c), group_total
                )
                for step in steps:  # "removed alone" is shown for the whole population only
                    step.pop("removed_alone")
                    step.pop("pct_removed_alone")
                groups[dimension].append({"value": value, "patients": _cell(group_total), "steps": steps})
        return {
            "patients": _cell(total),
            "steps": self._steps(lambda c: self._v("left", c), total),
            "by": groups,
        }

    def what_if(self, drop: set[str], changed: Sequence[Row] | None = None) -> dict[str, Any]:
        """Patients who would not fail any criterion if `drop` were dropped (and, with `changed`, the rows
        re-judged under the changed criteria), and how many that gains. A count that does not follow from
        the release is suppressed."""
        rows = changed if changed is not None else self.rows
        kept = [c.id for c in self.criteria if c.id not in drop]
        baseline = frozenset(i for i, r in enumerate(self.rows) if not r.fails)
        after = frozenset(i for i, r in enumerate(rows) if not r.fails & set(kept))
        gained = after - baseline
        lost = baseline - after
        gains_by_criterion: list[dict[str, Any]] = []
        for criterion in self.criteria:
            alone = self._v("alone", criterion.id)
            gains_by_criterion.append(
                {"criterion": criterion.id, "text": criterion.text, "gain": _cell(alone)}
            )
        shown = [g for g in gains_by_criterion if g["gain"]["count"]]
        shown.sort(key=lambda g: -int(g["gain"]["count"]))
        return {
            "baseline": _cell(answer(self.release, baseline)),
            "after": _cell(answer(self.release, after)),
            "gained": _cell(answer(self.release, gained)),
            "lost": _cell(answer(self.release, lost)),
            "most_removing": shown[:5],
        }
