"""Which counts of a release may be shown: small-cell suppression that survives exact arithmetic (PROMISES 3).

Pure: no Django, no I/O. A release is a list of candidate counts, each the number of patients in some set
(a subgroup's eligible patients, those left after the first three criteria, those only one criterion
removes...). Patients are grouped into *atoms*: patients that belong to exactly the same candidate sets.
Every candidate is then a 0/1 vector over atoms, and anything a reader can compute from shown counts by
exact arithmetic (sums, differences, margins, any integer combination) is a vector in their linear span.

`protect` walks the candidates in priority order and shows one only if
- its count is 0 or at least `threshold` (11): cells of 1 to 10 are suppressed (primary suppression), and
- once it is shown, no *protected* quantity lies in the span of the shown counts: not a suppressed
  candidate, and not an atom of 1 to 10 patients (so no group that small can be derived, from any
  combination of tables, waterfall steps, what-if gains or successive queries). A candidate that would
  make one derivable is suppressed too (complementary suppression).

All protected quantities, including every candidate of 1 to 10 patients, are known before the walk, so a
count shown early can never become the missing piece for one shown later. A query answered afterwards
(`answer`) is shown only if it is already in the span: it adds nothing a reader could not compute, so any
sequence of queries reveals no more than the release itself.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

THRESHOLD = 11  # the smallest count shown, other than 0
_EPS = 1e-9


Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Candidate:
    key: Hashable
    members: Mask  # which patients it counts (a boolean mask over the patients)

    @classmethod
    def of(cls, key: Hashable, members: Iterable[int], n_patients: int) -> Candidate:
        mask = np.zeros(n_patients, dtype=bool)
        mask[list(members)] = True
        return cls(key, mask)


@dataclass
class Release:
    shown: dict[Hashable, int]
    suppressed: set[Hashable]
    # for answering later queries: the atom of each patient and an orthonormal basis of the shown counts
    atom_of: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    basis: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)))
    atom_sizes: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def value(self, key: Hashable) -> int | None:
        return None if key in self.suppressed else self.shown[key]


def atoms(n_patients: int, candidates: Sequence[Candidate]) -> tuple[npt.NDArray[np.int64], Mask]:
    """The atom of each patient (patients in exactly the same candidate sets share one), and the
    candidates x atoms membership."""
    if n_patients == 0 or not candidates:
        return np.zeros(n_patients, dtype=np.int64), np.zeros((len(candidates), 1 if n_patients else 0), bool)
    membership = np.stack([c.members for c in candidates], axis=1)  # patients x candidates
    packed = np.packbits(membership, axis=1)
    _, first, atom_of = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    return atom_of.reshape(-1).astype(np.int64), membership[first].T


def protect(n_patients: int, candidates: Sequence[Candidate], *, threshold: int = THRESHOLD) -> Release:
    atom_of, by_atom = atoms(n_patients, candidates)
    n_atoms = by_atom.shape[1]
    sizes = np.bincount(atom_of, minlength=n_atoms).astype(np.int64)
    counts = [int(c.members.sum()) for c in candidates]

    # Protected quantities, as lists of atoms: every atom and every candidate of 1..threshold-1 patients.
    # What stays unknown about each is the part outside the span of the shown counts; `left` is its
    # squared length. A newly shown q is orthogonal to those before, so a target's share of q is just t.q.
    small_atoms = np.flatnonzero((sizes > 0) & (sizes < threshold))
    targets = [np.flatnonzero(by_atom[i]) for i, n in enumerate(counts) if 0 < n < threshold]
    left = np.concatenate([np.ones(len(small_atoms)), [float(len(t)) for t in targets]])

    def share(q: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.concatenate([q[small_atoms], [q[t].sum() for t in targets]])

    basis = np.zeros((len(candidates), n_atoms))
    b = 0
    shown: dict[Hashable, int] = {}
    suppressed: set[Hashable] = set()
    for i, (candidate, n) in enumerate(zip(candidates, counts, strict=True)):
        if 0 < n < threshold:
            suppressed.add(candidate.key)
            continue
        v = by_atom[i].astype(float)
        r = v.copy()
        for _ in range(2):  # twice: one pass of Gram-Schmidt loses orthogonality
            r -= basis[:b].T @ (basis[:b] @ r)
        size = float(r @ r)
        if size <= _EPS * max(
            float(v @ v), 1.0
        ):  # already computable from what is shown: showing it adds nothing
            shown[candidate.key] = n
            continue
        q = r / np.sqrt(size)
        along = share(q)
        after = left - along**2
        if np.any(after < _EPS * np.maximum(left, 1.0)):
            suppressed.add(candidate.key)
            # Protected from now on; what is unknown of it is its part outside the current span.
            targets.append(np.flatnonzero(by_atom[i]))
            left = np.append(left, size)
            continue
        shown[candidate.key] = n
        basis[b] = q
        b += 1
        left = np.maximum(after, 0.0)
    return Release(shown, suppressed, atom_of, basis[:b].copy(), sizes)


def answer(release: Release, members: Mask | Iterable[int]) -> int | None:
    """A later query's count if it follows from what the release shows (then it reveals nothing new), else
    None (suppressed). A set that cuts through an atom never follows from it."""
    if isinstance(members, np.ndarray) and members.dtype == bool:
        mask = members
    else:
        mask = np.zeros(len(release.atom_of), dtype=bool)
        mask[list(members)] = True
    n = int(mask.sum())
    if n == 0:
        return 0
    n_atoms = len(release.atom_sizes)
    touched = np.zeros(n_atoms, dtype=bool)
    touched[release.atom_of[mask]] = True
    if int(release.atom_sizes[touched].sum()) != n:
        return None  # it takes part of an atom: not a combination of shown counts
    v = touched.astype(float)
    r = v - release.basis.T @ (release.basis @ v) if len(release.basis) else v
    return n if float(r @ r) < _EPS * max(1.0, float(v @ v)) else None
