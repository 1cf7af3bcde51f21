"""A columnar feature store: many PatientRecords as numpy arrays, built once per match date.

Facts dated after the match date are left out (as the reference evaluator does). Each fact table keeps its
rows sorted by (patient, date, position), so the most recent row of a patient is the greatest row index;
facts that share everything but their date and source share a signature (`sig`), so a rule is judged once
per distinct fact and the answer is broadcast to the rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from apps.matching.eligibility.clinical import ENDED
from apps.matching.records import (
    BiomarkerFact,
    DiagnosisFact,
    FindingFact,
    LabFact,
    PatientRecord,
    PerformanceFact,
    PregnancyFact,
    TherapyFact,
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
    _view_memo: dict[tuple[str, ...], tuple[I64, list[_View], I64 | None]] = field(default_factory=dict)
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

    def per_view(
        self, fields: tuple[str, ...], key: Any, fn: Callable[[Any], Any], dtype: Any = np.int8
    ) -> np.ndarray:
        """`per_sig` for an `fn` that reads only these fields of a fact: judged once per distinct combination
        of their values (fewer than distinct facts), in this store and the next ones of the process."""
        memo_key = ("view", fields, key)
        if memo_key not in self._memo:
            view_of, views, ids = self._views(fields)
            table = f"{self.name}:{','.join(fields)}"
            if ids is not None:
                answers = _SHARED.answers(table, key, ids, [v.fact for v in views], fn, dtype)
            else:
                answers = np.fromiter((fn(v.fact) for v in views), dtype=dtype, count=len(views))
            self._memo[memo_key] = answers[view_of] if len(view_of) else answers[:0]
        return self._memo[memo_key]

    def _views(self, fields: tuple[str, ...]) -> tuple[I64, list[_View], I64 | None]:
        """Per representative its view's index, the distinct views, and their ids in the process memo."""
        found = self._view_memo.get(fields)
        if found is None:
            get = attrgetter(*fields)
            index: dict[Any, int] = {}
            views: list[_View] = []
            view_of = np.empty(len(self.reps), dtype=np.int64)
            for i, rep in enumerate(self.reps):
                k = get(rep)
                at = index.get(k)
                if at is None:
                    at = index[k] = len(views)
                    views.append(_View(k, rep))
                view_of[i] = at
            table = f"{self.name}:{','.join(fields)}"
            ids = _SHARED.ids(table, [v.key for v in views]) if self.name else None
            found = self._view_memo[fields] = (view_of, views, ids)
        return found

    def _process_ids(self) -> I64 | None:
        """Each representative's id in this process's registry of distinct facts of the table (None when
        the table is unnamed or a fact cannot be hashed)."""
        if not self._ids_done:
            self._ids = _SHARED.ids(self.name, self.reps) if self.name else None
            self._ids_done = True
        return self._ids

    def seen_by(self, day: int) -> Table:
        """The rows undated or dated on or before `day` (an ordinal), in the same order."""
        keep = self.day <= day  # undated rows are -1
        return Table(
            self.owner[keep],
            self.day[keep],
            self.sig[keep],
            self.reps,
            {c: v[keep] for c, v in self.cols.items()},
        )

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


@dataclass(frozen=True)
class _View:
    """One distinct combination of field values (`key`) and a fact that has it."""

    key: Any
    fact: Any


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


TABLES = ("diagnoses", "labs", "performance", "findings", "biomarkers", "therapies", "pregnancy")
_NAN = float("nan")
# Per table: the signature key of a fact, its representative, and the extra columns kept per row.
_SPECS: dict[
    str, tuple[Callable[[Any], Any], Callable[[Any], Any], dict[str, tuple[Callable[[Any], Any], Any]]]
] = {
    "diagnoses": (_fields(DiagnosisFact), _strip, {}),
    "labs": (
        attrgetter("loinc", "unit"),
        attrgetter("loinc", "unit"),
        {
            "value": (attrgetter("value"), np.float64),
            "low": (lambda f: _NAN if f.ref_low is None else f.ref_low, np.float64),
            "high": (lambda f: _NAN if f.ref_high is None else f.ref_high, np.float64),
        },
    ),
    "performance": (_strip, _strip, {}),
    "findings": (_fields(FindingFact, "vaf", "dna_change"), lambda f: _strip(f, "vaf"), {}),
    "biomarkers": (_strip, _strip, {}),
    "therapies": (
        attrgetter("drug_name", "drugbank_id", "drug_classes"),
        lambda f: dataclasses.replace(f, source="", date=None, end_date=None, line=None, status=""),
        {
            "end": (lambda f: f.end_date.toordinal() if f.end_date is not None else -1, np.int32),
            "ended": (lambda f: f.status.lower() in ENDED, np.bool_),
            "line": (lambda f: f.line if f.line is not None else -1, np.int32),
        },
    ),
    "pregnancy": (attrgetter("status"), _strip, {}),
}
_FACT_TYPES = {
    cls.__name__: cls
    for cls in (
        DiagnosisFact,
        LabFact,
        PerformanceFact,
        FindingFact,
        BiomarkerFact,
        TherapyFact,
        PregnancyFact,
    )
}
_DATE_FIELDS = frozenset({"date", "end_date"})


@dataclass
class Snapshot:
    """Patients' features whatever the match date: every fact kept (FeatureStore.on leaves out the ones
    dated after it), birth dates as ordinals (-1 unknown). Saved as bytes (`to_bytes`), so a feature store
    can keep it in a database; snapshots of patient blocks are joined for a chunk (`join`, `take`)."""

    keys: list[str]
    sex: I8
    birth: I32
    tables: dict[str, Table]

    @property
    def n(self) -> int:
        return len(self.keys)

    @classmethod
    def of(cls, records: Sequence[PatientRecord]) -> Snapshot:
        tables = {}
        for name, (key, rep, extra) in _SPECS.items():
            tables[name] = _table([getattr(r, name) for r in records], key, rep, extra)
        return cls(
            keys=[r.key for r in records],
            sex=np.fromiter((SEX.get(r.sex, 0) for r in records), dtype=np.int8, count=len(records)),
            birth=np.fromiter(
                (r.birth_date.toordinal() if r.birth_date is not None else -1 for r in records),
                dtype=np.int32,
                count=len(records),
            ),
            tables=tables,
        )

    def take(self, rows: Sequence[int] | I64) -> Snapshot:
        """The snapshot of these patients (indices, ascending)."""
        at = np.asarray(rows, dtype=np.int64)
        new = np.full(self.n, -1, dtype=np.int32)
        new[at] = np.arange(len(at), dtype=np.int32)
        tables = {}
        for name, t in self.tables.items():
            keep = new[t.owner] >= 0 if len(t.owner) else np.zeros(0, dtype=bool)
            tables[name] = Table(
                new[t.owner[keep]], t.day[keep], t.sig[keep], t.reps, {c: v[keep] for c, v in t.cols.items()}
            )
        return Snapshot([self.keys[i] for i in at.tolist()], self.sex[at], self.birth[at], tables)

    @classmethod
    def join(cls, parts: Sequence[Snapshot]) -> Snapshot:
        """The parts' patients one after the other; equal facts of different parts share a signature."""
        offsets = np.cumsum([0] + [p.n for p in parts])
        tables = {}
        for name in TABLES:
            registry: dict[Any, int] = {}
            owners, days, sigs = [], [], []
            cols: dict[str, list[np.ndarray]] = {c: [] for c in _SPECS[name][2]}
            for part, offset in zip(parts, offsets.tolist(), strict=False):
                t = part.tables[name]
                remap = np.fromiter(
                    (registry.setdefault(rep, len(registry)) for rep in t.reps),
                    dtype=np.int32,
                    count=len(t.reps),
                )
                owners.append(t.owner + np.int32(offset))
                days.append(t.day)
                sigs.append(remap[t.sig] if len(t.sig) else t.sig)
                for c in cols:
                    cols[c].append(t.cols[c])
            tables[name] = Table(
                _concat(owners, np.int32),
                _concat(days, np.int32),
                _concat(sigs, np.int32),
                list(registry),
                {c: _concat(v, _SPECS[name][2][c][1]) for c, v in cols.items()},
            )
        return cls(
            [k for p in parts for k in p.keys],
            _concat([p.sex for p in parts], np.int8),
            _concat([p.birth for p in parts], np.int32),
            tables,
        )

    def to_bytes(self) -> bytes:
        arrays: list[tuple[str, np.ndarray]] = [("sex", self.sex), ("birth", self.birth)]
        reps: dict[str, Any] = {}
        for name, t in self.tables.items():
            arrays += [(f"{name}.owner", t.owner), (f"{name}.day", t.day), (f"{name}.sig", t.sig)]
            arrays += [(f"{name}.{c}", v) for c, v in t.cols.items()]
            reps[name] = _encode_reps(t.reps)
        layout = [[label, a.dtype.str, len(a)] for label, a in arrays]
        header = orjson.dumps({"keys": self.keys, "arrays": layout, "reps": reps})
        body = [struct.pack("<Q", len(header)), header]
        for _, a in arrays:
            body += [b"\0" * (-sum(map(len, body)) % 8), np.ascontiguousarray(a).tobytes()]
        return b"".join(body)

    @classmethod
    def from_bytes(cls, data: bytes) -> Snapshot:
        (size,) = struct.unpack_from("<Q", data)
        header = orjson.loads(data[8 : 8 + size])
        at = 8 + size
        arrays: dict[str, np.ndarray] = {}
        for label, dtype, length in header["arrays"]:
            at += -at % 8
            a = np.frombuffer(data, dtype=np.dtype(dtype), count=length, offset=at)
            arrays[label] = a
            at += a.nbytes
        tables = {}
        for name in TABLES:
            tables[name] = Table(
                arrays[f"{name}.owner"],
                arrays[f"{name}.day"],
                arrays[f"{name}.sig"],
                _decode_reps(header["reps"][name]),
                {c: arrays[f"{name}.{c}"] for c in _SPECS[name][2]},
            )
        return cls(header["keys"], arrays["sex"], arrays["birth"], tables)


def _concat(parts: Sequence[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


def _encode_reps(reps: Sequence[Any]) -> dict[str, Any]:
    if reps and dataclasses.is_dataclass(reps[0]):
        names = [f.name for f in dataclasses.fields(reps[0])]
        return {"type": type(reps[0]).__name__, "rows": [[getattr(r, f) for f in names] for r in reps]}
    return {"type": "tuple", "rows": [list(r) if isinstance(r, tuple) else r for r in reps]}


def _decode_reps(encoded: dict[str, Any]) -> list[Any]:
    rows = encoded["rows"]
    if encoded["type"] == "tuple":
        return [tuple(r) if isinstance(r, list) else r for r in rows]
    kind: Any = _FACT_TYPES[encoded["type"]]
    names = [f.name for f in dataclasses.fields(kind)]
    dates = [i for i, name in enumerate(names) if name in _DATE_FIELDS]
    out = []
    for row in rows:
        values: list[Any] = [tuple(v) if v.__class__ is list else v for v in row]
        for i in dates:
            if isinstance(values[i], str):
                values[i] = dt.date.fromisoformat(values[i])
        out.append(kind(*values))
    return out


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
        return cls.on(Snapshot.of(records), as_of)

    @classmethod
    def on(cls, snapshot: Snapshot, as_of: dt.date) -> FeatureStore:
        """The store of a snapshot's patients on `as_of`: facts dated after it left out, ages on it."""
        limit = as_of.toordinal()
        born = snapshot.birth
        known = born >= 0
        age_y = np.full(len(born), np.nan)
        age_m = np.full(len(born), np.nan)
        if known.any():
            dates = [dt.date.fromordinal(int(d)) for d in born[known].tolist()]
            years = np.array([d.year for d in dates])
            months = np.array([d.month for d in dates])
            days = np.array([d.day for d in dates])
            before = (as_of.month < months) | ((as_of.month == months) & (as_of.day < days))
            age_y[known] = as_of.year - years - before
            age_m[known] = (as_of.year - years) * 12 + as_of.month - months - (as_of.day < days)
        tables = {name: snapshot.tables[name].seen_by(limit) for name in TABLES}
        for name, table in tables.items():
            table.name = name
        return cls(
            as_of=as_of,
            keys=list(snapshot.keys),
            age_years=age_y,
            age_months=age_m,
            sex=snapshot.sex,
            diagnoses=tables["diagnoses"],
            labs=tables["labs"],
            performance=tables["performance"],
            findings=tables["findings"],
            biomarkers=tables["biomarkers"],
            therapies=tables["therapies"],
            pregnancy=tables["pregnancy"],
        )
