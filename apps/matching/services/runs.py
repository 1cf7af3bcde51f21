"""Match runs: request (idempotent), chunk execution with idempotent writes, completion and failure."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.audit import services as audit
from apps.audit.reasons import safe_reason
from apps.patients.models import Patient
from apps.trials.models import CriteriaVersion, Trial

from ..models import MatchChunk, MatchRun
from . import results, review
from .plans import CriteriaError, Plan, plans_for
from .rematch import rematch_later

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# Starts of one chunk (first try + retries + redeliveries after a lost worker) before the run is failed.
MAX_CHUNK_ATTEMPTS = 6
# A chunk holds about this many (patient, plan) pairs: seconds of work on one core, far below Redis'
# visibility timeout (an hour). Criteria are compiled once per worker process (evaluation.compiled), so
# small chunks cost little; a run is split into at least MIN_CHUNKS chunks when it has the patients for
# it, so that every worker gets a share and a lost chunk is a small part of the run.
PAIRS_PER_CHUNK = 400_000
MIN_PATIENTS_PER_CHUNK = 100
MAX_PATIENTS_PER_CHUNK = 10_000
MIN_CHUNKS = 8
# A chunk unfinished this long after it was sent or started is sent again (see requeue_stalled).
CHUNK_STALL_SECONDS = 600.0


class MatchRequestError(ValueError):
    """A run cannot be requested as asked; the message names the unknown trial or patient ids."""


def _current_versions(trials: Iterable[Trial]) -> list[int]:
    latest: dict[int, tuple[int, int]] = {}
    rows = CriteriaVersion.objects.filter(trial__in=list(trials)).values_list("trial_id", "number", "pk")
    for trial_pk, number, pk in rows:
        if trial_pk not in latest or number > latest[trial_pk][0]:
            latest[trial_pk] = (number, pk)
    return sorted(pk for _, pk in latest.values())


def _resolve(
    trials: Sequence[str | Trial] | None, patients: Sequence[str | Patient] | None, include_closed: bool
) -> tuple[list[Trial], list[int]]:
    if trials is None:
        chosen = Trial.objects.all() if include_closed else Trial.objects.recruiting()
        trial_rows = list(chosen)
    else:
        wanted = [t.trial_id if isinstance(t, Trial) else str(t) for t in trials]
        found = {t.trial_id: t for t in Trial.objects.filter(trial_id__in=wanted)}
        unknown = [t for t in wanted if t not in found]
        if unknown:
            raise MatchRequestError(f"unknown trial id(s): {', '.join(unknown)}")
        # A trial named explicitly is matched whatever its recruiting status: naming it is asking for it.
        trial_rows = [found[t] for t in dict.fromkeys(wanted)]
    if patients is None:
        patient_pks = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    else:
        keys = [p.key if isinstance(p, Patient) else str(p) for p in patients]
        found_pks = dict(Patient.objects.filter(key__in=keys).values_list("key", "pk"))
        missing = [k for k in keys if k not in found_pks]
        if missing:
            raise MatchRequestError(f"unknown patient id(s): {', '.join(missing)}")
        patient_pks = sorted({found_pks[k] for k in keys})
    return trial_rows, patient_pks


def chunk_size(n_plans: int, n_patients: int, override: int | None = None) -> int:
    """Patients per chunk, adapted to the run: about PAIRS_PER_CHUNK pairs (so one trial against many
    patients takes big chunks and many trials small ones), between MIN_ and MAX_PATIENTS_PER_CHUNK, and
    small enough for MIN_CHUNKS chunks when the run has enough patients."""
    if override:
        return max(1, override)
    per_chunk = getattr(settings, "MATCHING_PAIRS_PER_CHUNK", PAIRS_PER_CHUNK)
    by_pairs = min(MAX_PATIENTS_PER_CHUNK, max(MIN_PATIENTS_PER_CHUNK, per_chunk // max(1, n_plans)))
    spread = -(-n_patients // MIN_CHUNKS)  # ceiling
    return max(1, min(by_pairs, max(MIN_PATIENTS_PER_CHUNK, spread)))


def request_run(
    *,
    trials: Sequence[str | Trial] | None = None,
    patients: Sequence[str | Patient] | None = None,
    as_of: dt.date,
    idempotency_key: str | None = None,
    user: User | AnonymousUser | None = None,
    include_closed: bool = False,
    patients_per_chunk: int | None = None,
) -> MatchRun:
    """Create a run and its chunks in one transaction and enqueue the chunks after commit.

    `trials`/`patients` None mean all (recruiting trials and open arms unless `include_closed`). The same
    `idempotency_key` returns the run it first created and enqueues nothing (PROMISES 20). Raises
    MatchRequestError naming unknown ids.
    """
    if idempotency_key:
        existing = MatchRun.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    trial_rows, patient_pks = _resolve(trials, patients, include_closed)
    version_pks = _current_versions(trial_rows)
    plans = plans_for(version_pks, include_closed=include_closed, with_criteria=False) if patient_pks else []
    n_plans = len(plans)
    size = chunk_size(n_plans, len(patient_pks), patients_per_chunk)
    slices = [patient_pks[i : i + size] for i in range(0, len(patient_pks), size)] if n_plans else []
    scope = {
        "trials": None if trials is None else [t.trial_id for t in trial_rows],
        "patients": None if patients is None else len(patient_pks),
        "include_closed": include_closed,
    }
    try:
        with transaction.atomic():
            run = MatchRun.objects.create(
                idempotency_key=idempotency_key or uuid.uuid4().hex,
                requested_by=user if user is not None and user.is_authenticated else None,
                as_of=as_of,
                scope=scope,
                criteria_versions=version_pks,
                chunks_total=len(slices),
                pairs_total=len(patient_pks) * n_plans if slices else 0,
            )
            MatchChunk.objects.bulk_create(
                MatchChunk(run=run, index=i, patient_ids=ids) for i, ids in enumerate(slices)
            )
            audit.record(
                actor=user,
                action="matching.run_requested",
                object_type="matching.MatchRun",
                object_id=run.pk,
                details={**scope, "as_of": as_of.isoformat(), "chunks": len(slices), "plans": n_plans},
            )
            if not slices:
                _complete_if_done(run.pk, allow_pending=True)
            MatchChunk.objects.filter(run=run).update(enqueued_at=timezone.now())
            for i in range(len(slices)):
                transaction.on_commit(partial(_enqueue, run.pk, i))
    except IntegrityError:
        # Two callers raced with the same key: the other one's run is the run.
        if idempotency_key:
            return MatchRun.objects.get(idempotency_key=idempotency_key)
        raise
    run.refresh_from_db()
    return run


def _enqueue(run_id: int, chunk: int) -> None:
    from .. import tasks

    tasks.run_match_chunk.delay(run_id=run_id, chunk=chunk)


def requeue_stalled(run: MatchRun, *, stale_after: float = CHUNK_STALL_SECONDS) -> int:
    """Send again the task of every unfinished chunk neither sent nor started for `stale_after` seconds.

    A worker killed as a whole (SIGKILL of its process group) leaves its message unacknowledged in Redis
    until the visibility timeout; this lets the run go on at once. Duplicates are harmless: a chunk
    already done is skipped. Returns the number of chunks sent.
    """
    cutoff = timezone.now() - dt.timedelta(seconds=stale_after)
    stalled = (
        MatchChunk.objects.filter(run=run, run__status__in=[MatchRun.Status.PENDING, MatchRun.Status.RUNNING])
        .exclude(status__in=[MatchChunk.Status.DONE, MatchChunk.Status.FAILED])
        .filter(enqueued_at__lt=cutoff)
        .exclude(started_at__gte=cutoff)
    )
    sent = 0
    for chunk in stalled:
        claimed = MatchChunk.objects.filter(pk=chunk.pk, enqueued_at=chunk.enqueued_at).update(
            enqueued_at=timezone.now()
        )
        if claimed:
            _enqueue(run.pk, chunk.index)
            sent += 1
    return sent


def requeue_all_stalled(*, stale_after: float = CHUNK_STALL_SECONDS) -> int:
    """`requeue_stalled` for every unfinished run (the periodic task): chunks of a lost worker go on even
    when nobody waits on their run. Returns the number of chunks sent."""
    unfinished = MatchRun.objects.filter(status__in=[MatchRun.Status.PENDING, MatchRun.Status.RUNNING])
    return sum(requeue_stalled(run, stale_after=stale_after) for run in unfinished)


def _start_chunk(run_id: int, index: int) -> MatchChunk | None:
    """Count this start; None when there is nothing (left) to do."""
    now = timezone.now()
    MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.PENDING).update(
        status=MatchRun.Status.RUNNING, started_at=now
    )
    started = (
        MatchChunk.objects.filter(run_id=run_id, index=index, run__status=MatchRun.Status.RUNNING)
        .exclude(status__in=[MatchChunk.Status.DONE, MatchChunk.Status.FAILED])
        .update(status=MatchChunk.Status.RUNNING, attempts=F("attempts") + 1, started_at=now)
    )
    if not started:
        return None
    return MatchChunk.objects.select_related("run").get(run_id=run_id, index=index)


def execute_chunk(*, run_id: int, chunk: int) -> None:
    """Evaluate one chunk and store its results; safe to run any number of times.

    The chunk's pairs' results are replaced in one transaction with the chunk marked done and the run's
    progress counted, so a redelivered or concurrent copy changes nothing. Transient database errors are
    re-raised for the task to retry until the chunk has been started MAX_CHUNK_ATTEMPTS times; any other
    error fails the run at once with the reason (it would fail again).
    """
    row = _start_chunk(run_id, chunk)
    if row is None:
        _complete_if_done(run_id)
        return
    if row.attempts > MAX_CHUNK_ATTEMPTS:
        reason = row.last_error or "its worker was lost every time"
        fail_run(run_id, chunk, f"chunk {chunk} failed {row.attempts - 1} times; last error: {reason}")
        return
    began = time.monotonic()
    try:
        plans = _plans_of(row.run)
        computed = results.compute(plans, row.patient_ids, row.run.as_of)
        with transaction.atomic():
            locked = MatchChunk.objects.select_for_update().get(pk=row.pk)
            if locked.status != MatchChunk.Status.RUNNING:
                return
            pairs = results.replace(row.run, chunk, plans, row.patient_ids, computed)
            seconds = time.monotonic() - began
            MatchChunk.objects.filter(pk=row.pk).update(
                status=MatchChunk.Status.DONE, pairs=pairs, seconds=seconds, last_error=""
            )
            counted = MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.RUNNING).update(
                chunks_done=F("chunks_done") + 1, pairs_done=F("pairs_done") + pairs
            )
            if not counted:
                transaction.set_rollback(True)
                return
            _complete_if_done(run_id)
    except TRANSIENT_ERRORS as exc:
        _note_error(row.pk, exc)
        if row.attempts >= MAX_CHUNK_ATTEMPTS:
            fail_run(
                run_id, chunk, f"chunk {chunk} failed {row.attempts} times; last error: {_describe(exc)}"
            )
            return
        raise
    except CriteriaError as exc:
        fail_run(run_id, chunk, f"chunk {chunk}: {exc}")
        return
    except Exception as exc:
        fail_run(run_id, chunk, f"chunk {chunk}: {_describe(exc)}")
        return
    _update_rate(run_id)


_RUN_PLANS: OrderedDict[tuple[int, str, str], list[Plan]] = OrderedDict()
_VERSION_PLANS: OrderedDict[tuple[int, str, bool], list[Plan]] = OrderedDict()
_VERSION_PLANS_SIZE = 20_000


def _plans_of(run: MatchRun) -> list[Plan]:
    """The run's plans, read and checked once per worker process and run (the next chunks of the run in
    this process reuse them): a run is pinned to its criteria versions. On PostgreSQL, also once per
    version and content: the next run (an incremental re-match, or a run after one new version) reads only
    the versions whose content it has not seen."""
    # A primary key alone can come back (SQLite reuses them after a rollback); with key and time it cannot.
    key = (run.pk, run.idempotency_key, run.created_at.isoformat())
    found = _RUN_PLANS.get(key)
    if found is None:
        include_closed = bool(run.scope.get("include_closed"))
        digests = _version_digests(run.criteria_versions)
        if digests is None:
            found = plans_for(run.criteria_versions, include_closed=include_closed)
        else:
            found = _plans_by_version(digests, include_closed)
        _RUN_PLANS[key] = found
        while len(_RUN_PLANS) > 2:
            _RUN_PLANS.popitem(last=False)
    return found


def _plans_by_version(digests: dict[int, str], include_closed: bool) -> list[Plan]:
    missing = [pk for pk, d in digests.items() if (pk, d, include_closed) not in _VERSION_PLANS]
    if missing:
        fresh: dict[int, list[Plan]] = {pk: [] for pk in missing}
        for plan in plans_for(missing, include_closed=include_closed):
            fresh[plan.version_pk].append(plan)
        for pk, plans in fresh.items():
            _VERSION_PLANS[(pk, digests[pk], include_closed)] = plans
        while len(_VERSION_PLANS) > _VERSION_PLANS_SIZE:
            _VERSION_PLANS.popitem(last=False)
    groups = [_VERSION_PLANS[(pk, d, include_closed)] for pk, d in digests.items()]
    # In plans_for's order: by trial id (a run has one version per trial), arms in order within.
    groups.sort(key=lambda plans: plans[0].trial_id if plans else "")
    return [plan for plans in groups for plan in plans]


def _version_digests(version_pks: Sequence[int]) -> dict[int, str] | None:
    """Per version, a digest of everything `plans_for` reads of it (its criteria and structured fields,
    its trial's key, age and sex fields, the trial's arms), hashed by PostgreSQL; None elsewhere (no caching
    across runs)."""
    if connection.vendor != "postgresql" or not version_pks:
        return None
    ids = [int(pk) for pk in version_pks]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT v.id, md5(
                v.id || ':' || v.number || ':' || md5(COALESCE(v.parsed::text, '~')) || ':'
                || COALESCE(v.current_revision_id::text, '') || ':' || md5(v.review_flags::text) || ':'
                || COALESCE(v.approved_at::text, '') || ':'
                || md5(COALESCE(v.structured::text, '~')) || ':' || md5(v.text) || ':' || t.id || ':'
                || t.trial_id || ':'
                || COALESCE(t.min_age_years::text, '') || ':' || COALESCE(t.max_age_years::text, '') || ':'
                || t.sex || ':' || COALESCE((
                    SELECT string_agg(a.id || '/' || a.code || '/' || a.status || '/'
                        || COALESCE(a.parent_id::text, ''), ',' ORDER BY a.id)
                    FROM trials_arm a WHERE a.trial_id = t.id
                ), '')
            )
            FROM trials_criteriaversion v JOIN trials_trial t ON t.id = v.trial_id
            WHERE v.id = ANY(%s)
            ORDER BY v.id
            """,
            [ids],
        )
        return {int(pk): digest for pk, digest in cursor.fetchall()}


def _describe(exc: BaseException) -> str:
    # The class and constraint or field name only: database messages can quote row values (PROMISES 22).
    return safe_reason(exc)[:1000]


def _note_error(chunk_pk: int, exc: BaseException) -> None:
    with contextlib.suppress(*TRANSIENT_ERRORS):
        MatchChunk.objects.filter(pk=chunk_pk).update(last_error=_describe(exc))


def _update_rate(run_id: int) -> None:
    run = MatchRun.objects.filter(pk=run_id).first()
    if run is None or run.started_at is None:
        return
    now = timezone.now()
    elapsed = max((now - run.started_at).total_seconds(), 1e-6)
    rate = run.pairs_done / elapsed
    remaining = run.pairs_total - run.pairs_done
    eta = now + dt.timedelta(seconds=remaining / rate) if rate > 0 else None
    changes: dict[str, Any] = {"pairs_per_second": rate}
    if run.status == MatchRun.Status.RUNNING:
        changes["eta"] = eta
    MatchRun.objects.filter(pk=run_id).update(**changes)


def _complete_if_done(run_id: int, *, allow_pending: bool = False) -> bool:
    """Complete the run if the database says every chunk is done; only one caller wins. Nothing is left to
    do then: results are ranked when read."""
    statuses = (
        [MatchRun.Status.RUNNING, MatchRun.Status.PENDING] if allow_pending else [MatchRun.Status.RUNNING]
    )
    with transaction.atomic():
        now = timezone.now()
        won = MatchRun.objects.filter(pk=run_id, status__in=statuses, chunks_done=F("chunks_total")).update(
            status=MatchRun.Status.COMPLETED, finished_at=now, eta=now
        )
        if not won:
            return False
        MatchRun.objects.filter(pk=run_id, started_at__isnull=True).update(started_at=now)
        run = MatchRun.objects.get(pk=run_id)
        audit.record(
            actor=None,
            actor_label="matching",
            action="matching.run_completed",
            object_type="matching.MatchRun",
            object_id=run_id,
            details={"pairs": run.pairs_done, "chunks": run.chunks_total},
        )
        flagged = review.flag_implausible_cohorts(run)
        if flagged:
            rematch_later(criteria_version_ids=flagged)  # their pairs are now at best possible
    return True


def fail_run(run_id: int, chunk: int | None, reason: str) -> bool:
    """Mark the run FAILED with the reason, audited (PROMISES 21); only the first failure is recorded."""
    with transaction.atomic():
        if chunk is not None:
            MatchChunk.objects.filter(run_id=run_id, index=chunk).update(
                status=MatchChunk.Status.FAILED, last_error=reason[:2000]
            )
        now = timezone.now()
        failed = MatchRun.objects.filter(
            pk=run_id, status__in=[MatchRun.Status.PENDING, MatchRun.Status.RUNNING]
        ).update(status=MatchRun.Status.FAILED, failure_reason=reason[:2000], finished_at=now, eta=None)
        if not failed:
            return False
        audit.record(
            actor=None,
            actor_label="matching",
            action="matching.run_failed",
            object_type="matching.MatchRun",
            object_id=run_id,
            field="status",
            old="running",
            new="failed",
            reason=reason[:2000],
        )
    return True


def wait_for_run(
    run: MatchRun,
    *,
    timeout: float | None = None,
    poll: float = 0.5,
    stale_after: float = CHUNK_STALL_SECONDS,
) -> MatchRun:
    """Poll the database until the run is completed or failed (or the timeout passes); returns it fresh.
    Meanwhile re-sends chunks that stalled (lost with their worker) for `stale_after` seconds."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        run.refresh_from_db()
        if run.status in (MatchRun.Status.PENDING, MatchRun.Status.RUNNING):
            requeue_stalled(run, stale_after=stale_after)
            run.refresh_from_db()
        if run.status in (MatchRun.Status.COMPLETED, MatchRun.Status.FAILED):
            return run
        if deadline is not None and time.monotonic() > deadline:
            return run
        time.sleep(poll)
