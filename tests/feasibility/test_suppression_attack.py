"""PROMISES 3: an attacker with everything one sponsor can query about a trial (feasibility overall, per site
and by subgroup, the attrition waterfall overall and by sex, age band, race and ethnicity, the what-if of
every set of dropped criteria, the funnel of workflow statuses, the patients and deaths of each survival
subgroup, asked one after another) tries to recover suppressed cells by exact arithmetic, with an
integer-programming solver, and must not pin any; nor any group of 1 to 10 patients."""

from __future__ import annotations

import itertools
import random
from collections.abc import Hashable

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from apps.feasibility.disclosure import Candidate, protect
from apps.feasibility.tables import (
    ELIGIBLE,
    INELIGIBLE,
    POSSIBLE,
    Criterion,
    Row,
    Stratification,
    TrialTables,
)

CRITERIA = [Criterion(f"I{i}", f"criterion {i}") for i in range(1, 5)]
DIMENSIONS = ["site", "sex", "age_band", "cancer_type", "race", "ethnicity"]
FUNNEL = ["new", "under_review", "contacted", "enrolled", "declined"]
STRATA = [Stratification("7", "biomarker", ("EGFR+", "EGFR-", "untested"))]


def tables_of(rows: list[Row]) -> TrialTables:
    return TrialTables(rows, CRITERIA, DIMENSIONS, funnel=FUNNEL, strata=STRATA)


def population(seed: int, n: int) -> list[Row]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        fails = frozenset(
            c.id for c, p in zip(CRITERIA, (0.3, 0.15, 0.05, 0.02), strict=True) if rng.random() < p
        )
        status = INELIGIBLE if fails else (ELIGIBLE if rng.random() < 0.6 else POSSIBLE)
        attributes = {
            "site": rng.choices(["main", "north", "rural"], [0.8, 0.17, 0.03])[0],
            "sex": rng.choices(["female", "male", "other"], [0.5, 0.49, 0.01])[0],
            "age_band": rng.choices(["<50", "50-64", "65-74", "75+"], [0.2, 0.4, 0.3, 0.1])[0],
            "cancer_type": rng.choices(["NSCLC", "BRCA", "CRC", "MEL"], [0.5, 0.3, 0.17, 0.03])[0],
            "race": rng.choices(
                ["white", "black_or_african_american", "asian", "unknown"], [0.6, 0.2, 0.05, 0.15]
            )[0],
            "ethnicity": rng.choices(
                ["hispanic_or_latino", "not_hispanic_or_latino", "unknown"], [0.15, 0.7, 0.15]
            )[0],
            "died": rng.choices(["yes", "no"], [0.3, 0.7])[0],
        }
        if status != INELIGIBLE:
            attributes["workflow"] = rng.choices(FUNNEL, [0.5, 0.2, 0.15, 0.05, 0.1])[0]
            if rng.random() < 0.7:  # cohort members
                attributes["stratum:7"] = rng.choices(STRATA[0].groups, [0.3, 0.5, 0.2])[0]
        rows.append(Row(status, fails, attributes))
    return rows


def everything_a_sponsor_sees(
    tables: TrialTables,
) -> tuple[list[tuple[frozenset[int], int]], list[frozenset[int]], list[frozenset[int]]]:
    """(set, count) of every shown number, the sets of the suppressed ones (each known to hold a patient,
    since zeros are shown), and the sets of the per-group what-if cells that are suppressed (these hide
    zeros too, so they say nothing), over all queries."""
    release = tables.release
    candidates = {c.key: frozenset(np.flatnonzero(c.members).tolist()) for c in tables._candidates()}
    shown = [(candidates[k], v) for k, v in release.shown.items()]
    hidden = [candidates[k] for k in release.suppressed]
    ids = [c.id for c in CRITERIA]
    baseline = frozenset(i for i, r in enumerate(tables.rows) if not r.fails)
    silent: set[frozenset[int]] = set()
    for size in range(len(ids) + 1):
        for drop in itertools.combinations(ids, size):
            result = tables.what_if(set(drop))
            after = frozenset(i for i, r in enumerate(tables.rows) if not r.fails - set(drop))
            answers = [
                (result[name], members, hidden)
                for name, members in (("after", after), ("gained", after - baseline))
            ]
            for cell, members, unknown in answers:
                if cell["count"] is None:
                    unknown.append(members) if isinstance(unknown, list) else unknown.add(members)
                else:
                    assert cell["count"] == len(members)
                    shown.append((members, cell["count"]))
    return list(dict(shown).items()), list(dict.fromkeys(hidden)), sorted(silent - set(hidden), key=sorted)


def attack(
    n: int,
    shown: list[tuple[frozenset[int], int]],
    hidden: list[frozenset[int]],
    silent: list[frozenset[int]] = [],  # noqa: B006 (read only)
) -> list[str]:
    """Min and max of every suppressed cell and every small group, by integer programming; what is pinned."""
    sets = [s for s, _ in shown] + hidden + silent
    signature: dict[int, tuple[int, ...]] = {
        i: tuple(j for j, s in enumerate(sets) if i in s) for i in range(n)
    }
    atom_ids: dict[tuple[int, ...], int] = {}
    atom_of = [atom_ids.setdefault(signature[i], len(atom_ids)) for i in range(n)]
    k = len(atom_ids)

    def vector(members: frozenset[int]) -> np.ndarray:
        v = np.zeros(k)
        for i in members:
            v[atom_of[i]] = 1
        return v

    rows = [vector(s) for s, _ in shown]
    lo = [v for _, v in shown]
    hi = [v for _, v in shown]
    # The attacker knows zeros are shown, so a suppressed cell holds at least one patient; and we grant that
    # it knows primary-suppressed cells hold at most 10 (more than the API says).
    for members in hidden:
        rows.append(vector(members))
        lo.append(1)
        hi.append(10 if len(members) <= 10 else np.inf)
    constraints = LinearConstraint(np.array(rows), lo, hi)
    sizes = np.bincount(atom_of, minlength=k)
    targets: list[tuple[str, np.ndarray, int]] = [
        (f"suppressed cell of {len(h)}", vector(h), len(h)) for h in [*hidden, *silent] if h
    ]
    targets += [
        (f"group of {sizes[a]} (atom {a})", np.eye(1, k, a)[0], int(sizes[a]))
        for a in range(k)
        if 0 < sizes[a] <= 10
    ]
    pinned = []
    for label, target, truth in targets:
        ends = []
        for sign in (1, -1):
            result = milp(
                sign * target, constraints=constraints, integrality=np.ones(k), bounds=Bounds(0, np.inf)
            )
            assert result.status == 0, result.message
            ends.append(round(sign * result.fun))
        assert ends[0] <= truth <= ends[1]
        if ends[0] == ends[1]:
            pinned.append(f"{label} pinned at {truth}")
    return pinned


@pytest.mark.parametrize("seed,n", [(1, 120), (2, 180), (3, 60)])
def test_no_suppressed_cell_and_no_small_group_can_be_recovered_from_everything_a_sponsor_sees(
    seed: int, n: int
) -> None:
    tables = tables_of(population(seed, n))

    shown, hidden, silent = everything_a_sponsor_sees(tables)
    pinned = attack(n, shown, hidden, silent)

    assert hidden, "the population has small cells, so something must be suppressed"
    assert not pinned, pinned


def test_the_same_attack_pins_cells_when_only_small_cells_are_suppressed() -> None:
    """The attack is real: without complementary suppression it recovers a suppressed cell from the margin."""
    rows = population(1, 120)
    sets = [frozenset(np.flatnonzero(c.members).tolist()) for c in tables_of(rows)._candidates()]
    naive_shown = [(s, len(s)) for s in sets if not 0 < len(s) < 11]
    naive_hidden = [s for s in sets if 0 < len(s) < 11]

    pinned = attack(len(rows), naive_shown, naive_hidden)

    assert pinned


def test_every_cell_of_1_to_10_is_suppressed_and_zero_and_large_cells_of_a_plain_table_are_shown() -> None:
    members = {
        "a": frozenset(range(0, 40)),
        "b": frozenset(range(40, 45)),
        "c": frozenset(range(45, 70)),
        "d": frozenset(),
        "all": frozenset(range(70)),
    }
    keys: list[Hashable] = ["all", "a", "b", "c", "d"]

    release = protect(70, [Candidate.of(k, members[str(k)], 70) for k in keys])

    assert release.value("b") is None  # 5 patients
    assert release.value("all") == 70 and release.value("d") == 0
    # b = all - a - c: one of a and c must go too, and a (shown first) stays
    assert release.value("a") == 40 and release.value("c") is None


def test_a_what_if_that_cuts_through_the_release_is_suppressed_and_one_that_follows_is_shown() -> None:
    rows = population(2, 300)
    tables = tables_of(rows)

    single = tables.what_if({"I1"})

    assert single["gained"] == {
        "count": tables.release.value(("alone", "I1")),
        "suppressed": tables.release.value(("alone", "I1")) is None,
    }
