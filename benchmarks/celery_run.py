"""A match run of generated patients against the fixture trials through real Celery workers.

    .venv/bin/python benchmarks/celery_run.py [--patients 20000] [--seed 1] [--workers 2] [--concurrency 1]
        [--pg postgres://postgres@127.0.0.1:5432] [--db tm_bench_match] [--redis redis://127.0.0.1:6379/14]
        [--reuse-db] [--max-seconds S]

Procedure: a fresh PostgreSQL database (`--db`, dropped and created), `migrate`, `import_trials
fixtures/trials`, `generate_cohort --patients N --seed S --out /tmp/cohort_N_S` (once; reused),
`import_patients` of it, then W worker processes (`celery -A trialmatch worker`) on Redis and
`match --json`, timed from the request to the run's completion. `--reuse-db` keeps a database that
already holds the patients (only `migrate`). `--max-seconds` stops waiting after S seconds and reports
the run's progress so far (pairs done and pairs/s); the workers are stopped either way. Prints one JSON
object with the import and match wall times, the run's pairs and pairs/s, and the stored result sizes
(`Match` rows for eligible and possible pairs, ineligible pairs packed in blocks, verdict patterns), with
the contract's fields (../shared/contracts/README.md section 6) at the top level: `match_seconds` runs from
the run's creation (the request) to its completion; `peak_worker_rss_mb` is the largest VmHWM among the
workers' processes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import redis

REPO = Path(__file__).resolve().parents[1]


def manage(env: dict[str, str], *args: str, ok: tuple[int, ...] = (0,)) -> tuple[str, float]:
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    if done.returncode not in ok:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return done.stdout, time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="tm_bench_match")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--reuse-db", action="store_true", help="keep the database and its patients")
    parser.add_argument("--max-seconds", type=float, default=None, help="report progress after S seconds")
    args = parser.parse_args()

    if not args.reuse_db:
        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {args.db} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {args.db}")
    redis.Redis.from_url(args.redis).flushdb()
    # The run is requested explicitly (and timed); imports queue no re-matching of their own.
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.pg}/{args.db}",
        "REDIS_URL": args.redis,
        "MATCHING_REMATCH_AFTER_IMPORT": "0",
    }
    cohort = Path(f"/tmp/cohort_{args.patients}_{args.seed}")
    result: dict[str, object] = {
        "patients": args.patients,
        "workers": args.workers,
        "concurrency": args.concurrency,
    }

    manage(env, "migrate", "--verbosity", "0")
    if args.reuse_db:
        return _match(args, env, result)
    _, result["import_trials_seconds"] = manage(env, "import_trials", str(REPO / "fixtures" / "trials"))
    if not cohort.exists():
        local = {k: v for k, v in env.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        manage(
            local,
            "generate_cohort",
            "--patients",
            str(args.patients),
            "--seed",
            str(args.seed),
            "--out",
            str(cohort),
        )
    _, result["import_patients_seconds"] = manage(env, "import_patients", str(cohort))
    _match(args, env, result)


def _match(args: argparse.Namespace, env: dict[str, str], result: dict[str, object]) -> None:
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "trialmatch",
                "worker",
                "--loglevel=WARNING",
                f"--concurrency={args.concurrency}",
                "--without-gossip",
                "--without-mingle",
                f"--hostname=bench{i}@%h",
            ],
            cwd=REPO,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(args.workers)
    ]
    try:
        time.sleep(5)
        timeout = ["--timeout", str(args.max_seconds)] if args.max_seconds else []
        out, result["match_wall_seconds"] = manage(env, "match", "--json", *timeout, ok=(0, 1))
        run = json.loads(out)
        result["run"] = run
        result["peak_worker_rss_mb"] = round(max(_peak_rss_mb(w.pid) for w in workers), 1)
        # CPU seconds of the workers' processes since they started (steadier than wall time on a busy
        # machine); idle time before the request is a fraction of a second.
        result["worker_cpu_seconds"] = round(sum(_cpu_seconds(w.pid) for w in workers), 1)
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGKILL if args.max_seconds else signal.SIGTERM)
            worker.wait(timeout=60)
    url = f"{args.pg}/{args.db}"
    storage = _storage(url)
    result["storage"] = storage
    stored_pairs = int(storage["match_rows"]) + int(storage["ineligible_pairs"])
    result.update(
        {
            "plans": _plans(url, run["run"]),
            "pairs": run["pairs"],
            "import_seconds": round(
                float(result.get("import_trials_seconds", 0.0))
                + float(result.get("import_patients_seconds", 0.0)),
                1,
            ),
            # From the request (the run's creation) to its completion: results stored, nothing left to rank.
            "match_seconds": _request_to_done(url, run["run"]),
            "eligible": run["eligible"],
            "possible": run["possible"],
            "stored_bytes": storage["total_bytes"],
            "bytes_per_stored_pair": round(int(storage["total_bytes"]) / max(stored_pairs, 1), 1),
            "bytes_per_eligible_or_possible_pair": round(
                int(storage["match_bytes"]) / max(int(storage["match_rows"]), 1), 1
            ),
        }
    )
    result["pairs_per_second"] = round(run["pairs"] / max(float(result["match_seconds"]), 1e-9))
    print(json.dumps(result, indent=2))


def _peak_rss_mb(pid: int) -> float:
    """The largest peak resident set (VmHWM) among a worker's processes (its session: main and pool)."""
    peak = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != pid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except (OSError, ProcessLookupError):
            continue
    return peak / 1024


def _cpu_seconds(sid: int) -> float:
    """User and system CPU seconds of the live processes of a session (a worker: main and pool)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != sid:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ProcessLookupError, IndexError, ValueError):
            continue
    return total / ticks


def _request_to_done(url: str, run_id: int) -> float:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT EXTRACT(EPOCH FROM finished_at - created_at) FROM matching_matchrun WHERE id = %s",
            [run_id],
        ).fetchone()
    return round(float(row[0]), 2) if row and row[0] is not None else float("nan")


def _plans(url: str, run_id: int) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pairs_total FROM matching_matchrun WHERE id = %s", [run_id]).fetchone()
        patients = conn.execute("SELECT COUNT(*) FROM patients_patient").fetchone()
    assert row is not None and patients is not None
    return int(row[0]) // max(int(patients[0]), 1)


def _storage(url: str) -> dict[str, object]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT (SELECT COUNT(*) FROM matching_match), (SELECT COALESCE(SUM(size), 0) FROM "
            "matching_ineligibleblock), (SELECT COUNT(*) FROM matching_ineligibleblock), "
            "(SELECT COUNT(*) FROM matching_verdictpattern), "
            "pg_total_relation_size('matching_match'), pg_relation_size('matching_match'), "
            "pg_total_relation_size('matching_ineligibleblock'), "
            "pg_total_relation_size('matching_verdictpattern'), pg_total_relation_size('matching_matchcount')"
        ).fetchone()
    assert rows is not None
    out = dict(
        zip(
            (
                "match_rows",
                "ineligible_pairs",
                "ineligible_blocks",
                "verdict_patterns",
                "match_bytes",
                "match_heap_bytes",
                "block_bytes",
                "pattern_bytes",
                "count_bytes",
            ),
            rows,
            strict=True,
        )
    )
    out["total_bytes"] = sum(
        int(out[k]) for k in ("match_bytes", "block_bytes", "pattern_bytes", "count_bytes")
    )
    return out


if __name__ == "__main__":
    main()
