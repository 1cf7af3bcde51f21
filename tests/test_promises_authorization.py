"""PROMISES 6: every URL x every role, with the outcome each must get, generated from the URL configuration.

tests/site_map.py walks `get_resolver()` (the admin's URLs included) and fills each path with real objects
of the world it builds: two sites, two sponsors, a user per role, trials, patients, a match run, cohorts.
A URL without a rule below fails `test_every_url_has_a_rule_and_every_rule_a_url`, naming it. `@other`
rows request the same page about another site's objects (another coordinator's cohort, strata,
analysis): a coordinator gets 404, never the page. Every response is also searched for what its role
must never see (other sites' patients, identities, another sponsor's trials: `World.secrets`).

Outcomes: a status code; `login` / `admin-login`: a redirect to the site's / the admin's login page with
`next`. Non-staff users meet the admin exactly as anonymous visitors do (a redirect to its login page);
staff see what their permissions and the read-only model admins allow.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.http.response import HttpResponseBase
from django.shortcuts import resolve_url
from django.urls import reverse

from apps.audit.models import AuditEvent
from tests.site_map import ROLES, World, build_world, endpoints, requests, rule_keys

RULES = """
# URL name or route (@other: another site's objects)anonymous   coordinator sponsor     auditor     admin
coordinator:home                                    login       200         200         200         200
coordinator:trial-list                              login       200         403         403         200
coordinator:trial-detail                            login       200         403         403         200
coordinator:trial-export                            login       200         403         403         200
coordinator:trial-bulk-move                         login       405         403         403         405
coordinator:trial-follow                            login       405         403         403         405
coordinator:criteria-correct                        login       405         403         403         405
coordinator:criteria-approve                        login       405         403         403         405
coordinator:patient-list                            login       200         403         403         200
coordinator:patient-detail                          login       200         403         403         200
coordinator:patient-detail@other                    login       404         403         403         200
coordinator:match-detail                            login       200         403         403         200
coordinator:match-detail@other                      login       404         403         403         200
coordinator:match-explain                           login       200         403         403         200
coordinator:match-explain@other                     login       404         403         403         200
coordinator:match-move                              login       405         403         403         405
coordinator:match-move@other                        login       405         403         403         405
coordinator:match-note                              login       405         403         403         405
coordinator:match-note@other                        login       405         403         403         405
coordinator:match-assign                            login       405         403         403         405
coordinator:match-assign@other                      login       405         403         403         405
coordinator:verdict-flag                            login       405         403         403         405
coordinator:verdict-flag@other                      login       405         403         403         405
coordinator:missing-data                            login       200         403         403         200
coordinator:quality                                 login       200         403         403         200
coordinator:run-list                                login       200         403         403         200
coordinator:run-detail                              login       200         403         403         200
coordinator:run-progress                            login       200         403         403         200
coordinator:import                                  login       200         403         403         200
coordinator:notifications                           login       200         200         200         200
coordinator:notifications-read                      login       405         405         405         405
coordinator:audit                                   login       403         403         200         200
coordinator:audit-verify                            login       403         403         405         405
coordinator:cohort-list                             login       200         403         403         200
coordinator:cohort-detail                           login       200         403         403         200
coordinator:cohort-detail@other                     login       404         403         403         200
coordinator:stratification-detail                   login       200         403         403         200
coordinator:stratification-detail@other             login       404         403         403         200
coordinator:analysis-detail                         login       200         403         403         200
coordinator:analysis-detail@other                   login       404         403         403         200
coordinator:analysis-plot                           login       200         403         403         200
coordinator:analysis-plot@other                     login       404         403         403         200
login                                               200         200         200         200         200
logout                                              405         405         405         405         405
api:schema                                          200         200         200         200         200
api:docs                                            200         200         200         200         200
api:parse                                           401         405         405         405         405
api:trial-list                                      401         200         200         200         200
api:trial-detail                                    401         200         200         200         200
api:trial-detail@other                              401         200         404         200         200
api:trial-feasibility                               401         403         200         403         403
api:trial-feasibility@other                         401         403         404         403         403
api:trial-attrition                                 401         403         200         403         403
api:trial-attrition@other                           401         403         404         403         403
api:trial-what-if                                   401         403         405         403         403
api:trial-what-if@other                             401         403         405         403         403
api:trial-funnel                                    401         403         200         403         403
api:trial-funnel@other                              401         403         404         403         403
api:trial-survival                                  401         403         200         403         403
api:trial-survival@other                            401         403         404         403         403
api:trial-research-subjects                         401         200         403         403         403
api:trial-research-subjects@other                   401         200         403         403         403
api:trial-fhir                                      401         200         200         200         200
api:trial-fhir@other                                401         200         404         200         200
api:run-list                                        401         403         405         403         403
api:run-detail                                      401         403         200         403         403
api:run-detail@other                                401         403         404         403         403
admin:index                                         admin-login admin-login admin-login 200         200
admin:login                                         200         200         200         302         302
admin:logout                                        302         302         302         405         405
admin:password_change                               admin-login admin-login admin-login 200         200
admin:password_change_done                          admin-login admin-login admin-login 200         200
admin:autocomplete                                  admin-login admin-login admin-login 403         200
admin:jsi18n                                        admin-login admin-login admin-login 200         200
admin:view_on_site                                  admin-login admin-login admin-login 404         404
admin:auth_user_password_change                     admin-login admin-login admin-login 403         200
admin:app_list                                      admin-login admin-login admin-login 404         200
admin/(?P<url>.*)$                                  admin-login admin-login admin-login 404         404
admin:auth_group_changelist                         admin-login admin-login admin-login 403         200
admin:auth_group_add                                admin-login admin-login admin-login 403         200
admin:auth_group_history                            admin-login admin-login admin-login 403         200
admin:auth_group_delete                             admin-login admin-login admin-login 403         200
admin:auth_group_change                             admin-login admin-login admin-login 403         200
admin/auth/group/<path:object_id>/                  admin-login admin-login admin-login 302         302
admin:auth_user_changelist                          admin-login admin-login admin-login 403         200
admin:auth_user_add                                 admin-login admin-login admin-login 403         200
admin:auth_user_history                             admin-login admin-login admin-login 403         200
admin:auth_user_delete                              admin-login admin-login admin-login 403         200
admin:auth_user_change                              admin-login admin-login admin-login 403         200
admin/auth/user/<path:object_id>/                   admin-login admin-login admin-login 302         302
admin:accounts_site_changelist                      admin-login admin-login admin-login 403         200
admin:accounts_site_add                             admin-login admin-login admin-login 403         200
admin:accounts_site_history                         admin-login admin-login admin-login 403         200
admin:accounts_site_delete                          admin-login admin-login admin-login 403         200
admin:accounts_site_change                          admin-login admin-login admin-login 403         200
admin/accounts/site/<path:object_id>/               admin-login admin-login admin-login 302         302
admin:accounts_sponsor_changelist                   admin-login admin-login admin-login 403         200
admin:accounts_sponsor_add                          admin-login admin-login admin-login 403         200
admin:accounts_sponsor_history                      admin-login admin-login admin-login 403         200
admin:accounts_sponsor_delete                       admin-login admin-login admin-login 403         200
admin:accounts_sponsor_change                       admin-login admin-login admin-login 403         200
admin/accounts/sponsor/<path:object_id>/            admin-login admin-login admin-login 302         302
admin:accounts_profile_changelist                   admin-login admin-login admin-login 403         200
admin:accounts_profile_add                          admin-login admin-login admin-login 403         200
admin:accounts_profile_history                      admin-login admin-login admin-login 403         200
admin:accounts_profile_delete                       admin-login admin-login admin-login 403         200
admin:accounts_profile_change                       admin-login admin-login admin-login 403         200
admin/accounts/profile/<path:object_id>/            admin-login admin-login admin-login 302         302
admin:accounts_apitoken_changelist                  admin-login admin-login admin-login 403         200
admin:accounts_apitoken_add                         admin-login admin-login admin-login 403         200
admin:accounts_apitoken_history                     admin-login admin-login admin-login 403         200
admin:accounts_apitoken_delete                      admin-login admin-login admin-login 403         403
admin:accounts_apitoken_change                      admin-login admin-login admin-login 403         200
admin/accounts/apitoken/<path:object_id>/           admin-login admin-login admin-login 302         302
admin:audit_auditevent_changelist                   admin-login admin-login admin-login 200         200
admin:audit_auditevent_add                          admin-login admin-login admin-login 403         403
admin:audit_auditevent_history                      admin-login admin-login admin-login 200         200
admin:audit_auditevent_delete                       admin-login admin-login admin-login 403         403
admin:audit_auditevent_change                       admin-login admin-login admin-login 200         200
admin/audit/auditevent/<path:object_id>/            admin-login admin-login admin-login 302         302
admin:trials_trial_upload                           admin-login admin-login admin-login 403         200
admin:trials_trial_changelist                       admin-login admin-login admin-login 200         200
admin:trials_trial_add                              admin-login admin-login admin-login 403         200
admin:trials_trial_history                          admin-login admin-login admin-login 200         200
admin:trials_trial_delete                           admin-login admin-login admin-login 403         403
admin:trials_trial_change                           admin-login admin-login admin-login 200         200
admin/trials/trial/<path:object_id>/                admin-login admin-login admin-login 302         302
admin:trials_arm_changelist                         admin-login admin-login admin-login 403         200
admin:trials_arm_add                                admin-login admin-login admin-login 403         403
admin:trials_arm_history                            admin-login admin-login admin-login 403         200
admin:trials_arm_delete                             admin-login admin-login admin-login 403         403
admin:trials_arm_change                             admin-login admin-login admin-login 403         200
admin/trials/arm/<path:object_id>/                  admin-login admin-login admin-login 302         302
admin:criteria_criteriareview_changelist            admin-login admin-login admin-login 403         200
admin:criteria_criteriareview_add                   admin-login admin-login admin-login 403         403
admin:criteria_criteriareview_history               admin-login admin-login admin-login 403         200
admin:criteria_criteriareview_delete                admin-login admin-login admin-login 403         403
admin:criteria_criteriareview_change                admin-login admin-login admin-login 403         200
admin/criteria/criteriareview/<path:object_id>/     admin-login admin-login admin-login 302         302
admin:criteria_criteriacorrection_changelist        admin-login admin-login admin-login 403         200
admin:criteria_criteriacorrection_add               admin-login admin-login admin-login 403         403
admin:criteria_criteriacorrection_history           admin-login admin-login admin-login 403         200
admin:criteria_criteriacorrection_delete            admin-login admin-login admin-login 403         403
admin:criteria_criteriacorrection_change            admin-login admin-login admin-login 403         200
admin/criteria/criteriacorrection/<path:object_id>/ admin-login admin-login admin-login 302         302
admin:patients_patient_import                       admin-login admin-login admin-login 403         200
admin:patients_patient_changelist                   admin-login admin-login admin-login 403         200
admin:patients_patient_add                          admin-login admin-login admin-login 403         403
admin:patients_patient_history                      admin-login admin-login admin-login 403         200
admin:patients_patient_delete                       admin-login admin-login admin-login 403         403
admin:patients_patient_change                       admin-login admin-login admin-login 403         200
admin/patients/patient/<path:object_id>/            admin-login admin-login admin-login 302         302
admin:patients_patientidentity_changelist           admin-login admin-login admin-login 403         200
admin:patients_patientidentity_add                  admin-login admin-login admin-login 403         403
admin:patients_patientidentity_history              admin-login admin-login admin-login 403         200
admin:patients_patientidentity_delete               admin-login admin-login admin-login 403         403
admin:patients_patientidentity_change               admin-login admin-login admin-login 403         200
admin/patients/patientidentity/<path:object_id>/    admin-login admin-login admin-login 302         302
admin:patients_diagnosis_changelist                 admin-login admin-login admin-login 403         200
admin:patients_diagnosis_add                        admin-login admin-login admin-login 403         403
admin:patients_diagnosis_history                    admin-login admin-login admin-login 403         200
admin:patients_diagnosis_delete                     admin-login admin-login admin-login 403         403
admin:patients_diagnosis_change                     admin-login admin-login admin-login 403         200
admin/patients/diagnosis/<path:object_id>/          admin-login admin-login admin-login 302         302
admin:patients_labobservation_changelist            admin-login admin-login admin-login 403         200
admin:patients_labobservation_add                   admin-login admin-login admin-login 403         403
admin:patients_labobservation_history               admin-login admin-login admin-login 403         200
admin:patients_labobservation_delete                admin-login admin-login admin-login 403         403
admin:patients_labobservation_change                admin-login admin-login admin-login 403         200
admin/patients/labobservation/<path:object_id>/     admin-login admin-login admin-login 302         302
admin:patients_performancestatus_changelist         admin-login admin-login admin-login 403         200
admin:patients_performancestatus_add                admin-login admin-login admin-login 403         403
admin:patients_performancestatus_history            admin-login admin-login admin-login 403         200
admin:patients_performancestatus_delete             admin-login admin-login admin-login 403         403
admin:patients_performancestatus_change             admin-login admin-login admin-login 403         200
admin/patients/performancestatus/<path:object_id>/  admin-login admin-login admin-login 302         302
admin:patients_molecularfinding_changelist          admin-login admin-login admin-login 403         200
admin:patients_molecularfinding_add                 admin-login admin-login admin-login 403         403
admin:patients_molecularfinding_history             admin-login admin-login admin-login 403         200
admin:patients_molecularfinding_delete              admin-login admin-login admin-login 403         403
admin:patients_molecularfinding_change              admin-login admin-login admin-login 403         200
admin/patients/molecularfinding/<path:object_id>/   admin-login admin-login admin-login 302         302
admin:patients_biomarker_changelist                 admin-login admin-login admin-login 403         200
admin:patients_biomarker_add                        admin-login admin-login admin-login 403         403
admin:patients_biomarker_history                    admin-login admin-login admin-login 403         200
admin:patients_biomarker_delete                     admin-login admin-login admin-login 403         403
admin:patients_biomarker_change                     admin-login admin-login admin-login 403         200
admin/patients/biomarker/<path:object_id>/          admin-login admin-login admin-login 302         302
admin:patients_therapy_changelist                   admin-login admin-login admin-login 403         200
admin:patients_therapy_add                          admin-login admin-login admin-login 403         403
admin:patients_therapy_history                      admin-login admin-login admin-login 403         200
admin:patients_therapy_delete                       admin-login admin-login admin-login 403         403
admin:patients_therapy_change                       admin-login admin-login admin-login 403         200
admin/patients/therapy/<path:object_id>/            admin-login admin-login admin-login 302         302
admin:patients_procedure_changelist                 admin-login admin-login admin-login 403         200
admin:patients_procedure_add                        admin-login admin-login admin-login 403         403
admin:patients_procedure_history                    admin-login admin-login admin-login 403         200
admin:patients_procedure_delete                     admin-login admin-login admin-login 403         403
admin:patients_procedure_change                     admin-login admin-login admin-login 403         200
admin/patients/procedure/<path:object_id>/          admin-login admin-login admin-login 302         302
admin:patients_pregnancystatus_changelist           admin-login admin-login admin-login 403         200
admin:patients_pregnancystatus_add                  admin-login admin-login admin-login 403         403
admin:patients_pregnancystatus_history              admin-login admin-login admin-login 403         200
admin:patients_pregnancystatus_delete               admin-login admin-login admin-login 403         403
admin:patients_pregnancystatus_change               admin-login admin-login admin-login 403         200
admin/patients/pregnancystatus/<path:object_id>/    admin-login admin-login admin-login 302         302
admin:patients_followup_changelist                  admin-login admin-login admin-login 403         200
admin:patients_followup_add                         admin-login admin-login admin-login 403         403
admin:patients_followup_history                     admin-login admin-login admin-login 403         200
admin:patients_followup_delete                      admin-login admin-login admin-login 403         403
admin:patients_followup_change                      admin-login admin-login admin-login 403         200
admin/patients/followup/<path:object_id>/           admin-login admin-login admin-login 302         302
admin:matching_matchrun_changelist                  admin-login admin-login admin-login 403         200
admin:matching_matchrun_add                         admin-login admin-login admin-login 403         403
admin:matching_matchrun_history                     admin-login admin-login admin-login 403         200
admin:matching_matchrun_delete                      admin-login admin-login admin-login 403         403
admin:matching_matchrun_change                      admin-login admin-login admin-login 403         200
admin/matching/matchrun/<path:object_id>/           admin-login admin-login admin-login 302         302
admin:matching_match_changelist                     admin-login admin-login admin-login 403         200
admin:matching_match_add                            admin-login admin-login admin-login 403         403
admin:matching_match_history                        admin-login admin-login admin-login 403         200
admin:matching_match_delete                         admin-login admin-login admin-login 403         403
admin:matching_match_change                         admin-login admin-login admin-login 403         200
admin/matching/match/<path:object_id>/              admin-login admin-login admin-login 302         302
admin:matching_matchcount_changelist                admin-login admin-login admin-login 403         200
admin:matching_matchcount_add                       admin-login admin-login admin-login 403         403
admin:matching_matchcount_history                   admin-login admin-login admin-login 403         200
admin:matching_matchcount_delete                    admin-login admin-login admin-login 403         403
admin:matching_matchcount_change                    admin-login admin-login admin-login 403         200
admin/matching/matchcount/<path:object_id>/         admin-login admin-login admin-login 302         302
admin:cohorts_cohort_changelist                     admin-login admin-login admin-login 403         200
admin:cohorts_cohort_add                            admin-login admin-login admin-login 403         200
admin:cohorts_cohort_history                        admin-login admin-login admin-login 403         200
admin:cohorts_cohort_delete                         admin-login admin-login admin-login 403         200
admin:cohorts_cohort_change                         admin-login admin-login admin-login 403         200
admin/cohorts/cohort/<path:object_id>/              admin-login admin-login admin-login 302         302
admin:cohorts_stratification_changelist             admin-login admin-login admin-login 403         200
admin:cohorts_stratification_add                    admin-login admin-login admin-login 403         200
admin:cohorts_stratification_history                admin-login admin-login admin-login 403         200
admin:cohorts_stratification_delete                 admin-login admin-login admin-login 403         200
admin:cohorts_stratification_change                 admin-login admin-login admin-login 403         200
admin/cohorts/stratification/<path:object_id>/      admin-login admin-login admin-login 302         302
admin:cohorts_survivalanalysis_changelist           admin-login admin-login admin-login 403         200
admin:cohorts_survivalanalysis_add                  admin-login admin-login admin-login 403         200
admin:cohorts_survivalanalysis_history              admin-login admin-login admin-login 403         200
admin:cohorts_survivalanalysis_delete               admin-login admin-login admin-login 403         200
admin:cohorts_survivalanalysis_change               admin-login admin-login admin-login 403         200
admin/cohorts/survivalanalysis/<path:object_id>/    admin-login admin-login admin-login 302         302
"""

DENIALS = {"login", "admin-login", "401", "403", "404"}
# Rows a request may add without having been allowed anything: sessions, and the failed-login counter.
BOOKKEEPING = {"sessions.session", "accounts.loginfailure"}


def rules() -> dict[str, dict[str, str]]:
    parsed: dict[str, dict[str, str]] = {}
    for line in RULES.strip().splitlines():
        if line.startswith("#"):
            continue
        key, *outcomes = line.split()
        assert len(outcomes) == len(ROLES), f"rule {key}: one outcome per role {ROLES}"
        assert key not in parsed, f"rule {key} is given twice"
        parsed[key] = dict(zip(ROLES, outcomes, strict=True))
    return parsed


def outcome(response: HttpResponseBase) -> str:
    if response.status_code in (301, 302):
        location = response["Location"]
        for name, login in (
            ("admin-login", reverse("admin:login")),
            ("login", resolve_url(settings.LOGIN_URL)),
        ):
            if location.startswith(f"{login}?next="):
                return name
    return str(response.status_code)


def shown(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    headers = " ".join(f"{k}: {v}" for k, v in response.items())
    return headers + content.decode(errors="replace")


def row_counts() -> dict[str, int]:
    counts = {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label_lower not in BOOKKEEPING and not model._meta.proxy
    }
    # Every API call writes an access row (PROMISES 13), refused or not; what must not grow is changes.
    counts["audit.auditevent"] = AuditEvent.objects.exclude(kind=AuditEvent.Kind.ACCESS).count()
    return counts


def test_every_url_has_a_rule_and_every_rule_a_url() -> None:
    keys = [key for endpoint in endpoints() for key in rule_keys(endpoint)]
    known = rules()

    missing = [key for key in keys if key not in known]
    stale = sorted(set(known) - set(keys))

    assert not missing, f"URLs without an authorization rule in RULES of {__name__}: {missing}"
    assert not stale, f"rules for URLs that no longer exist: {stale}"


def _sweep(world: World, method: str, only: set[str] | None = None, or_else: str = "") -> list[str]:
    """Request every URL as every role; what differs from its rule (or `or_else`) or shows a secret."""
    known = rules()
    wrong = []
    for role in ROLES:
        client = world.client(role)
        for endpoint in endpoints():
            for key, path in requests(endpoint, world):
                expected = known[key][role]
                if only is not None and expected not in only:
                    continue
                response = client.generic(method, path)
                got = outcome(response)
                if got not in (expected, or_else):
                    wrong.append(f"{method} {key} as {role}: expected {expected}, got {got} ({path})")
                leaked = [s for s in world.secrets[role] if s in shown(response)]
                if leaked:
                    wrong.append(f"{method} {key} as {role}: the response shows {leaked} ({path})")
    return wrong


@pytest.mark.django_db
def test_every_url_answers_every_role_as_its_rule_says(django_capture_on_commit_callbacks: Any) -> None:
    world = build_world(django_capture_on_commit_callbacks)

    wrong = _sweep(world, "GET")

    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_a_refused_role_is_refused_a_post_too_and_nothing_changes(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = build_world(django_capture_on_commit_callbacks)
    before = row_counts()

    # A GET-only page refuses a POST with 405 before it looks anything up, for any object alike.
    wrong = _sweep(world, "POST", only=DENIALS, or_else="405")

    assert not wrong, "\n".join(wrong)
    assert row_counts() == before
