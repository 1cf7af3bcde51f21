"""Every URL of the product, filled with real objects, and a signed-in client per role.

The URL list is read from the URL configuration (`get_resolver()`, recursively, the admin's included),
so a new endpoint reaches the tests built on it (PROMISES 6 and 23) without anyone remembering to add it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern

from apps.accounts import services as accounts
from apps.accounts import tokens as api_tokens
from apps.accounts.models import Site, Sponsor
from apps.cohorts import services as cohorts
from apps.criteria import services as criteria
from apps.matching import services as matching
from apps.patients.models import (
    Biomarker,
    LabObservation,
    Patient,
    PatientIdentity,
    PregnancyStatus,
    Procedure,
    Therapy,
)
from apps.trials import services as trials
from apps.trials.models import Trial
from tests.cohorts.helpers import coordinator, lung_cohort

ROLES = ("anonymous", "coordinator", "sponsor", "auditor", "admin")
PASSWORD = "site-map-password-0123"
NSCLC = "Inclusion Criteria:\n- Non-small cell lung cancer"
OWN_TRIAL, OTHER_TRIAL = "NCT90000001", "NCT90000002"
OWN_SPONSOR, OTHER_SPONSOR = "Own Oncology Group", "Other Pharma Inc"


@dataclass(frozen=True)
class Endpoint:
    key: str  # "namespace:name", or the route of an unnamed pattern
    route: str  # the whole route, e.g. "admin/auth/user/<id>/password/"
    params: tuple[str, ...]


def _params(pattern: Any) -> list[str]:
    return list(pattern.converters) if isinstance(pattern, RoutePattern) else list(pattern.regex.groupindex)


def endpoints() -> list[Endpoint]:
    found: list[Endpoint] = []

    def walk(resolver: URLResolver, prefix: str, namespaces: tuple[str, ...], params: list[str]) -> None:
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern).removeprefix("^") if prefix else str(entry.pattern)
            names = [*params, *_params(entry.pattern)]
            if isinstance(entry, URLResolver):
                walk(entry, route, (*namespaces, entry.namespace) if entry.namespace else namespaces, names)
            else:
                assert isinstance(entry, URLPattern)
                key = ":".join((*namespaces, entry.name)) if entry.name else route
                found.append(Endpoint(key, route, tuple(names)))

    walk(get_resolver(), "", (), [])
    return found


def fill(route: str, values: dict[str, str]) -> str:
    """The path of `route` with its parameters (path converters or regex groups) replaced by `values`."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], path)
    return "/" + path.replace("^", "").replace("$", "")


@dataclass
class World:
    """Two sites, two sponsors, a user per role, trials, patients with every kind of fact, a match run,
    and for each coordinator a cohort, a stratification and a survival analysis."""

    users: dict[str, User]
    own: dict[str, Any]  # what the coordinator of the demo site owns
    other: dict[str, Any]  # the same, owned by a coordinator of another site
    # strings a role must never receive, in any response
    secrets: dict[str, list[str]] = field(default_factory=dict)

    # a bearer token per role, for the API (its pages take no sessions)
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, role: str) -> Client:
        if role == "anonymous":
            return Client()
        client = Client(headers={"Authorization": f"Bearer {self.tokens[role]}"})
        client.force_login(self.users[role])
        return client


def _study(nct: str, sponsor: str) -> dict[str, Any]:
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct, "briefTitle": f"Trial {nct}"},
            "statusModule": {"overallStatus": "RECRUITING"},
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": sponsor}},
            "designModule": {"phases": ["PHASE2"]},
            "eligibilityModule": {
                "eligibilityCriteria": "Inclusion Criteria:\n\n* Non-small cell lung cancer\n\n"
                "Exclusion Criteria:\n\n* Pregnancy",
                "minimumAge": "18 Years",
                "sex": "ALL",
            },
            "armsInterventionsModule": {"armGroups": [{"label": "Osimertinib", "type": "EXPERIMENTAL"}]},
        }
    }


def _other_facts(patient: Patient) -> None:
    """The fact kinds the cohort helper does not make, so that every admin page has a row to show."""
    key = patient.key
    LabObservation.objects.create(
        patient=patient, source_id=f"Observation/lab-{key}", loinc="718-7", value=13.0, value_as_recorded=13.0
    )
    Biomarker.objects.create(
        patient=patient, source_id=f"Observation/tmb-{key}", marker="TMB", value_number=4
    )
    Therapy.objects.create(patient=patient, source_id=f"MedicationRequest/{key}", drug_name="carboplatin")
    Procedure.objects.create(patient=patient, source_id=f"Procedure/{key}", kind="surgery")
    PregnancyStatus.objects.create(
        patient=patient, source_id=f"Observation/preg-{key}", status="not_pregnant"
    )


def _analysed_cohort(owner: User, name: str, capture: Callable[..., Any]) -> dict[str, Any]:
    cohort = cohorts.create_ad_hoc_cohort(owner=owner, name=name, criteria_text=NSCLC, statuses=["eligible"])
    with capture(execute=True):
        stratification = cohorts.request_stratification(
            cohort=cohort, kind="biomarker", parameters={"rule": "egfr"}, user=owner
        )
    stratification.refresh_from_db()
    analysis = cohorts.analyse_survival(
        stratification=stratification,
        index_date="diagnosis",
        event="death",
        therapy_line=1,
        covariates=[],
        excluded_groups=["EGFR untested"],
        landmarks=[],
        sponsor_facing=False,
        user=owner,
    )
    return {"cohort": cohort, "stratification": stratification, "analysis": analysis}


def build_world(capture: Callable[..., AbstractContextManager[Any]]) -> World:
    """`capture` is pytest-django's django_capture_on_commit_callbacks: tasks run when enqueued."""
    own_sponsor = Sponsor.objects.create(name=OWN_SPONSOR)
    Sponsor.objects.create(name=OTHER_SPONSOR)
    accounts.create_demo_users(password=PASSWORD, sponsor=own_sponsor)
    users = {u.username: u for u in User.objects.all()}
    own_site = users["coordinator"].profile.sites.get()
    other_site = Site.objects.create(code="elsewhere", name="Elsewhere Hospital")
    dave = coordinator("dave", other_site)

    studies = {"studies": [_study(OWN_TRIAL, OWN_SPONSOR), _study(OTHER_TRIAL, OTHER_SPONSOR)]}
    assert trials.import_bytes("site-map-trials.json", json.dumps(studies).encode()).ok
    own_patients, other_patients = lung_cohort(own_site, 14), lung_cohort(other_site, 14)
    PatientIdentity.objects.filter(patient__site=own_site).update(name="ZZOWN-NAME", mrn="ZZOWN-MRN-1")
    PatientIdentity.objects.filter(patient__site=other_site).update(name="ZZOTHER-NAME", mrn="ZZOTHER-MRN")
    _other_facts(own_patients[0])
    version = Trial.objects.get(trial_id=OTHER_TRIAL).current_version()
    assert version is not None and version.parsed
    criteria.correct(
        version,
        user=users["admin"],
        criterion_id=version.parsed["criteria"][-1]["id"],
        action="drop",
        payload={},
        reason="the world needs a correction",
    )
    with capture(execute=True):
        admin_run = matching.request_run(
            trials=[OWN_TRIAL, OTHER_TRIAL], as_of=dt.date(2024, 1, 1), user=users["admin"]
        )
        sponsor_run = matching.request_run(
            trials=[OWN_TRIAL], as_of=dt.date(2024, 1, 1), user=users["sponsor"]
        )

    world = World(
        users=users,
        own={
            **_analysed_cohort(users["coordinator"], "own lung", capture),
            "patient": own_patients[0],
            "trial": Trial.objects.get(trial_id=OWN_TRIAL),
            "run": sponsor_run,
        },
        other={
            **_analysed_cohort(dave, "other lung", capture),
            "patient": other_patients[0],
            "run": admin_run,
            "trial": Trial.objects.get(trial_id=OTHER_TRIAL),
        },
        tokens={role: api_tokens.issue(users[role], actor=None)[1] for role in ROLES if role != "anonymous"},
    )
    identities = ["ZZOWN-NAME", "ZZOWN-MRN-1", "ZZOTHER-NAME", "ZZOTHER-MRN"]
    patient_keys = [f"pt-{own_site.code}-", f"pt-{other_site.code}-"]
    world.secrets = {
        "anonymous": [*identities, *patient_keys, OWN_TRIAL, OTHER_TRIAL, "own lung", "other lung"],
        "sponsor": [*identities, *patient_keys, OTHER_TRIAL, "own lung", "other lung"],
        "coordinator": ["ZZOTHER-NAME", "ZZOTHER-MRN", f"pt-{other_site.code}-", "other lung"],
        "auditor": identities,
        "admin": [],
    }
    return world


# Parameters of the coordinator pages: which object of the world each page is about.
COORDINATOR_OBJECTS = {
    "coordinator:cohort-detail": "cohort",
    "coordinator:stratification-detail": "stratification",
    "coordinator:analysis-detail": "analysis",
    "coordinator:analysis-plot": "analysis",
    "coordinator:patient-detail": "patient",
}
# Pages about one patient and one trial: the patient is the site's own, or (@other) another site's.
PATIENT_TRIAL_PAGES = {
    "coordinator:match-detail",
    "coordinator:match-explain",
    "coordinator:match-move",
    "coordinator:match-note",
    "coordinator:match-assign",
    "coordinator:verdict-flag",
}
# Pages about an object every coordinator may see (trials, runs): no @other variant.
SHARED_OBJECTS = {
    "coordinator:trial-detail": "trial",
    "coordinator:trial-export": "trial",
    "coordinator:trial-bulk-move": "trial",
    "coordinator:trial-follow": "trial",
    "coordinator:criteria-correct": "trial",
    "coordinator:criteria-approve": "trial",
    "coordinator:run-detail": "run",
    "coordinator:run-progress": "run",
}
FIXED_VALUES = {"plot": "km", "fmt": "svg", "url": "no-such-page/", "app_label": "patients"}
QUERIES = {"admin:autocomplete": "?app_label=accounts&model_name=profile&field_name=sponsor&term=O"}


class MissingParameters(LookupError):
    pass


def _admin_object(route: str) -> Any:
    match = re.match(r"admin/(\w+)/(\w+)/", route)
    if match is None:
        raise MissingParameters(route)
    model = apps.get_model(match.group(1), match.group(2))
    obj = model._default_manager.order_by("pk").first()
    if obj is None:
        raise MissingParameters(f"the world has no {model.__name__} for {route}: add one in build_world")
    return obj


def _api_object(endpoint: Endpoint) -> str | None:
    """What an API route is about: a trial (`trial_id`) or a match run (`pk`), else None."""
    if not endpoint.key.startswith("api:"):
        return None
    if "trial_id" in endpoint.params:
        return "trial"
    if endpoint.params == ("pk",):
        return "run"
    return None


def rule_keys(endpoint: Endpoint) -> list[str]:
    """The keys of the rules an endpoint is checked against (see `requests`)."""
    about_one = (
        endpoint.key in COORDINATOR_OBJECTS
        or endpoint.key in PATIENT_TRIAL_PAGES
        or _api_object(endpoint) is not None
    )
    return [endpoint.key, f"{endpoint.key}@other"] if about_one else [endpoint.key]


def requests(endpoint: Endpoint, world: World) -> Iterator[tuple[str, str]]:
    """(rule key, path) for each request the endpoint is tested with: its key with the world's own objects,
    and `key@other` with another site's objects where the page is about one object."""
    base = {name: FIXED_VALUES[name] for name in endpoint.params if name in FIXED_VALUES}
    wanted = [name for name in endpoint.params if name not in base]
    variants: dict[str, dict[str, str]] = {"": {}}
    api_object = _api_object(endpoint)
    if api_object == "trial" and wanted == ["trial_id"]:
        variants = {"": {"trial_id": OWN_TRIAL}, "@other": {"trial_id": OTHER_TRIAL}}
    elif api_object == "run" and wanted == ["pk"]:
        variants = {"": {"pk": str(world.own["run"].pk)}, "@other": {"pk": str(world.other["run"].pk)}}
    elif wanted == ["pk"] and endpoint.key in COORDINATOR_OBJECTS:
        kind = COORDINATOR_OBJECTS[endpoint.key]
        variants = {"": {"pk": str(world.own[kind].pk)}, "@other": {"pk": str(world.other[kind].pk)}}
    elif wanted == ["pk"] and endpoint.key in SHARED_OBJECTS:
        variants = {"": {"pk": str(world.own[SHARED_OBJECTS[endpoint.key]].pk)}}
    elif wanted == ["pk", "trial_pk"] and endpoint.key in PATIENT_TRIAL_PAGES:
        trial_pk = str(world.own["trial"].pk)
        variants = {
            "": {"pk": str(world.own["patient"].pk), "trial_pk": trial_pk},
            "@other": {"pk": str(world.other["patient"].pk), "trial_pk": trial_pk},
        }
    elif wanted == ["id"] and endpoint.key == "admin:auth_user_password_change":
        variants = {"": {"id": str(world.users["coordinator"].pk)}}
    elif wanted == ["content_type_id", "object_id"]:
        patient = world.own["patient"]
        content_type = ContentType.objects.get_for_model(patient)
        variants = {"": {"content_type_id": str(content_type.pk), "object_id": str(patient.pk)}}
    elif wanted == ["object_id"]:
        variants = {"": {"object_id": str(_admin_object(endpoint.route).pk)}}
    elif wanted:
        raise MissingParameters(f"{endpoint.key}: no values for {wanted}; say which object in site_map.py")
    assert [endpoint.key + suffix for suffix in variants] == rule_keys(endpoint)
    for suffix, values in variants.items():
        path = fill(endpoint.route, {**base, **values})
        assert resolve(path).route == endpoint.route, (endpoint, path)
        yield endpoint.key + suffix, path + QUERIES.get(endpoint.key, "")
