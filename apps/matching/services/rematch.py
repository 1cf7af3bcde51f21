"""Re-matching after a transaction commits: the changed patients, the new criteria versions and the trials
whose arms reopened, as tasks."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction

from apps.trials.models import CriteriaVersion

# Re-matching asked for inside a transaction not yet committed: (its outermost atomic block, patient pks,
# criteria version pks, trial pks). One entry per transaction, so an import of many trials or patients sends
# one task of each kind.
_PENDING: list[tuple[Any, set[int], set[int], set[int]]] = []


def rematch_later(
    *,
    patient_ids: Iterable[int] = (),
    criteria_version_ids: Iterable[int] = (),
    trial_ids: Iterable[int] = (),
) -> None:
    """For importers, inside their transaction: once it commits, match the created or changed patients
    against every recruiting trial, and the trials of the new criteria versions and the given trials (an arm
    reopened) against every patient, as Celery tasks (`matching.rematch_patients`,
    `matching.rematch_criteria_versions`, `matching.rematch_trials`), one of each per transaction however
    many calls it makes.

    Only when `settings.MATCHING_REMATCH_AFTER_IMPORT` is on (the default with a broker, REDIS_URL set);
    in the embedded default the demo and tests match explicitly, after importing everything.
    """
    if not getattr(settings, "MATCHING_REMATCH_AFTER_IMPORT", False):
        return
    patients = {int(pk) for pk in patient_ids}
    versions = {int(pk) for pk in criteria_version_ids}
    trials = {int(pk) for pk in trial_ids}
    if not patients and not versions and not trials:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _send(patients, versions, trials)
        return
    outer = connection.atomic_blocks[0]
    _PENDING[:] = [entry for entry in _PENDING if entry[0] in connection.atomic_blocks]  # rolled back: gone
    for entry in _PENDING:
        if entry[0] is outer:
            entry[1].update(patients)
            entry[2].update(versions)
            entry[3].update(trials)
            return
    entry = (outer, patients, versions, trials)
    _PENDING.append(entry)
    transaction.on_commit(partial(_flush, entry))


def _flush(entry: tuple[Any, set[int], set[int], set[int]]) -> None:
    if entry in _PENDING:
        _PENDING.remove(entry)
    _send(entry[1], entry[2], entry[3])


def _send(patients: set[int], versions: set[int], trials: set[int]) -> None:
    from .. import tasks

    if patients:
        tasks.rematch_patients.delay(patient_ids=sorted(patients))
    if versions:
        tasks.rematch_criteria_versions.delay(version_ids=sorted(versions))
        # A trial with a new version is re-matched by that version's task.
        trials -= set(CriteriaVersion.objects.filter(pk__in=versions).values_list("trial_id", flat=True))
    if trials:
        tasks.rematch_trials.delay(trial_ids=sorted(trials))
