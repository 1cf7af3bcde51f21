"""Throughput and peak memory of `import_patients` on a large bulk-export NDJSON folder.

    .venv/bin/python benchmarks/import_patients.py [--resources 100000] [--export DIR] [--database-url URL]
                                                   [--keep] [--json]

Builds an export by replicating the Synthea sample (shared/data/fhir/synthea-10-patients) with new ids
(each resource id and every reference to it gets a per-copy suffix; files split at 20,000 lines like a
real bulk export), or takes an existing export folder (`--export`, e.g. from `generate_cohort`), imports
it with `manage.py import_patients` into a fresh SQLite database in its own process, then imports it
again (nothing changes). Reports resources/s, CPU seconds and the peak RSS of each run. With
`--database-url` (e.g. postgres://postgres@127.0.0.1:5432/tm_bench) that database is migrated and
EMPTIED (`manage.py flush`) first, then used instead of SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRIALMATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
SAMPLE = SHARED / "fhir" / "synthea-10-patients"
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
LINES_PER_FILE = 20_000


def build_export(folder: Path, target: int) -> int:
    sample = {p.name.split(".")[0]: p.read_bytes().splitlines() for p in sorted(SAMPLE.glob("*.ndjson"))}
    per_copy = sum(len(lines) for lines in sample.values())
    copies = max(1, -(-target // per_copy))
    total = 0
    for rtype, lines in sample.items():
        part, written, out = 0, 0, None
        for copy in range(copies):
            suffix = f"-r{copy}".encode()
            for line in lines:
                if out is None or written == LINES_PER_FILE:
                    if out is not None:
                        out.close()
                    out = (folder / f"{rtype}.{part:03d}.ndjson").open("wb")
                    part, written = part + 1, 0
                out.write(UUID.sub(lambda m, s=suffix: m.group(0) + s, line) + b"\n")
                written += 1
                total += 1
        if out is not None:
            out.close()
    return total


def run(env: dict[str, str], *args: str) -> tuple[float, float, str, float]:
    """Seconds, peak RSS (MB) of this child (largest of it and its workers), stdout, CPU seconds."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(
            [sys.executable, "manage.py", *args], cwd=REPO, env=env, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(child.pid, 0)  # this child's own usage, not earlier children's
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if child.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{stderr[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, stdout, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--export", type=Path, help="import this export folder instead of building one")
    parser.add_argument("--database-url", help="migrate, EMPTY and use this database instead of SQLite")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    if args.export:
        export = args.export
        total = sum(sum(1 for line in p.open("rb") if line.strip()) for p in export.glob("*.ndjson"))
    else:
        export = work / "export"
        export.mkdir()
        total = build_export(export, args.resources)
    size_mb = sum(p.stat().st_size for p in export.iterdir()) / 1e6
    database = args.database_url or f"sqlite:///{work / 'bench.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": database}
    run(env, "migrate", "-v0")
    if args.database_url:
        run(env, "flush", "--no-input", "-v0")
    first_s, first_rss, _, first_cpu = run(env, "import_patients", str(export))
    second_s, second_rss, out, second_cpu = run(env, "import_patients", str(export))
    result = {
        "database": database.split(":", 1)[0],
        "resources": total,
        "export_mb": round(size_mb, 1),
        "first_import_seconds": round(first_s, 1),
        "first_import_cpu_seconds": round(first_cpu, 1),
        "first_resources_per_second": round(total / first_s),
        "reimport_seconds": round(second_s, 1),
        "reimport_cpu_seconds": round(second_cpu, 1),
        "reimport_resources_per_second": round(total / second_s),
        "peak_rss_mb": round(max(first_rss, second_rss)),
        "reimport_changed_nothing": "rows: no changes" in out,
    }
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    if not args.keep:
        for path in sorted(work.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        work.rmdir()


if __name__ == "__main__":
    main()
