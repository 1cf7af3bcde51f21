"""Criteria versions compiled into one flat program of nodes, evaluated level by level over blocks of
patients with vectorised Kleene logic: AND is a min over children (NA=3 is the identity), OR a max with NA
mapped below F, NOT a lookup. One trial against all patients and one patient against all trials run the
same program; no Python loop runs per pair."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from apps.matching import scoring
from apps.matching.eligibility.base import NA, F, T, U
from apps.matching.eligibility.tree import Criteria, Node, prepare
from apps.matching.engine.leaves import NOT, leaf
from apps.matching.engine.store import FeatureStore

OR_IN = np.array([F, U, T, -1], dtype=np.int8)
NO_FAIL = np.int16(32767)
EXTERNAL = np.array([0, 2, 1, 3], dtype=np.int8)  # F,U,T,NA -> not_met=0, met=1, unknown=2, n/a=3


@dataclass
class _Level:
    nodes: npt.NDArray[np.int64]
    children: npt.NDArray[np.int64]  # (nodes, widest) child rows, padded with the NA row
    is_and: bool
    negate: npt.NDArray[np.bool_]
    molecular: npt.NDArray[np.bool_]  # per node: compute its fit
    fit_children: npt.NDArray[np.int64]  # (molecular nodes, widest) padded with a neutral fit row


def _padded(groups: list[list[int]], pad: int) -> npt.NDArray[np.int64]:
    width = max((len(g) for g in groups), default=0)
    out = np.full((len(groups), max(width, 1)), pad, dtype=np.int64)
    for i, g in enumerate(groups):
        out[i, : len(g)] = g
    return out


@dataclass
class Program:
    """Compiled criteria for a list of trials (in order)."""

    n_trials: int
    rules: list[Any]  # distinct leaf rules
    leaf_nodes: npt.NDArray[np.int64]
    leaf_rule: npt.NDArray[np.int64]
    leaf_negate: npt.NDArray[np.bool_]
    fixed_nodes: npt.NDArray[np.int64]
    fixed_values: npt.NDArray[np.int8]
    levels: list[_Level]
    n_nodes: int
    levels_of: npt.NDArray[np.float64]  # per node: molecular level (leaves), NaN otherwise
    tops: npt.NDArray[np.int64]
    top_exclusion: npt.NDArray[np.bool_]
    top_starts: npt.NDArray[np.int64]
    top_position: npt.NDArray[np.int16]
    top_weight: npt.NDArray[np.float64]  # phenotypic weight, 0 for criteria about molecular data
    top_matrix: npt.NDArray[np.int64]  # (trials, widest) positions in `tops`, padded with an NA position
    fit_matrix: npt.NDArray[np.int64]  # (trials, widest) molecular inclusion nodes, padded with the 0 fit row
    fit_count: npt.NDArray[np.float64]


def compile_trials(trials: Sequence[list[dict[str, Any]] | Criteria]) -> Program:
    """Prepare and flatten criteria versions once; leaves shared between trials are judged once."""
    nodes: list[Node] = []
    height: list[int] = []
    rule_index: dict[str, int] = {}
    rules: list[Any] = []
    tops: list[int] = []
    excl: list[bool] = []
    starts: list[int] = []
    position: list[int] = []
    weights: list[float] = []
    fit_tops: list[int] = []
    fit_trial: list[int] = []

    def add(node: Node) -> int:
        kids = [add(child) for child in node.children] if node.leaf is None and node.fixed is None else []
        nodes.append(node)
        height.append(1 + max((height[k] for k in kids), default=-1) if kids else 0)
        children_of.append(kids)
        return len(nodes) - 1

    children_of: list[list[int]] = []
    for t, criteria in enumerate(trials):
        prepared = prepare(criteria)
        starts.append(len(tops))
        entries = list(prepared.tops) or []
        if not entries:
            nodes.append(Node("-", "administrative", fixed=NA))
            height.append(0)
            children_of.append([])
            tops.append(len(nodes) - 1)
            excl.append(False)
            position.append(0)
            weights.append(0.0)
        for i, top in enumerate(entries):
            index = add(top.node)
            tops.append(index)
            excl.append(top.exclusion)
            position.append(i)
            weights.append(0.0 if top.node.mentions_molecular else scoring.weight(top.node.kind))
            if top.node.molecular and not top.exclusion:
                fit_tops.append(index)
                fit_trial.append(t)
    leaf_nodes, leaf_rule, leaf_negate, fixed_nodes, fixed_values = [], [], [], [], []
    levels_of = np.full(len(nodes), np.nan)
    for i, node in enumerate(nodes):
        if node.fixed is not None:
            fixed_nodes.append(i)
            fixed_values.append(NOT[node.fixed] if node.negated else node.fixed)
        elif node.leaf is not None:
            key = repr(node.leaf)
            if key not in rule_index:
                rule_index[key] = len(rules)
                rules.append(node.leaf)
            leaf_nodes.append(i)
            leaf_rule.append(rule_index[key])
            leaf_negate.append(node.negated)
            if node.molecular:
                levels_of[i] = node.level
    if any(w != int(w) for w in weights):
        raise ValueError("phenotypic weights must be whole numbers (the engine sums them as integers)")
    levels = []
    for h in range(1, max(height, default=0) + 1):
        for is_and in (True, False):
            at = [
                i for i, node in enumerate(nodes) if height[i] == h and (nodes[i].operator == "all") == is_and
            ]
            if not at:
                continue
            kids = [children_of[i] for i in at]
            fit_nodes = [i for i in at if nodes[i].molecular]
            mol_kids = [[k for k in children_of[i] if nodes[k].molecular] for i in fit_nodes]
            levels.append(
                _Level(
                    nodes=np.array(at, dtype=np.int64),
                    children=_padded(kids, len(nodes)),
                    is_and=is_and,
                    negate=np.array([nodes[i].negated for i in at], dtype=bool),
                    molecular=np.array([nodes[i].molecular for i in at], dtype=bool),
                    fit_children=_padded(mol_kids, len(nodes) + (1 if is_and else 0)),
                )
            )
    trial_tops = [list(range(b, e)) for b, e in zip(starts, [*starts[1:], len(tops)], strict=True)]
    fits_of = [[fit_tops[k] for k in range(len(fit_tops)) if fit_trial[k] == t] for t in range(len(trials))]
    return Program(
        n_trials=len(trials),
        rules=rules,
        leaf_nodes=np.array(leaf_nodes, dtype=np.int64),
        leaf_rule=np.array(leaf_rule, dtype=np.int64),
        leaf_negate=np.array(leaf_negate, dtype=bool),
        fixed_nodes=np.array(fixed_nodes, dtype=np.int64),
        fixed_values=np.array(fixed_values, dtype=np.int8),
        levels=levels,
        n_nodes=len(nodes),
        levels_of=levels_of,
        tops=np.array(tops, dtype=np.int64),
        top_exclusion=np.array(excl, dtype=bool),
        top_starts=np.array(starts, dtype=np.int64),
        top_position=np.array(position, dtype=np.int16),
        top_weight=np.array(weights, dtype=np.float64),
        top_matrix=_padded(trial_tops, len(tops)),
        fit_matrix=_padded(fits_of, len(nodes)),
        fit_count=np.array([len(f) for f in fits_of], dtype=np.float64),
    )


@dataclass
class Results:
    """Per trial (rows, in program order) and patient (columns) of one block of patients."""

    patients: slice
    status: npt.NDArray[np.int8]  # scoring.STATUS_CODES: 0 ineligible, 1 possible, 2 eligible
    score: npt.NDArray[np.float64]
    molecular_fit: npt.NDArray[np.float64]  # NaN: the trial has no molecular requirement
    phenotypic_fit: npt.NDArray[np.float64]
    first_failed: npt.NDArray[np.int32]  # index of the first failing criterion, -1 none
    n_unknown: npt.NDArray[np.int16]
    verdicts: (
        npt.NDArray[np.int8] | None
    )  # (criteria of all trials, patients): not_met 0, met 1, unknown 2, n/a 3


def leaf_matrix(program: Program, store: FeatureStore) -> npt.NDArray[np.int8]:
    """Every distinct leaf rule judged for every patient: (rules, patients)."""
    out = np.empty((len(program.rules), store.n), dtype=np.int8)
    for i, rule in enumerate(program.rules):
        out[i] = leaf(rule, store)
    return out


BLOCK = 1024  # patients per block: a block's (trials x criteria x patients) arrays stay near the CPU caches


def run(
    program: Program, store: FeatureStore, block: int = BLOCK, verdicts: bool = False
) -> Iterator[Results]:
    """Evaluate every trial of `program` for every patient of `store`, a block of patients at a time."""
    leaves = leaf_matrix(program, store)
    for first in range(0, store.n, block):
        yield _block(
            program, leaves[:, first : first + block], slice(first, min(first + block, store.n)), verdicts
        )


def _block(p: Program, leaves: npt.NDArray[np.int8], patients: slice, keep: bool) -> Results:
    m = leaves.shape[1]
    v = np.empty((p.n_nodes + 1, m), dtype=np.int8)  # the last row is NA, for padding
    v[p.n_nodes] = NA
    v[p.leaf_nodes] = leaves[p.leaf_rule]
    neg = p.leaf_nodes[p.leaf_negate]
    v[neg] = NOT[v[neg]]
    v[p.fixed_nodes] = p.fixed_values[:, None]
    has_fit = bool(p.fit_count.any())
    fit = np.zeros((p.n_nodes + 2, m), dtype=np.float64) if has_fit else None  # rows: ..., 0.0, 2.0
    if fit is not None:
        fit[p.n_nodes + 1] = 2.0
        mol = np.flatnonzero(~np.isnan(p.levels_of))
        fit[mol] = (v[mol] == T) * p.levels_of[mol][:, None]
    for level in p.levels:
        g = v[level.children]
        if level.is_and:
            r = g.min(axis=1)
        else:
            r = OR_IN[g].max(axis=1)
            r[r < 0] = NA
        r[level.negate] = NOT[r[level.negate]]
        v[level.nodes] = r
        if fit is not None and level.molecular.any():
            gathered = fit[level.fit_children]
            combined = gathered.min(axis=1) if level.is_and else gathered.max(axis=1)
            at = level.nodes[level.molecular]
            fit[at] = combined * (v[at] == T)
    top = v[p.tops]
    top[p.top_exclusion] = NOT[top[p.top_exclusion]]
    padded = np.concatenate([top, np.full((1, m), NA, dtype=np.int8)])[p.top_matrix]  # (trials, widest, m)
    status = np.minimum(padded.min(axis=1), T).astype(np.int8)
    n_unknown = (padded == U).sum(axis=1, dtype=np.int16)
    n_applicable = (padded != NA).sum(axis=1, dtype=np.int16)
    # The first failing position: the positions written last to first, one (trials, patients) plane each,
    # so no (trials, criteria, patients) array of positions is built (trials can have hundreds of criteria).
    first_failed = np.full(status.shape, -1, dtype=np.int32)
    for k in range(padded.shape[1] - 1, -1, -1):
        np.copyto(first_failed, k, where=padded[:, k, :] == F)
    weights = np.append(p.top_weight, 0.0)[p.top_matrix].astype(np.int8)[:, :, None]  # whole numbers
    is_t = (padded == T).view(np.int8)
    met = (is_t * weights).sum(axis=1, dtype=np.int16).astype(np.float64)
    known = ((is_t | (padded == F).view(np.int8)) * weights).sum(axis=1, dtype=np.int16).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        pfit = np.where(known > 0, met / known, 0.0)
    mfit = np.full((p.n_trials, m), np.nan)
    if fit is not None:
        sums = np.zeros((p.n_trials, m))
        for k in range(p.fit_matrix.shape[1]):
            sums += fit[p.fit_matrix[:, k]]
        with np.errstate(invalid="ignore", divide="ignore"):
            mfit = np.where(p.fit_count[:, None] > 0, sums / p.fit_count[:, None], np.nan)
    score = scoring.score_array(status, mfit, pfit, n_unknown, n_applicable)
    return Results(
        patients, status, score, mfit, pfit, first_failed, n_unknown, EXTERNAL[top] if keep else None
    )
