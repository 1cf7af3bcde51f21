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


@dataclass(frozen=True)
class Candidate:
    key: Hashable
    members: frozenset[int]  # indices of the patients it counts


@dataclass
class Release:
    shown: dict[Hashable, int]
    suppressed: set[Hashable]
    # for answering later queries: the atom of each patient and an orthonormal basis of the shown counts
    atom_of: list[int] = field(default_factory=list)
    basis: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)))
    atom_sizes: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def value(self, key: Hashable) -> int | None:
        return None if key in self.suppressed else self.shown[key]


def atoms(n_patients: int, candidates: Sequence[Candidate]) -> tuple[list[int], int]:
    """The atom of each patient (patients in exactly the same candidate sets share one), and how many."""
    signature: list[list[int]] = [[] for _ in range(n_patients)]
    for c_index, candidate in enumerate(candidates):
        for patient in candidate.members:
            signature[patient].append(c_index)
    numbering: dict[tuple[int, ...], int] = {}
    atom_of = [numbering.setdefault(tuple(s), len(numbering)) for s in signature]
    return atom_of, len(numbering)


def _vector(members: Iterable[int], atom_of: list[int], n_atoms: int) -> npt.NDArray[np.float64]:
    v = np.zeros(n_atoms)
    for patient in members:
        v[atom_of[patient]] = 1.0
    return v


def _residual(v: npt.NDArray[np.float64], basis: list[npt.NDArray[np.float64]]) -> npt.NDArray[np.float64]:
    r = v.copy()
    for _ in range(2):  # twice: Gram-Schmidt loses orthogonality in one pass
        for q in basis:
            r -= (r @ q) * q
    return r


def protect(n_patients: int, candidates: Sequence[Candidate], *, threshold: int = THRESHOLD) -> Release:
    atom_of, n_atoms = atoms(n_patients, candidates)
    sizes = np.bincount(np.array(atom_of, dtype=np.int64), minlength=n_atoms) if n_patients else np.zeros(0)
    vectors = [_vector(c.members, atom_of, n_atoms) for c in candidates]
    counts = [len(c.members) for c in candidates]

    # Protected from the start: every atom and every candidate of 1..threshold-1 patients.
    protected: list[npt.NDArray[np.float64]] = [
        np.eye(1, n_atoms, a)[0] for a in np.flatnonzero((sizes > 0) & (sizes < threshold))
    ]
    protected += [v for v, n in zip(vectors, counts, strict=True) if 0 < n < threshold]
    residuals = np.array(protected) if protected else np.zeros((0, n_atoms))
    norms = np.einsum("ij,ij->i", residuals, residuals)

    basis: list[npt.NDArray[np.float64]] = []
    shown: dict[Hashable, int] = {}
    suppressed: set[Hashable] = set()
    for candidate, v, n in zip(candidates, vectors, counts, strict=True):
        if 0 < n < threshold:
            suppressed.add(candidate.key)
            continue
        r = _residual(v, basis)
        size = float(r @ r)
        if size < _EPS:  # already computable from what is shown: showing it adds nothing
            shown[candidate.key] = n
            continue
        q = r / np.sqrt(size)
        along = residuals @ q
        after = norms - along**2
        if np.any(after < _EPS * np.maximum(norms, 1.0)):
            suppressed.add(candidate.key)
            # A suppressed count is protected from now on (it was not in the span, or it would be shown).
            residuals = np.vstack([residuals, r])
            norms = np.append(norms, size)
            continue
        shown[candidate.key] = n
        basis.append(q)
        residuals = residuals - np.outer(along, q)
        norms = np.maximum(after, 0.0)
    matrix = np.array(basis) if basis else np.zeros((0, n_atoms))
    return Release(shown, suppressed, atom_of, matrix, sizes.astype(np.int64))


def answer(release: Release, members: Iterable[int]) -> int | None:
    """A later query's count if it follows from what the release shows (then it reveals nothing new), else
    None (suppressed). A set that cuts through an atom never follows from it."""
    members = list(members)
    n_atoms = len(release.atom_sizes)
    v = _vector(members, release.atom_of, n_atoms)
    if int((v * release.atom_sizes).sum()) != len(members):
        return None  # it takes part of an atom: not a combination of shown counts
    if not members:
        return 0
    r = v - release.basis.T @ (release.basis @ v) if len(release.basis) else v
    return len(members) if float(r @ r) < _EPS else None
