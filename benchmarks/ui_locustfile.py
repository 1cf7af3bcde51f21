"""Locust users for benchmarks/ui_load.py: coordinators signed in, browsing the main pages."""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = "bench-coordinator-password-1"
TRIALS = int(os.environ.get("UI_BENCH_TRIALS", "1000"))
FIRST_TRIAL_PK = int(os.environ.get("UI_BENCH_FIRST_TRIAL_PK", "1"))
PATIENT_PKS = [int(x) for x in os.environ.get("UI_BENCH_PATIENTS", "1").split(",")]


class Coordinator(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/", name="login form")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, "no CSRF token on the login page"
        self.client.post(
            "/accounts/login/",
            {"username": "bench", "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login",
        )

    def _trial(self) -> int:
        return FIRST_TRIAL_PK + random.randrange(TRIALS)

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(3)
    def trials(self) -> None:
        self.client.get(f"/trials/?page={random.randint(1, 20)}", name="trials list")

    @task(1)
    def trial_search(self) -> None:
        self.client.get("/trials/?q=lung&phase=PHASE2", name="trials search")

    @task(4)
    def trial(self) -> None:
        self.client.get(f"/trials/{self._trial()}/", name="trial worklist")

    @task(2)
    def big_trial(self) -> None:
        self.client.get(
            f"/trials/{FIRST_TRIAL_PK}/?page={random.randint(1, 150)}&sort=score", name="big trial, page n"
        )

    @task(3)
    def patient(self) -> None:
        self.client.get(f"/patients/{random.choice(PATIENT_PKS)}/", name="patient")

    @task(2)
    def match(self) -> None:
        self.client.get(f"/patients/{random.choice(PATIENT_PKS)}/trials/{self._trial()}/", name="match")

    @task(1)
    def runs(self) -> None:
        self.client.get("/runs/", name="runs")
