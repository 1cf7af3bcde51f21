"""Re-matching after a transaction commits: the changed patients and the new criteria versions, as tasks."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction

# Re-matching asked for inside a transaction not yet committed: (its outermost atomic block, patient pks,
# criteria version pks). One entry per transaction, so an import of many trials or patients sends one task.
_PENDING: list[tuple[Any, set[int], set[int]]] = []


def rematch_later(*, patient_ids: Iterable[int] = (), criteria_version_ids: Iterable[int] = ()) -> None:
    """For importers, inside their transaction: once it commits, match the created or changed patients
    against every recruiting trial, and the trials of the new criteria versions against every patient, as
    Celery tasks (`matching.rematch_patients`, `matching.rematch_criteria_versions`), one of each per
    transaction however many calls it makes.

    Only when `settings.MATCHING_REMATCH_AFTER_IMPORT` is on (the default with a broker, REDIS_URL set);
    in the embedded default the demo and tests match explicitly, after importing everything.
    """
    if not getattr(settings, "MATCHING_REMATCH_AFTER_IMPORT", False):
        return
    patients = {int(pk) for pk in patient_ids}
    versions = {int(pk) for pk in criteria_version_ids}
    if not patients and not versions:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _send(patients, versions)
        return
    outer = connection.atomic_blocks[0]
    _PENDING[:] = [entry for entry in _PENDING if entry[0] in connection.atomic_blocks]  # rolled back: gone
    for entry in _PENDING:
        if entry[0] is outer:
            entry[1].update(patients)
            entry[2].update(versions)
            return
    entry = (outer, patients, versions)
    _PENDING.append(entry)
    transaction.on_commit(partial(_flush, entry))


def _flush(entry: tuple[Any, set[int], set[int]]) -> None:
    if entry in _PENDING:
        _PENDING.remove(entry)
    _send(entry[1], entry[2])


def _send(patients: set[int], versions: set[int]) -> None:
    from .. import tasks

    if patients:
        tasks.rematch_patients.delay(patient_ids=sorted(patients))
    if versions:
        tasks.rematch_criteria_versions.delay(version_ids=sorted(versions))
