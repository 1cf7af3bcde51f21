"""Stream a synthetic cohort to disk as bulk-export NDJSON or one collection Bundle per patient."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from .fhir import Resource

NDJSON_TYPES = ("Patient", "Condition", "Observation", "MedicationStatement", "Procedure")


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _line(resource: Resource) -> str:
    return _COMPACT.encode(resource) + "\n"


def write_ndjson(patients: Iterable[list[Resource]], out: Path) -> Counter[str]:
    """One `<Type>.000.ndjson` file per resource type, written as patients arrive (bounded memory)."""
    out.mkdir(parents=True, exist_ok=True)
    counts: Counter[str] = Counter()
    handles: dict[str, IO[str]] = {}
    try:
        for kind in NDJSON_TYPES:
            handles[kind] = (out / f"{kind}.000.ndjson").open("w", encoding="utf-8", newline="\n")
        for resources in patients:
            for resource in resources:
                kind = resource["resourceType"]
                handles[kind].write(_line(resource))
                counts[kind] += 1
    finally:
        for handle in handles.values():
            handle.close()
    return counts


def write_bundles(patients: Iterable[list[Resource]], out: Path, timestamp: str) -> Counter[str]:
    """One `<patient-id>.json` collection Bundle per patient; resources must use urn:uuid references."""
    out.mkdir(parents=True, exist_ok=True)
    counts: Counter[str] = Counter()
    for resources in patients:
        pid = resources[0]["id"]
        bundle = {
            "resourceType": "Bundle",
            "id": pid,
            "type": "collection",
            "timestamp": timestamp,
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
        }
        (out / f"{pid}.json").write_text(
            json.dumps(bundle, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        counts["Bundle"] += 1
        counts.update(r["resourceType"] for r in resources)
    return counts


def existing_outputs(out: Path) -> list[Path]:
    """Files a previous run may have left in `out` (NDJSON of our types, Bundle JSON files)."""
    if not out.is_dir():
        return []
    return sorted(p for p in out.iterdir() if p.is_file() and p.suffix in (".ndjson", ".json"))
