"""What a sponsor may learn about a trial, as counts of patients, all protected together (one release).

Pure: no Django. Input is one `Row` per patient of the centre: subgroup attributes (site, sex, age band,
cancer type, stage, biomarker status...) and, per top-level criterion of the trial in order, whether the
patient fails it. Output: feasibility (eligible / possible overall, per site and per subgroup), the
attrition waterfall (overall and per subgroup of the `EQUITY` dimensions), what-if answers, the funnel
of workflow statuses (attribute `workflow`) and survival subgroup summaries of the trial's cohorts (a
`Stratification` puts a patient in a group by the attribute `stratum:<key>`; `died` is "yes" or "no").
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

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


@dataclass(frozen=True)
class Median:
    """A stored analysis' median survival of one group and its 95% CI, in `unit`."""

    value: float | None
    lower: float | None
    upper: float | None
    unit: str


@dataclass(frozen=True)
class Stratification:
    """Subgroups of one of the trial's cohorts; `medians` from its sponsor-facing survival analysis."""

    key: str
    kind: str
    groups: tuple[str, ...]
    event: str = ""
    medians: Mapping[str, Median] = field(default_factory=dict)


def _cell(value: int | None) -> dict[str, Any]:
    return {"count": value, "suppressed": value is None}


def _pct(part: int | None, whole: int | None) -> float | None:
    if part is None or whole is None or whole == 0:
        return None
    return round(100.0 * part / whole, 1)


class TrialTables:
    """Every count a sponsor can ask about one trial, protected as one release."""

    def __init__(
        self,
        rows: Sequence[Row],
        criteria: Sequence[Criterion],
        dimensions: Sequence[str],
        *,
        funnel: Sequence[str] = (),
        strata: Sequence[Stratification] = (),
    ) -> None:
        self.rows = list(rows)
        self.criteria = list(criteria)
        self.dimensions = list(dimensions)
        self.funnel_statuses = list(funnel)
        self.strata = list(strata)
        self._seen: dict[str, list[str]] = {}
        self._answers: dict[Hashable, Any] = {}  # the answers, computed once per release
        self.release: Release = protect(len(self.rows), self._candidates())

    # -- the candidates, most useful first: what comes first is suppressed last ---------------------------
    def _values(self, dimension: str) -> list[str]:
        if dimension not in self._seen:
            self._seen[dimension] = sorted({row.attributes.get(dimension, "unknown") for row in self.rows})
        return self._seen[dimension]

    def _arrays(self) -> tuple[npt.NDArray[np.str_], dict[str, npt.NDArray[np.str_]], npt.NDArray[np.bool_]]:
        status = np.array([r.status for r in self.rows], dtype=str)
        attributes = {
            d: np.array([r.attributes.get(d, "unknown") for r in self.rows], dtype=str)
            for d in {
                *self.dimensions,
                *EQUITY,
                "workflow",
                "died",
                *(f"stratum:{s.key}" for s in self.strata),
            }
        }
        fails = np.zeros((len(self.rows), len(self.criteria)), dtype=bool)
        column = {c.id: j for j, c in enumerate(self.criteria)}
        for i, row in enumerate(self.rows):
            for cid in row.fails:
                if cid in column:
                    fails[i, column[cid]] = True
        return status, attributes, fails

    def _candidates(self) -> list[Candidate]:
        n = len(self.rows)
        status, attributes, fails = self._arrays()
        ids = [c.id for c in self.criteria]
        out: list[Candidate] = [Candidate(("total",), np.ones(n, dtype=bool))]
        for s in (ELIGIBLE, POSSIBLE, INELIGIBLE):
            out.append(Candidate(("overall", s), status == s))
        for dimension in self.dimensions:
            for value in self._values(dimension):
                in_value = attributes[dimension] == value
                for s in (ELIGIBLE, POSSIBLE):
                    out.append(Candidate(("by", dimension, value, s), in_value & (status == s)))
        # left[:, j]: patients not failing any of the first j+1 criteria
        left = ~np.logical_or.accumulate(fails, axis=1) if ids else np.zeros((n, 0), dtype=bool)
        for j, cid in enumerate(ids):
            out.append(Candidate(("left", cid), left[:, j]))
        n_failed = fails.sum(axis=1)
        for j, cid in enumerate(ids):
            out.append(Candidate(("alone", cid), fails[:, j] & (n_failed == 1)))
        for s in self.funnel_statuses:
            out.append(Candidate(("funnel", s), attributes["workflow"] == s))
        died = attributes["died"] == "yes"
        for stratification in self.strata:
            column = attributes[f"stratum:{stratification.key}"]
            for group in stratification.groups:
                out.append(Candidate(("stratum", stratification.key, group), column == group))
                out.append(Candidate(("stratum-died", stratification.key, group), (column == group) & died))
        # What-if gains of dropping two criteria: more what-ifs answerable, suppressed before anything above.
        for a, b in itertools.combinations(range(len(ids)), 2):
            pair = (fails[:, a] | fails[:, b]) & (n_failed == fails[:, a].astype(int) + fails[:, b])
            out.append(Candidate(("pair", ids[a], ids[b]), pair))
        for dimension in (d for d in EQUITY if d in self.dimensions):
            for value in self._values(dimension):
                in_group = attributes[dimension] == value
                out.append(Candidate(("group", dimension, value), in_group))
                for j, cid in enumerate(ids):
                    out.append(Candidate(("group-left", dimension, value, cid), in_group & left[:, j]))
        return out

    def _v(self, *key: Hashable) -> int | None:
        return self.release.value(key)

    # -- the answers --------------------------------------------------------------------------------------
    def feasibility(self) -> dict[str, Any]:
        if "feasibility" not in self._answers:
            self._answers["feasibility"] = self._feasibility()
        return self._answers["feasibility"]

    def _feasibility(self) -> dict[str, Any]:
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
        if "attrition" not in self._answers:
            self._answers["attrition"] = self._attrition()
        return self._answers["attrition"]

    def _attrition(self) -> dict[str, Any]:
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
        if changed is None and ("what-if", frozenset(drop)) in self._answers:
            return self._answers[("what-if", frozenset(drop))]
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
        result = {
            "baseline": _cell(answer(self.release, baseline)),
            "after": _cell(answer(self.release, after)),
            "gained": _cell(answer(self.release, gained)),
            "lost": _cell(answer(self.release, lost)),
            "most_removing": shown[:5],
        }
        if changed is None and len(self._answers) < 1_000:
            self._answers[("what-if", frozenset(drop))] = result
        return result

    def funnel(self) -> dict[str, Any]:
        if "funnel" not in self._answers:
            self._answers["funnel"] = self._funnel()
        return self._answers["funnel"]

    def _funnel(self) -> dict[str, Any]:
        """Patients per workflow status (each patient counted once, at the status of its latest move)."""
        return {
            "patients": _cell(self._v("total")),
            "statuses": [
                {"status": s, "patients": _cell(self._v("funnel", s))} for s in self.funnel_statuses
            ],
        }

    def survival(self) -> list[dict[str, Any]]:
        if "survival" not in self._answers:
            self._answers["survival"] = self._survival()
        return self._answers["survival"]

    def _survival(self) -> list[dict[str, Any]]:
        """Per stratification of the trial's cohorts: each group's patients and deaths, and its median
        survival only where the group's patients are shown."""
        out = []
        for stratification in self.strata:
            groups = []
            for group in stratification.groups:
                patients = self._v("stratum", stratification.key, group)
                median = stratification.medians.get(group)
                groups.append(
                    {
                        "group": group,
                        "patients": _cell(patients),
                        "deaths": _cell(self._v("stratum-died", stratification.key, group)),
                        "median": None
                        if median is None or not patients
                        else {"value": median.value, "ci": [median.lower, median.upper], "unit": median.unit},
                    }
                )
            out.append(
                {
                    "stratification": stratification.key,
                    "kind": stratification.kind,
                    "event": stratification.event,
                    "groups": groups,
                }
            )
        return out
