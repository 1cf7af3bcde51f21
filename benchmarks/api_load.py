"""Load benchmark of the sponsor API: C concurrent sponsor clients on loopback for S seconds.

    python benchmarks/api_load.py --url http://127.0.0.1:8000 --trial NCT... --token TOKEN [--token ...]
        [--clients 50] [--seconds 30] [--json]

Serve the app first with the per-token throttle raised (e.g. `API_TOKEN_RATE=1000000/minute python
manage.py runserver --noreload`), or give one token per client. Each client loops over feasibility,
attrition and a what-if (drop the first criterion) of `--trial`; prints p50/p95 latency and throughput per
endpoint. Every request writes its access row, as in production. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor


def _request(url: str, token: str, body: dict[str, object] | None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""  # connection refused or reset: counted as status 0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--trial", required=True)
    parser.add_argument("--token", action="append", required=True)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    base = f"{args.url.rstrip('/')}/api/v1/trials/{args.trial}"
    status, body = _request(f"{base}/attrition/", args.token[0], None)
    if status != 200:
        raise SystemExit(f"attrition of {args.trial} answered {status}: {body[:300]!r}")
    first = json.loads(body)["steps"][0]["criterion"] if json.loads(body)["steps"] else None
    endpoints = [
        ("feasibility", f"{base}/feasibility/", None),
        ("attrition", f"{base}/attrition/", None),
        ("what-if", f"{base}/what-if/", {"drop": [first] if first else []}),
    ]
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds

    def client(index: int) -> None:
        token = args.token[index % len(args.token)]
        i = index
        while time.monotonic() < deadline:
            name, url, payload = endpoints[i % len(endpoints)]
            started = time.perf_counter()
            code, _ = _request(url, token, payload)
            elapsed = time.perf_counter() - started
            with lock:
                latencies[name].append(elapsed)
                statuses[name][code] += 1
            i += 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        list(pool.map(client, range(args.clients)))
    wall = time.monotonic() - started
    result = {
        "clients": args.clients,
        "seconds": round(wall, 1),
        "endpoints": {
            name: {
                "requests": len(values),
                "per_second": round(len(values) / wall, 1),
                "p50_ms": round(1000 * statistics.median(values), 1),
                "p95_ms": round(1000 * _percentile(values, 0.95), 1),
                "statuses": dict(statuses[name]),
            }
            for name, values in latencies.items()
        },
    }
    if args.json:
        print(json.dumps(result))
    else:
        for name, row in result["endpoints"].items():
            print(
                f"{name:12} {row['requests']:6} requests {row['per_second']:7} /s "
                f"p50 {row['p50_ms']} ms  p95 {row['p95_ms']} ms  {row['statuses']}"
            )


if __name__ == "__main__":
    main()
