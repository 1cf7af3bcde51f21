"""The persistent feature store: patients' columnar features kept in the database per block of primary keys.

Importers call `mark_stale` in the transaction that changes facts (the blocks' versions go up, so no
reader takes the old features once it commits) and the blocks are rebuilt from the fact tables right
after the commit; `snapshot` reads a chunk's blocks in bulk and rebuilds any that are stale or missing.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.patients.models import Patient

from ..engine import Snapshot
from ..models import FeatureBlock
from ..patient_records import build_records

BLOCK_PATIENTS = 512
_BATCH = 900  # ids per IN (...) list: under SQLite's bound-parameter limit


def blocks_of(patient_ids: Iterable[int]) -> list[int]:
    return sorted({int(pk) // BLOCK_PATIENTS for pk in patient_ids})


def mark_stale(patient_ids: Iterable[int]) -> None:
    """Inside the transaction that changes these patients' facts: their blocks' features are out of date
    from its commit on (their versions go up, in block order so concurrent imports wait, never deadlock),
    and are rebuilt after it commits."""
    blocks = blocks_of(patient_ids)
    if not blocks:
        return
    table = connection.ops.quote_name(FeatureBlock._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(blocks), _BATCH):
            batch = blocks[start : start + _BATCH]
            cursor.execute(
                f"INSERT INTO {table} (block, version) VALUES {', '.join(['(%s, 1)'] * len(batch))} "
                f"ON CONFLICT (block) DO UPDATE SET version = {table}.version + 1",
                batch,
            )
    transaction.on_commit(partial(build, blocks))


def build(blocks: Sequence[int]) -> dict[int, tuple[npt.NDArray[np.int64], Snapshot]]:
    """Rebuild these blocks from the fact tables and store them; returns each block's (primary keys,
    snapshot). A block whose facts changed meanwhile (its version moved on) is returned but not stored."""
    out: dict[int, tuple[npt.NDArray[np.int64], Snapshot]] = {}
    for block in blocks:
        FeatureBlock.objects.bulk_create([FeatureBlock(block=block)], ignore_conflicts=True)
        version = FeatureBlock.objects.filter(block=block).values_list("version", flat=True).get()
        low = block * BLOCK_PATIENTS
        pk_of = dict(
            Patient.objects.filter(pk__gte=low, pk__lt=low + BLOCK_PATIENTS).values_list("key", "pk")
        )
        records = sorted(build_records(pk_of.values()), key=lambda r: pk_of[r.key])
        pks = np.array([pk_of[r.key] for r in records], dtype=np.int64)
        snap = Snapshot.of(records)
        FeatureBlock.objects.filter(block=block, version=version).update(
            built_version=version,
            patient_ids=pks.tobytes(),
            payload=snap.to_bytes(),
            built_at=timezone.now(),
        )
        out[block] = (pks, snap)
    return out


def snapshot(patient_ids: Iterable[int]) -> tuple[Snapshot, npt.NDArray[np.int64]]:
    """The features of these patients (those that exist), read from their blocks in bulk, and their primary
    keys in snapshot order (ascending). Stale or missing blocks are rebuilt first; a block this process
    decoded at its current version is not read again."""
    wanted = np.unique(np.fromiter((int(pk) for pk in patient_ids), dtype=np.int64))
    blocks = blocks_of(wanted.tolist())
    found: dict[int, tuple[npt.NDArray[np.int64], Snapshot]] = {}
    for start in range(0, len(blocks), _BATCH):
        batch = blocks[start : start + _BATCH]
        current = FeatureBlock.objects.filter(block__in=batch, built_version=F("version"))
        # A build is named by its version and time: a version number alone can come back (SQLite tests).
        builds = {b: (b, v, at) for b, v, at in current.values_list("block", "version", "built_at")}
        for block, build_key in builds.items():
            if build_key in _DECODED:
                _DECODED.move_to_end(build_key)
                found[block] = _DECODED[build_key]
        unread = [b for b in builds if b not in found]
        rows = current.filter(block__in=unread).values_list("block", "patient_ids", "payload")
        for block, stored_ids, payload in rows:
            if stored_ids is not None and payload is not None:
                found[block] = _DECODED[builds[block]] = (
                    np.frombuffer(bytes(stored_ids), dtype=np.int64),
                    Snapshot.from_bytes(bytes(payload)),
                )
        while len(_DECODED) > _DECODED_SIZE:
            _DECODED.popitem(last=False)
    # A patient created without `mark_stale` is not in its block yet: the block is rebuilt.
    block_of = wanted // BLOCK_PATIENTS
    missing = [b for b in blocks if b not in found or not np.isin(wanted[block_of == b], found[b][0]).all()]
    if missing:
        found.update(build(missing))
    parts, pks = [], []
    for block in blocks:
        ids, snap = found[block]
        at = np.flatnonzero(np.isin(ids, wanted))
        parts.append(snap.take(at))
        pks.append(ids[at])
    joined = Snapshot.join(parts)
    return joined, np.concatenate(pks) if pks else np.zeros(0, dtype=np.int64)


# Blocks decoded by this process, by (block, version, built_at): read-only once made.
_DECODED: OrderedDict[tuple[int, int, Any], tuple[npt.NDArray[np.int64], Snapshot]] = OrderedDict()
_DECODED_SIZE = 400  # about 200,000 patients
