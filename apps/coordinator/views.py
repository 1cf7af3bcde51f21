"""Coordinator pages: home with the work to do, the trials list and a trial with its ranked worklist."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.accounts.models import Role
from apps.accounts.roles import has_role
from apps.criteria.parser import confidence
from apps.matching import selectors
from apps.matching.models import MatchRun
from apps.patients.models import Patient
from apps.screening import selectors as screening_selectors
from apps.screening import services as screening
from apps.screening import workflow
from apps.trials.models import Trial

from . import criteria_text
from .access import coordinator_page, user_of
from .forms import SORTS, BulkMoveForm, CriterionCorrectionForm, TrialSearchForm, WorklistForm

TRIALS_PER_PAGE = 50
WORKLIST_PER_PAGE = 25


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    is_coordinator = has_role(user, Role.COORDINATOR) or has_role(user, Role.ADMIN)
    context: dict[str, Any] = {"is_coordinator": is_coordinator, "is_auditor": has_role(user, Role.AUDITOR)}
    if is_coordinator:
        today = timezone.localdate()
        previous = screening.touch_home(user)
        patients = Patient.objects.visible_to(user)
        matches = selectors.among(patients)
        since = selectors.stored_since(matches, previous) if previous else matches
        new = since.aggregate(
            eligible=Count("pk", filter=Q(status="eligible")),
            possible=Count("pk", filter=Q(status="possible")),
        )
        context.update(
            since=previous,
            new=new,
            awaiting=screening_selectors.awaiting_decision_count(matches, patients),
            due=list(screening.due_deferrals(patients, today=today)[:20]),
            runs=list(
                MatchRun.objects.filter(status__in=[MatchRun.Status.PENDING, MatchRun.Status.RUNNING])[:5]
            ),
            notifications=list(screening.unread(user)[:10]),
            patient_count=patients.count(),
        )
    return render(request, "coordinator/home.html", context)


def _facet(trials: Any, field: str) -> list[dict[str, Any]]:
    return list(
        trials.exclude(**{field: ""}).values(field).annotate(n=Count("pk")).order_by("-n", field)[:30]
    )


@require_GET
@coordinator_page
def trial_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    form = TrialSearchForm(request.GET or None)
    base = Trial.objects.visible_to(user)
    trials = base
    patients = Patient.objects.visible_to(user)
    if form.is_valid():
        d = form.cleaned_data
        if d["q"]:
            q = d["q"]
            trials = trials.filter(
                Q(trial_id__icontains=q)
                | Q(title__icontains=q)
                | Q(official_title__icontains=q)
                | Q(conditions__icontains=q)
                | Q(eligibility_text__icontains=q)
            )
        for field, lookup in (("status", "overall_status"), ("phase", "phase"), ("sponsor", "sponsor__name")):
            if d[field]:
                trials = trials.filter(**{lookup: d[field]})
        if d["site"]:
            trials = trials.filter(sites__code=d["site"])
        if d["mine"]:
            trials = trials.filter(pk__in=selectors.among(patients).values("trial"))
    trials = trials.select_related("sponsor").order_by("trial_id").distinct()
    page = Paginator(trials, TRIALS_PER_PAGE).get_page(request.GET.get("page"))
    counts = selectors.counts_by_trial(
        Trial.objects.filter(pk__in=[t.pk for t in page.object_list]), patients=patients
    )
    rows = [(t, counts.get(t.pk, {"eligible": 0, "possible": 0})) for t in page.object_list]
    facets = {
        "status": _facet(base, "overall_status"),
        "phase": _facet(base, "phase"),
        "sponsor": list(
            base.exclude(sponsor=None).values("sponsor__name").annotate(n=Count("pk")).order_by("-n")[:30]
        ),
    }
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "coordinator/trial_list.html",
        {"form": form, "page": page, "rows": rows, "facets": facets, "query": query.urlencode()},
    )


def worklist(request: HttpRequest, trial: Trial) -> dict[str, Any]:
    """The trial's ranked, filtered, sorted and paginated worklist among the user's patients."""
    user = user_of(request)
    patients = Patient.objects.visible_to(user)
    form = WorklistForm(request.GET or None, arms=trial.arms.all())
    statuses: tuple[str, ...] = selectors.ACTIONABLE
    sort = SORTS["rank"]
    arm = None
    matches = None
    if form.is_valid():
        d = form.cleaned_data
        statuses = (d["match"],) if d["match"] else selectors.ACTIONABLE
        arm = d["arm"]
        sort = SORTS[d["sort"] or "rank"]
    matches = screening_selectors.with_workflow(
        selectors.for_trial(trial, patients=patients, arm=arm, statuses=statuses)
    )
    if form.is_valid():
        d = form.cleaned_data
        if d["workflow"]:
            matches = matches.filter(**{"workflow_status": d["workflow"]})
        if d["q"]:
            matches = matches.filter(patient__key__icontains=d["q"])
    page = Paginator(matches.order_by(*sort), WORKLIST_PER_PAGE).get_page(request.GET.get("page"))
    labels = criteria_text.labels_of(trial)
    rows = [
        {
            "match": m,
            "chips": criteria_text.chips(selectors.verdicts_of(m), labels),
            "missing": selectors.missing_of(m),
            "older_parse": selectors.computed_with_older_parse(m),
            "workflow": workflow.LABELS.get(getattr(m, "workflow_status", ""), ""),
        }
        for m in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "bulk": BulkMoveForm(match_ids=[]),
    }


@require_GET
@coordinator_page
def trial_detail(request: HttpRequest, pk: int) -> HttpResponse:
    trial = get_object_or_404(Trial.objects.visible_to(user_of(request)).select_related("sponsor"), pk=pk)
    return trial_page(request, trial)


def trial_page(
    request: HttpRequest,
    trial: Trial,
    *,
    correction: CriterionCorrectionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The trial page; `correction` is a reviewer's form to show again with its errors."""
    user = user_of(request)
    version = trial.current_version()
    criteria = criteria_text.criteria_of(trial)
    needs_review = [
        c
        for c in criteria
        if not c.computable or (c.confidence is not None and c.confidence < confidence.THRESHOLD)
    ]
    can_review = user.has_perm("criteria.change_criteriareview")
    if can_review and correction is None:
        chosen = next((c for c in criteria if c.id == request.GET.get("correct")), None)
        initial: dict[str, Any] = {}
        if chosen is not None:
            initial = {"action": "edit", "criterion_id": chosen.id, "kind": chosen.kind, "rule": chosen.rule}
            initial["negated"] = chosen.negated
        correction = CriterionCorrectionForm(existing=[c.id for c in criteria], initial=initial)
    context = {
        "trial": trial,
        "version": version,
        "arms": trial.arms.all(),
        "criteria": criteria,
        "pieces": criteria_text.highlighted(trial),
        "needs_review": needs_review,
        "flags": trial.verdict_flags.filter(resolved_at__isnull=True).count(),
        "can_review": can_review,
        "correction": correction,
        "following": trial.followers.filter(user=user).exists(),
        **worklist(request, trial),
    }
    return render(request, "coordinator/trial_detail.html", context, status=status)
