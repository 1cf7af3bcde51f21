"""Load benchmark of the coordinator pages on PostgreSQL: 20 concurrent signed-in coordinators (Locust,
headless, loopback only, bounded in time) against gunicorn, with 100,000 patients and 1,000 trials seeded
(benchmarks/ui_seed.py). Prints p50/p95 per page as JSON.

    python benchmarks/ui_load.py --database-url postgres://postgres@127.0.0.1:5432/trialmatch_ui_bench --json

Needs `pip install -e ".[bench]"` (locust, gunicorn). Drops and recreates the named database.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _recreate(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _wait(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"server did not answer at {url}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=90)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--trials", type=int, default=1_000)
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": args.database_url, "DJANGO_SETTINGS_MODULE": "trialmatch.settings"}
    env.pop("REDIS_URL", None)
    py = str(BIN / "python")

    if not args.skip_seed:
        _recreate(args.database_url)
        subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        seed = [py, "benchmarks/ui_seed.py", "--patients", str(args.patients), "--trials", str(args.trials)]
        print(
            subprocess.run(
                seed, cwd=ROOT, env=env, check=True, capture_output=True, text=True
            ).stdout.strip(),
            file=sys.stderr,
        )
    ids = subprocess.run(
        [
            py,
            "-c",
            "import django; django.setup();"
            "from apps.patients.models import Patient; from apps.trials.models import Trial;"
            "print(Trial.objects.order_by('pk').values_list('pk', flat=True).first());"
            "own = Patient.objects.filter(site__code='site-0').values_list('pk', flat=True)[:500];"
            "print(','.join(str(p) for p in own))",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    env.update(UI_BENCH_FIRST_TRIAL_PK=ids[0], UI_BENCH_PATIENTS=ids[1], UI_BENCH_TRIALS=str(args.trials))

    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "trialmatch.wsgi",
            "-b",
            f"127.0.0.1:{args.port}",
            "-w",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait(f"{base}/accounts/login/")
        with tempfile.TemporaryDirectory() as out:
            prefix = str(Path(out) / "ui")
            load = subprocess.run(
                [
                    str(BIN / "locust"),
                    "-f",
                    "benchmarks/ui_locustfile.py",
                    "--headless",
                    "-u",
                    str(args.users),
                    "-r",
                    str(args.users),
                    "-t",
                    f"{args.seconds}s",
                    "--host",
                    base,
                    "--csv",
                    prefix,
                    "--only-summary",
                ],
                cwd=ROOT,
                env=env,
                check=False,
                capture_output=True,
                text=True,
                timeout=args.seconds + 120,
            )
            if not Path(f"{prefix}_stats.csv").exists():
                raise SystemExit(f"locust wrote no statistics: {load.stderr[-2000:]}")
            with open(f"{prefix}_stats.csv") as fh:
                rows = list(csv.DictReader(fh))
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    pages = {
        r["Name"]: {
            "requests": int(r["Request Count"]),
            "failures": int(r["Failure Count"]),
            "p50_ms": float(r["50%"]),
            "p95_ms": float(r["95%"]),
        }
        for r in rows
    }
    result = {"users": args.users, "seconds": args.seconds, "workers": args.workers, "pages": pages}
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
