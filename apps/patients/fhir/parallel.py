"""Validating a stream of entries in worker processes, ahead of the importer, in the stream's order.

fhir.resources validation is most of an import's CPU time and depends on nothing but the resource, so
worker processes validate chunks of the coming entries while the importer reads and stores the current
ones. Workers get each resource as JSON text and return only (FHIR path, message) pairs; they import no
Django. With `workers=0`, or for a resource that JSON text would not carry exactly, validation runs here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

import orjson

from .sources import Entry, parse_json
from .validation import validate

Errors = list[tuple[str, str]]
CHUNK = 250  # entries a worker validates per task
AHEAD = 3  # tasks queued per worker: bounds the entries held in memory


def default_workers() -> int:
    """One fewer than the CPUs this process may use (the importer keeps one), at most 4; none inside a
    daemonic process (e.g. a Celery prefork worker), which may not start processes."""
    if multiprocessing.current_process().daemon:
        return 0
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(0, min(4, cpus - 1))


def _validate_texts(texts: list[bytes]) -> list[Errors]:
    return [validate(parse_json(text)) for text in texts]


def _text(entry: Entry) -> bytes | None:
    """The resource as JSON text, or None when orjson would not write it back exactly (NaN, Infinity)."""
    if entry.resource is None:
        return None
    try:
        text = orjson.dumps(entry.resource)
    except TypeError:  # e.g. an integer over 64 bits, read by `json`
        return None
    return None if b"null" in text else text  # orjson writes NaN and Infinity as null


def validated(entries: Iterable[Entry], workers: int) -> Generator[tuple[Entry, Errors], None, None]:
    """Each entry with its validation errors ([] for valid, and for entries without a resource)."""
    if workers <= 0:
        for entry in entries:
            yield entry, (validate(entry.resource) if entry.resource is not None else [])
        return
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    pending: deque[tuple[list[Entry], list[bytes | None], Future[list[Errors]]]] = deque()
    stream = iter(entries)
    try:
        while True:
            chunk = list(islice(stream, CHUNK))
            if chunk:
                texts = [_text(entry) for entry in chunk]
                future = pool.submit(_validate_texts, [t for t in texts if t is not None])
                pending.append((chunk, texts, future))
            if pending and (not chunk or len(pending) >= AHEAD * workers):
                yield from _results(*pending.popleft())
            if not chunk and not pending:
                return
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _results(
    chunk: list[Entry], texts: list[bytes | None], future: Future[list[Errors]]
) -> Iterator[tuple[Entry, Errors]]:
    remote = iter(future.result())
    for entry, text in zip(chunk, texts, strict=True):
        if text is not None:
            yield entry, next(remote)
        else:
            yield entry, (validate(entry.resource) if entry.resource is not None else [])
