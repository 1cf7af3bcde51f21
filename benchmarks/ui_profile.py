"""One request at a time through Django's test client against a seeded database (benchmarks/ui_seed.py):
per page, the median time over a few requests, the number of SQL queries and the slowest ones.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trialmatch_ui_bench python benchmarks/ui_profile.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialmatch.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.patients.models import Patient  # noqa: E402
from apps.trials.models import Trial  # noqa: E402


def pages() -> dict[str, str]:
    first = Trial.objects.order_by("pk").values_list("pk", flat=True)[0]
    other = Trial.objects.order_by("pk").values_list("pk", flat=True)[500]
    patient = Patient.objects.filter(site__code="site-0").order_by("pk").values_list("pk", flat=True)[10]
    return {
        "home": "/",
        "trials list": "/trials/?page=7",
        "trials search": "/trials/?q=lung&phase=PHASE2",
        "trial worklist": f"/trials/{other}/",
        "big trial, page n": f"/trials/{first}/?page=120&sort=score",
        "patient": f"/patients/{patient}/",
        "match": f"/patients/{patient}/trials/{other}/",
        "runs": "/runs/",
        "missing data": "/worklist/missing-data/",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="")
    parser.add_argument("--queries", type=int, default=3, help="slowest queries shown per page")
    args = parser.parse_args()
    client = Client()
    client.force_login(User.objects.get(username="bench"))
    for name, url in pages().items():
        if args.only and args.only not in name:
            continue
        client.get(url)  # warm
        times = []
        for _ in range(args.repeat):
            reset_queries()
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                times.append(1000 * (time.perf_counter() - started))
        slow = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[: args.queries]
        median = statistics.median(times)
        print(f"{name:20} {response.status_code} {median:8.1f} ms  {len(ctx)} queries  {url}")
        for q in slow:
            print(f"    {float(q['time']) * 1000:7.1f} ms  {q['sql'][:220]}")


if __name__ == "__main__":
    main()
