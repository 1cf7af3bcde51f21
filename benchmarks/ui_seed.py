"""Seed a PostgreSQL database for the UI load benchmark: 100,000 patients over 5 sites, 1,000 recruiting
trials with two parsed criteria each, and stored results (a share of each trial's patients eligible or
possible, one trial with 20,000 of them), written with bulk inserts (no matching engine: this measures pages).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trialmatch_ui_bench python benchmarks/ui_seed.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialmatch.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import Profile, Role, Site, Sponsor  # noqa: E402
from apps.accounts.services import ensure_roles  # noqa: E402
from apps.matching.models import Match, MatchCount, MatchRun, VerdictPattern  # noqa: E402
from apps.patients.models import Patient  # noqa: E402
from apps.trials.models import CriteriaVersion, Trial  # noqa: E402

PASSWORD = "bench-coordinator-password-1"
CRITERIA = [
    {
        "id": "I1",
        "section": "inclusion",
        "text": "Non-small cell lung cancer",
        "span": [0, 26],
        "kind": "diagnosis",
        "computable": True,
        "negated": False,
        "rule": {"oncotree": ["NSCLC"]},
        "entities": [],
    },
    {
        "id": "I2",
        "section": "inclusion",
        "text": "ECOG 0-1",
        "span": [27, 35],
        "kind": "performance_status",
        "computable": True,
        "negated": False,
        "rule": {"scale": "ECOG", "min": 0, "max": 1},
        "entities": [],
    },
]
TEXT = "Non-small cell lung cancer\nECOG 0-1"
# Varied facets: each trial's diagnosis and one gene requirement (mutant or wild-type), and its sponsor.
CANCERS = ["NSCLC", "LUAD", "LUSC", "BRCA", "COAD", "MEL"]
GENES = ["EGFR", "KRAS", "ALK", "BRAF", "ERBB2", "MET"]


def criteria_for(i: int) -> list[dict[str, object]]:
    diagnosis = {**CRITERIA[0], "rule": {"oncotree": [CANCERS[i % len(CANCERS)]]}}
    gene = {
        "id": "I3",
        "section": "inclusion",
        "text": "Gene alteration",
        "span": [0, 0],
        "kind": "alteration",
        "computable": True,
        "negated": False,
        "rule": {"gene": GENES[i % len(GENES)], "variant_class": "wild_type" if i % 4 == 0 else "mutation"},
        "entities": [],
    }
    return [diagnosis, CRITERIA[1], gene]


def seed(patients: int, trials: int, per_trial: int, big: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    sites = [Site.objects.create(code=f"site-{i}", name=f"Site {i}") for i in range(5)]
    user = User.objects.create_user("bench", password=PASSWORD)
    user.groups.add(ensure_roles()[Role.COORDINATOR])
    Profile.objects.create(user=user).sites.add(sites[0])
    Patient.objects.bulk_create(
        (
            Patient(
                key=f"pt-{i:06d}",
                sex="female" if i % 2 else "male",
                birth_year=1940 + i % 50,
                site=sites[i % 5],
            )
            for i in range(patients)
        ),
        batch_size=5000,
    )
    pks = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    sponsors = [Sponsor.objects.create(name=f"Sponsor {i}") for i in range(20)]
    Trial.objects.bulk_create(
        Trial(
            trial_id=f"NCT{5000000 + i:08d}",
            source="ctgov",
            title=f"Benchmark trial {i} in lung cancer",
            phase=rng.choice(["PHASE1", "PHASE2", "PHASE3"]),
            overall_status="RECRUITING",
            eligibility_text=TEXT,
            sponsor=sponsors[i % len(sponsors)],
        )
        for i in range(trials)
    )
    trial_rows = list(Trial.objects.order_by("pk"))
    CriteriaVersion.objects.bulk_create(
        CriteriaVersion(trial=t, number=1, text=TEXT, text_sha256="0", parsed={"criteria": criteria_for(i)})
        for i, t in enumerate(trial_rows)
    )
    versions = dict(CriteriaVersion.objects.values_list("trial_id", "pk"))
    run = MatchRun.objects.create(
        idempotency_key="ui-bench", as_of=dt.date.today(), status="completed", finished_at=timezone.now()
    )
    patterns: dict[tuple[int, bool], VerdictPattern] = {}
    for trial_pk, version_pk in versions.items():
        for eligible in (True, False):
            patterns[(trial_pk, eligible)] = VerdictPattern(
                criteria_version_id=version_pk,
                digest="eligible" if eligible else "possible",
                verdicts=[
                    {"id": "I1", "verdict": "met", "evidence": None},
                    {
                        "id": "I2",
                        "verdict": "met" if eligible else "unknown",
                        "evidence": None if eligible else ["ECOG"],
                    },
                ],
                missing=[] if eligible else ["ECOG performance status"],
                met_count=2 if eligible else 1,
                unknown_count=0 if eligible else 1,
            )
    VerdictPattern.objects.bulk_create(patterns.values(), batch_size=2000)
    made = 0
    counts = []
    for n, trial in enumerate(trial_rows):
        chosen = rng.sample(pks, big if n == 0 else per_trial)
        rows = []
        for pk in chosen:
            eligible = rng.random() < 0.4
            rows.append(
                Match(
                    run=run,
                    chunk_index=0,
                    trial=trial,
                    patient_id=pk,
                    criteria_version_id=versions[trial.pk],
                    as_of=run.as_of,
                    status="eligible" if eligible else "possible",
                    score=rng.random(),
                    molecular_fit=None,
                    phenotypic_fit=1.0,
                    unknown_count=0 if eligible else 1,
                    pattern=patterns[(trial.pk, eligible)],
                )
            )
        Match.objects.bulk_create(rows, batch_size=5000)
        n_eligible = sum(r.status == "eligible" for r in rows)
        counts.append(
            MatchCount(
                run=run,
                chunk_index=0,
                trial=trial,
                eligible=n_eligible,
                possible=len(rows) - n_eligible,
                ineligible=patients - len(rows),
            )
        )
        made += len(rows)
    MatchCount.objects.bulk_create(counts, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as autovacuum would gather after a real import
    return {"patients": patients, "trials": trials, "matches": made, "big_trial_matches": big}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--trials", type=int, default=1_000)
    parser.add_argument("--per-trial", type=int, default=200)
    parser.add_argument("--big", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    counts = seed(args.patients, args.trials, args.per_trial, args.big, args.seed)
    print({**counts, "seconds": round(time.perf_counter() - started, 1)})


if __name__ == "__main__":
    main()
