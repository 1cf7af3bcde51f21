"""A patient (own sites only) with every trial ranked, one match with its explanation and workflow, and the
workflow's changes (move, bulk move, note, assign, flag a verdict). Patients are always fetched through
`Patient.objects.visible_to`: another site's patient is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.models import Role
from apps.audit import services as audit
from apps.audit.models import AuditEvent
from apps.matching import selectors
from apps.matching import services as matching
from apps.patients.models import Patient
from apps.screening import services as screening
from apps.screening import workflow
from apps.trials.models import Arm, Trial

from . import criteria_text
from .access import coordinator_page, user_of
from .forms import (
    ArmChoiceForm,
    AssignForm,
    BulkMoveForm,
    FlagForm,
    FollowForm,
    MoveForm,
    NoteForm,
    PatientSearchForm,
)


def _patient(request: HttpRequest, pk: int) -> Patient:
    return get_object_or_404(Patient.objects.visible_to(request.user).select_related("site"), pk=pk)


def _trial(request: HttpRequest, pk: int) -> Trial:
    return get_object_or_404(Trial.objects.visible_to(request.user), pk=pk)


def _arm(request: HttpRequest, trial: Trial) -> Arm | None:
    form = ArmChoiceForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid() or not form.cleaned_data["arm"]:
        return None
    return get_object_or_404(Arm, pk=form.cleaned_data["arm"], trial=trial)


@require_GET
@coordinator_page
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    patient = _patient(request, pk)
    show_identity = request.GET.get("identify") == "1"
    audit.record(
        actor=user,
        kind=AuditEvent.Kind.ACCESS,
        action="patients.identity_viewed" if show_identity else "patients.record_viewed",
        object_type="patients.Patient",
        object_id=patient.pk,
        details={"identifiers": show_identity},
    )
    matches = list(selectors.for_patient(patient))
    context: dict[str, Any] = {
        "patient": patient,
        "identity": getattr(patient, "identity", None) if show_identity else None,
        "show_identity": show_identity,
        "diagnoses": patient.diagnosiss.all(),
        "findings": patient.molecularfindings.order_by("gene", "-present"),
        "biomarkers": patient.biomarkers.all(),
        "labs": patient.labobservations.order_by("loinc", "-effective_date"),
        "performance": patient.performancestatuss.order_by("-effective_date"),
        "therapies": patient.therapys.order_by("line_of_therapy", "start_date"),
        "matches": matches,
        "today": timezone.localdate(),
    }
    return render(request, "coordinator/patient_detail.html", context)


def _explanation(patient: Patient, trial: Trial, arm: Arm | None) -> dict[str, Any] | None:
    labels = criteria_text.labels_of(trial)
    plans = matching.explain(patient, trial, timezone.localdate())
    wanted = arm.code if arm is not None else None
    for plan in plans:
        if plan["arm"] == wanted or (wanted is None and len(plans) == 1):
            chips = criteria_text.chips(plan["criteria"], labels)
            failing = [c for c in chips if c["verdict"] == "not_met"]
            return {**plan, "chips": chips, "failing": failing}
    return None


@require_GET
@coordinator_page
def match_explain(request: HttpRequest, pk: int, trial_pk: int) -> HttpResponse:
    """Why (not) eligible, computed now with the reference evaluator; an htmx fragment or a page."""
    patient, trial = _patient(request, pk), _trial(request, trial_pk)
    arm = _arm(request, trial)
    context = {
        "patient": patient,
        "trial": trial,
        "arm": arm,
        "explanation": _explanation(patient, trial, arm),
    }
    template = "explain_fragment" if request.headers.get("HX-Request") else "explain_page"
    return render(request, f"coordinator/{template}.html", context)


def _coordinators_of(patient: Patient) -> Any:
    return User.objects.filter(
        is_active=True, groups__name=Role.COORDINATOR.value, profile__sites=patient.site_id
    ).order_by("username")


def _match_context(
    request: HttpRequest, patient: Patient, trial: Trial, arm: Arm | None, **forms: Any
) -> dict[str, Any]:
    match = selectors.pair(patient, trial, arm=arm)
    current = screening.find(patient, trial, arm)
    status = current.status if current else workflow.NEW
    labels = criteria_text.labels_of(trial)
    criteria = [(c.id, f"{c.id}: {c.text[:80]}") for c in criteria_text.criteria_of(trial)]
    return {
        "patient": patient,
        "trial": trial,
        "arm": arm,
        "match": match,
        "chips": criteria_text.chips(selectors.verdicts_of(match), labels) if match else [],
        "missing": selectors.missing_of(match) if match else [],
        "older_parse": selectors.computed_with_older_parse(match) if match else False,
        "screening": current,
        "status": status,
        "status_label": workflow.LABELS[status],
        "fhir_status": workflow.FHIR_STATUS[status],
        "history": screening.history(current),
        "move_form": forms.get("move_form")
        or MoveForm(criteria=criteria, moves=workflow.allowed_moves(status)),
        "note_form": forms.get("note_form") or NoteForm(),
        "assign_form": forms.get("assign_form")
        or AssignForm(
            users=_coordinators_of(patient), initial={"assignee": current.assigned_to_id if current else None}
        ),
        "flags": patient.verdict_flags.filter(trial=trial).select_related("flagged_by"),
        "today": timezone.localdate(),
    }


@require_GET
@coordinator_page
def match_detail(request: HttpRequest, pk: int, trial_pk: int) -> HttpResponse:
    patient, trial = _patient(request, pk), _trial(request, trial_pk)
    return render(
        request,
        "coordinator/match_detail.html",
        _match_context(request, patient, trial, _arm(request, trial)),
    )


def _back(patient: Patient, trial: Trial, arm: Arm | None) -> HttpResponse:
    url = reverse("coordinator:match-detail", args=[patient.pk, trial.pk])
    return redirect(f"{url}?arm={arm.pk}" if arm else url)


@coordinator_page
@require_POST
def match_move(request: HttpRequest, pk: int, trial_pk: int) -> HttpResponse:
    patient, trial = _patient(request, pk), _trial(request, trial_pk)
    arm = _arm(request, trial)
    current = screening.find(patient, trial, arm)
    criteria = [(c.id, c.text[:80]) for c in criteria_text.criteria_of(trial)]
    form = MoveForm(
        request.POST,
        criteria=criteria,
        moves=workflow.allowed_moves(current.status if current else workflow.NEW),
    )
    if form.is_valid():
        try:
            screening.move(user=user_of(request), patient=patient, trial=trial, arm=arm, change=form.move())
        except screening.WorkflowError as exc:
            for field, message in exc.problems.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request, f"{patient.key} is now {workflow.LABELS[form.cleaned_data['to']].lower()}."
            )
            return _back(patient, trial, arm)
    context = _match_context(request, patient, trial, arm, move_form=form)
    return render(request, "coordinator/match_detail.html", context, status=400)


@coordinator_page
@require_POST
def match_note(request: HttpRequest, pk: int, trial_pk: int) -> HttpResponse:
    patient, trial = _patient(request, pk), _trial(request, trial_pk)
    arm = _arm(request, trial)
    form = NoteForm(request.POST)
    if form.is_valid():
        screening.add_note(
            user=user_of(request), patient=patient, trial=trial, arm=arm, text=form.cleaned_data["text"]
        )
        return _back(patient, trial, arm)
    return render(
        request,
        "coordinator/match_detail.html",
        _match_context(request, patient, trial, arm, note_form=form),
        status=400,
    )


@coordinator_page
@require_POST
def match_assign(request: HttpRequest, pk: int, trial_pk: int) -> HttpResponse:
    patient, trial = _patient(request, pk), _trial(request, trial_pk)
    arm = _arm(request, trial)
    form = AssignForm(request.POST, users=_coordinators_of(patient))
    if form.is_valid():
        screening.assign(
            user=user_of(request), patient=patient, trial=trial, arm=arm, to=form.cleaned_data["assignee"]
        )
        return _back(patient, trial, arm)
    return render(
        request,
        "coordinator/match_detail.html",
        _match_context(request, patient, trial, arm, assign_form=form),
        status=400,
    )


@coordinator_page
@require_POST
def verdict_flag(request: HttpRequest, pk: int, trial_pk: int) -> HttpResponse:
    patient, trial = _patient(request, pk), _trial(request, trial_pk)
    arm = _arm(request, trial)
    form = FlagForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            "say which criterion and verdict are wrong", status=400, content_type="text/plain"
        )
    d = form.cleaned_data
    screening.flag_verdict(
        user=user_of(request),
        patient=patient,
        trial=trial,
        arm=arm,
        criterion_id=d["criterion_id"],
        verdict=d["verdict"],
        comment=d["comment"],
    )
    messages.success(request, f"Criterion {d['criterion_id']} is flagged for review.")
    return _back(patient, trial, arm)


@coordinator_page
@require_POST
def trial_bulk_move(request: HttpRequest, pk: int) -> HttpResponse:
    """The same move for the worklist rows ticked; the match ids must be the user's own patients' rows."""
    user = user_of(request)
    trial = _trial(request, pk)
    patients = Patient.objects.visible_to(user)
    ids = list(selectors.for_trial(trial, patients=patients).values_list("pk", flat=True))
    form = BulkMoveForm(request.POST, match_ids=ids)
    back = reverse("coordinator:trial-detail", args=[trial.pk])
    if not form.is_valid():
        messages.error(
            request,
            "Bulk change refused: "
            + "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()),
        )
        return redirect(back)
    chosen = selectors.for_trial(trial, patients=patients).filter(pk__in=form.cleaned_data["matches"])
    change = workflow.Move(
        to=form.cleaned_data["to"],
        reason=form.cleaned_data["reason"],
        deferred_until=form.cleaned_data["deferred_until"],
    )
    try:
        n = screening.move_many(user=user, pairs=[(m.patient, trial, m.arm) for m in chosen], change=change)
    except screening.WorkflowError as exc:
        messages.error(request, "Nothing changed: " + str(exc))
    else:
        messages.success(request, f"{n} matches moved to {workflow.LABELS[change.to].lower()}.")
    return redirect(back)


@coordinator_page
@require_POST
def trial_follow(request: HttpRequest, pk: int) -> HttpResponse:
    trial = _trial(request, pk)
    form = FollowForm(request.POST)
    screening.follow(user=user_of(request), trial=trial, on=form.is_valid() and form.cleaned_data["on"])
    return redirect("coordinator:trial-detail", pk=trial.pk)


@require_GET
@coordinator_page
def patient_list(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET or None)
    patients = Patient.objects.visible_to(request.user).select_related("site").order_by("key")
    if form.is_valid() and form.cleaned_data["q"]:
        patients = patients.filter(key__icontains=form.cleaned_data["q"])
    page = Paginator(patients, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "coordinator/patient_list.html", {"form": form, "page": page, "query": query.urlencode()}
    )
