"""Files to resources: FHIR Bundle JSON and bulk-export NDJSON, streamed, with where each came from."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import orjson

from .facts import Location, Problem
from .validation import is_resource_type


def parse_json(raw: bytes) -> Any:
    """`json.loads`, parsed by orjson; what orjson refuses goes to `json` for its verdict and message."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)  # raises json's own error, or reads what only `json` accepts (NaN, BOM...)


@dataclass
class Entry:
    where: Location
    resource: dict[str, Any] | None
    full_url: str = ""
    problem: Problem | None = None


def ndjson_type(name: str) -> str | None:
    """The resource type a bulk-export file name promises (`Condition.000.ndjson` -> Condition), if any."""
    stem = PurePath(name).name.split(".")[0]
    return stem if is_resource_type(stem) else None


def load_bundle(name: str, raw: bytes) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The entries of a Bundle file, or the problems that make it unreadable."""
    where = Location(name)
    try:
        doc = parse_json(raw)
    except UnicodeDecodeError:
        return [], [Problem.at(where, "file is not UTF-8 text", code="encoding")]
    except json.JSONDecodeError as exc:
        return [], [Problem(name, f"bad JSON: {exc.msg}", line=exc.lineno, code="json")]
    if not isinstance(doc, dict):
        return [], [Problem.at(where, "expected a JSON object (a FHIR Bundle)", code="structure")]
    if doc.get("resourceType") != "Bundle":
        found = str(doc.get("resourceType"))[:40]
        return [], [
            Problem.at(
                where, f"resourceType is {found!r}, expected 'Bundle'", "resourceType", "resource-type"
            )
        ]
    entries = doc.get("entry") or []
    if not isinstance(entries, list):
        return [], [Problem.at(where, "Bundle.entry is not a list", "Bundle.entry", "structure")]
    return entries, []


def bundle_entries(name: str, entries: list[Any]) -> Iterator[Entry]:
    """Patient entries first (facts need their patient), then the rest in file order."""
    for want_patients in (True, False):
        for i, item in enumerate(entries):
            where = Location(name, entry=i)
            resource = item.get("resource") if isinstance(item, dict) else None
            if not isinstance(resource, dict):
                if want_patients:
                    yield Entry(
                        where,
                        None,
                        problem=Problem.at(
                            where, "entry has no resource", f"Bundle.entry[{i}].resource", "required"
                        ),
                    )
                continue
            if (resource.get("resourceType") == "Patient") != want_patients:
                continue
            yield Entry(where, resource, full_url=str(item.get("fullUrl") or ""))


def ndjson_entries(name: str, lines: Iterable[bytes]) -> Iterator[Entry]:
    expected = ndjson_type(name)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = Location(name, line=number)
        try:
            resource = parse_json(line)
        except UnicodeDecodeError:
            yield Entry(where, None, problem=Problem.at(where, "line is not UTF-8 text", code="encoding"))
            continue
        except json.JSONDecodeError as exc:
            yield Entry(
                where,
                None,
                problem=Problem.at(where, f"bad JSON: {exc.msg} (column {exc.colno})", code="json"),
            )
            continue
        if not isinstance(resource, dict):
            yield Entry(where, None, problem=Problem.at(where, "line is not a JSON object", code="structure"))
            continue
        found = resource.get("resourceType")
        if expected and found != expected:
            msg = f"resourceType is {str(found)[:40]!r} in a {expected} file"
            yield Entry(where, None, problem=Problem.at(where, msg, "resourceType", "resource-type"))
            continue
        yield Entry(where, resource)
