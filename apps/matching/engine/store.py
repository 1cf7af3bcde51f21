"""A columnar feature store: many PatientRecords as numpy arrays, built once per match date.

Facts dated after the match date are left out (as the reference evaluator does). Each fact table keeps its
rows sorted by (patient, date, position), so the most recent row of a patient is the greatest row index;
facts that share everything but their date and source share a signature (`sig`), so a rule is judged once
per distinct fact and the answer is broadcast to the rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from apps.matching.eligibility.clinical import ENDED
from apps.matching.records import (
    DiagnosisFact,
    FindingFact,
    PatientRecord,
)

I8 = npt.NDArray[np.int8]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
SEX = {"female": 1, "male": 2}


@dataclass
class Table:
    """One kind of fact for all patients: owner, day (ordinal, -1 undated), signature, extra columns."""

    owner: I32
    day: I32
    sig: I32
    reps: list[Any]  # one representative fact per signature (date and source cleared)
    cols: dict[str, np.ndarray] = field(default_factory=dict)
    _memo: dict[Any, np.ndarray] = field(default_factory=dict)
    name: str = ""  # the FeatureStore attribute: names the process-wide memo of per-fact answers
    _ids: I64 | None = None
    _ids_done: bool = False

    def per_sig(self, key: Any, fn: Callable[[Any], Any], dtype: Any = np.int8) -> np.ndarray:
        """fn over each distinct fact, as an array indexed by signature (memoised under `key`).

        Answers per distinct fact are also kept for the process (by table, key and fact), so the next store
        of the same process (the next chunk of a run) judges only the facts it has not seen: a rule's answer
        about one fact depends on nothing else (dates are judged on the rows, not here).
        """
        if key not in self._memo:
            ids = self._process_ids()
            if ids is None:
                values = np.fromiter((fn(rep) for rep in self.reps), dtype=dtype, count=len(self.reps))
            else:
                values = _SHARED.answers(self.name, key, ids, self.reps, fn, dtype)
            self._memo[key] = values
        return self._memo[key]

    def _process_ids(self) -> I64 | None:
        """Each representative's id in this process's registry of distinct facts of the table (None when
        the table is unnamed or a fact cannot be hashed)."""
        if not self._ids_done:
            self._ids = _SHARED.ids(self.name, self.reps) if self.name else None
            self._ids_done = True
        return self._ids

    def latest(self, n: int, mask: npt.NDArray[np.bool_]) -> I64:
        """Per patient, the row index of its most recent row where `mask` holds, or -1."""
        rows = np.flatnonzero(mask)
        out = np.full(n, -1, dtype=np.int64)
        np.maximum.at(out, self.owner[rows], rows)
        return out

    def at(self, column: np.ndarray, row: I64, fill: Any) -> np.ndarray:
        """column[row] per patient, `fill` where row is -1 (safe on an empty table)."""
        if len(column) == 0:
            return np.full(row.shape, fill, dtype=np.result_type(column.dtype, np.asarray(fill).dtype))
        return np.where(row >= 0, column[np.maximum(row, 0)], fill)

    def reduce(self, n: int, values: I8, default: int, how: str = "max") -> I8:
        """Per patient max (or min) of `values` over its rows where values >= 0; `default` when none."""
        rows = np.flatnonzero(values >= 0)
        if how == "max":
            out = np.full(n, -1, dtype=np.int8)
            np.maximum.at(out, self.owner[rows], values[rows])
            out[out < 0] = default
        else:
            out = np.full(n, 99, dtype=np.int8)
            np.minimum.at(out, self.owner[rows], values[rows])
            out[out == 99] = default
        return out


class _ProcessMemo:
    """Answers of per-fact functions for the whole process: distinct facts get ids per table, and each
    (table, key) keeps an array of answers by fact id with a mask of the ones known. Dropped and rebuilt
    when it grows past its bounds."""

    MAX_FACTS = 200_000
    MAX_KEYS = 50_000

    def __init__(self) -> None:
        self.facts: dict[str, dict[Any, int]] = {}
        self.memo: dict[tuple[str, str], tuple[np.ndarray, npt.NDArray[np.bool_]]] = {}

    def ids(self, table: str, reps: Sequence[Any]) -> I64 | None:
        registry = self.facts.setdefault(table, {})
        if len(registry) + len(reps) > self.MAX_FACTS:
            # Only this table's ids change, and a store asks for a table's ids once.
            registry.clear()
            self.memo = {name: m for name, m in self.memo.items() if name[0] != table}
        try:
            return np.fromiter(
                (registry.setdefault(rep, len(registry)) for rep in reps), dtype=np.int64, count=len(reps)
            )
        except TypeError:  # an unhashable fact: this table is judged per store only
            return None

    def answers(
        self, table: str, key: Any, ids: I64, reps: Sequence[Any], fn: Callable[[Any], Any], dtype: Any
    ) -> np.ndarray:
        if len(self.memo) > self.MAX_KEYS:
            self.memo.clear()
        size = len(self.facts.get(table, ()))
        name = (table, repr(key))
        values, known = self.memo.get(name, (np.zeros(0, dtype=dtype), np.zeros(0, dtype=bool)))
        if len(values) < size or values.dtype != np.dtype(dtype):
            grown = np.zeros(size, dtype=dtype)
            grown_known = np.zeros(size, dtype=bool)
            if values.dtype == np.dtype(dtype):
                grown[: len(values)] = values
                grown_known[: len(known)] = known
            values, known = grown, grown_known
        for i in np.flatnonzero(~known[ids]).tolist():
            values[ids[i]] = fn(reps[i])
            known[ids[i]] = True
        self.memo[name] = (values, known)
        return values[ids]


_SHARED = _ProcessMemo()


def _strip(fact: Any, *also: str) -> Any:
    return dataclasses.replace(fact, source="", date=None, **{name: None for name in also})


def _fields(cls: type, *leave_out: str) -> Callable[[Any], Any]:
    """A fast signature key: the tuple of a fact's fields other than source, date and `leave_out`."""
    names = [f.name for f in dataclasses.fields(cls) if f.name not in ("source", "date", *leave_out)]
    return attrgetter(*names)


def _table(
    per_patient: Sequence[Sequence[Any]],
    key: Callable[[Any], Any],
    rep: Callable[[Any], Any],
    extra: dict[str, tuple[Callable[[Any], Any], Any]] | None = None,
) -> Table:
    sigs: dict[Any, int] = {}
    reps: list[Any] = []
    owner: list[int] = []
    days: list[int] = []
    position: list[int] = []
    sig: list[int] = []
    extra = extra or {}
    columns: dict[str, list[Any]] = {name: [] for name in extra}
    for p, facts in enumerate(per_patient):
        for i, fact in enumerate(facts):
            k = key(fact)
            s = sigs.get(k)
            if s is None:
                s = sigs[k] = len(reps)
                reps.append(rep(fact))
            owner.append(p)
            days.append(fact.date.toordinal() if fact.date is not None else -1)
            position.append(i)
            sig.append(s)
            for name, (get, _) in extra.items():
                columns[name].append(get(fact))
    own = np.asarray(owner, dtype=np.int32)
    day = np.asarray(days, dtype=np.int32)
    order = np.lexsort((np.asarray(position, dtype=np.int32), day, own))
    cols = {name: np.asarray(values, dtype=extra[name][1])[order] for name, values in columns.items()}
    return Table(own[order], day[order], np.asarray(sig, dtype=np.int32)[order], reps, cols)


@dataclass
class FeatureStore:
    as_of: dt.date
    keys: list[str]
    age_years: F64
    age_months: F64
    sex: I8
    diagnoses: Table
    labs: Table
    performance: Table
    findings: Table
    biomarkers: Table
    therapies: Table
    pregnancy: Table
    cache: dict[str, I8] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.keys)

    @property
    def today(self) -> int:
        return self.as_of.toordinal()

    @classmethod
    def build(cls, records: Sequence[PatientRecord], as_of: dt.date) -> FeatureStore:
        limit = as_of.toordinal()

        def seen(facts: tuple[Any, ...]) -> list[Any]:
            return [f for f in facts if f.date is None or f.date.toordinal() <= limit]

        age_y = np.full(len(records), np.nan)
        age_m = np.full(len(records), np.nan)
        for i, r in enumerate(records):
            b = r.birth_date
            if b is not None:
                age_y[i] = as_of.year - b.year - ((as_of.month, as_of.day) < (b.month, b.day))
                age_m[i] = (as_of.year - b.year) * 12 + as_of.month - b.month - (as_of.day < b.day)
        sex = np.fromiter((SEX.get(r.sex, 0) for r in records), dtype=np.int8, count=len(records))
        nan = float("nan")
        store = cls(
            as_of=as_of,
            keys=[r.key for r in records],
            age_years=age_y,
            age_months=age_m,
            sex=sex,
            diagnoses=_table([seen(r.diagnoses) for r in records], _fields(DiagnosisFact), _strip),
            labs=_table(
                [seen(r.labs) for r in records],
                lambda f: (f.loinc, f.unit),
                lambda f: (f.loinc, f.unit),
                {
                    "value": (lambda f: f.value, np.float64),
                    "low": (lambda f: nan if f.ref_low is None else f.ref_low, np.float64),
                    "high": (lambda f: nan if f.ref_high is None else f.ref_high, np.float64),
                },
            ),
            performance=_table(
                [seen(r.performance) for r in records], lambda f: _strip(f), lambda f: _strip(f)
            ),
            findings=_table(
                [seen(r.findings) for r in records],
                _fields(FindingFact, "vaf", "dna_change"),
                lambda f: _strip(f, "vaf"),
            ),
            biomarkers=_table(
                [seen(r.biomarkers) for r in records], lambda f: _strip(f), lambda f: _strip(f)
            ),
            therapies=_table(
                [seen(r.therapies) for r in records],
                lambda f: (f.drug_name, f.drugbank_id, f.drug_classes),
                lambda f: dataclasses.replace(f, source="", date=None, end_date=None, line=None, status=""),
                {
                    "end": (lambda f: f.end_date.toordinal() if f.end_date is not None else -1, np.int32),
                    "ended": (lambda f: f.status.lower() in ENDED, np.bool_),
                    "line": (lambda f: f.line if f.line is not None else -1, np.int32),
                },
            ),
            pregnancy=_table([seen(r.pregnancy) for r in records], attrgetter("status"), _strip),
        )
        for name in ("diagnoses", "labs", "performance", "findings", "biomarkers", "therapies", "pregnancy"):
            getattr(store, name).name = name
        return store
