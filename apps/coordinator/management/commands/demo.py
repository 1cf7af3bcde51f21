"""Set up the embedded demo: database, real trials, a generated cohort, demo users; optionally serve it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count

from apps.accounts import services as accounts
from apps.accounts.models import Site, Sponsor
from apps.matching.models import Match
from apps.patients.models import Patient
from apps.trials.models import Trial

DEMO_PATIENTS = 2000
DEMO_SEED = 20261101


class Command(BaseCommand):
    help = "Load the demo: real trials, a generated 2,000-patient cohort matched against them, demo users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--serve", action="store_true", help="then serve on 127.0.0.1:8000")
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--patients", type=int, default=DEMO_PATIENTS)
        parser.add_argument("--reload", action="store_true", help="import trials and patients again")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", verbosity=0)
        if options["reload"] or not Trial.objects.exists():
            self.stdout.write("Importing the real trials in fixtures/trials ...")
            call_command("import_trials", str(settings.BASE_DIR / "fixtures" / "trials"))
        if options["reload"] or not Patient.objects.exists():
            cohort = Path(settings.DEMO_DATA_DIR) / f"cohort-{options['patients']}-{DEMO_SEED}"
            if not cohort.exists():
                self.stdout.write(f"Generating {options['patients']} synthetic patients in {cohort} ...")
                call_command("generate_cohort", patients=options["patients"], seed=DEMO_SEED, out=str(cohort))
            self.stdout.write("Importing the generated cohort ...")
            call_command("import_patients", str(cohort))
        if options["reload"] or not Match.objects.exists():
            self.stdout.write("Matching every patient against the recruiting trials ...")
            call_command("match")
        site, _ = Site.objects.get_or_create(
            code=accounts.DEMO_SITE[0], defaults={"name": accounts.DEMO_SITE[1]}
        )
        Patient.objects.filter(site__isnull=True).update(site=site)
        sponsor = Sponsor.objects.annotate(n=Count("trials")).order_by("-n", "name").first()

        password = os.environ.get("DEMO_PASSWORD") or accounts.generated_password()
        accounts.create_demo_users(password=password, sponsor=sponsor)

        self.stdout.write(
            self.style.SUCCESS(
                f"\nTrialMatch demo: {Trial.objects.count()} trials, {Patient.objects.count()} patients, "
                f"{Match.objects.count()} eligible or possible matches.\n"
                f"Open http://{options['addr']}/ and log in as coordinator, sponsor, admin or auditor\n"
                f"with the password: {password}\n"
                + (f"(the sponsor user belongs to {sponsor.name})\n" if sponsor else "")
            )
        )
        if options["serve"]:
            call_command("runserver", options["addr"], use_reloader=False, insecure_serving=True)
