"""After a coordinator uploads patients: give the file's patients without a site the uploader's site (so no
imported patient is invisible) and match them against all recruiting trials.

Belongs in apps.patients.services once intake reads FHIR managingOrganization; kept here so the patients
app is untouched while another engineer works on it."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction

from apps.accounts.models import Site
from apps.audit import services as audit
from apps.matching import services as matching
from apps.matching.models import MatchRun
from apps.patients.models import Patient


def after_patient_upload(*, user: User, file_name: str, since: dt.datetime) -> tuple[int, MatchRun | None]:
    """(patients given the uploader's site, the match run started for the file's new or changed patients)."""
    changed = Patient.objects.filter(source_file=file_name[:500], updated_at__gte=since)
    sites = list(Site.objects.filter(members__user=user))
    claimed = 0
    if len(sites) == 1:
        with transaction.atomic():
            keys = list(changed.filter(site__isnull=True).values_list("key", flat=True))
            claimed = Patient.objects.filter(key__in=keys).update(site=sites[0])
            if claimed:
                audit.record(
                    actor=user,
                    action="patients.site_set_from_uploader",
                    object_type="file",
                    object_id=file_name[:200],
                    field="site",
                    new=sites[0].code,
                    details={"patients": claimed},
                )
    patients = list(changed)
    runs = matching.rematch_after_import(patients=patients) if patients else []
    return claimed, (runs[0] if runs else None)
