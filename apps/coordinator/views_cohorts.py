"""Coordinator cohort pages: list and create cohorts, stratify, analyse survival, view and download plots."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import Role
from apps.accounts.roles import has_role
from apps.cohorts import plots, survival
from apps.cohorts import services as cohorts
from apps.cohorts.models import Cohort, Stratification, SurvivalAnalysis
from apps.trials.models import Trial

View = Callable[..., HttpResponse]
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "egfr": ("biomarker", {"rule": "egfr"}),
    "tmb": ("biomarker", {"rule": "tmb", "threshold": 10}),
    "pdl1_tps": ("biomarker", {"rule": "pdl1_tps", "cuts": [1, 50]}),
    "msi": ("biomarker", {"rule": "msi"}),
    "gene": ("biomarker", {"rule": "gene"}),
    "stage": ("attribute", {"attribute": "stage"}),
    "ecog": ("attribute", {"attribute": "ecog"}),
    "sex": ("attribute", {"attribute": "sex"}),
    "age": ("attribute", {"attribute": "age", "bands": [50, 65, 75]}),
    "lines": ("attribute", {"attribute": "lines"}),
    "cancer_type": ("attribute", {"attribute": "cancer_type"}),
    "treatment": ("attribute", {"attribute": "treatment"}),
    "learned_clusters": ("learned_clusters", {}),
    "learned_survival": ("learned_survival", {}),
}


def coordinator_page(view: View) -> View:
    """Logged-in coordinators (and admins) only; trialmatch.middleware keeps the response out of caches."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (has_role(request.user, Role.COORDINATOR) or has_role(request.user, Role.ADMIN)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _cohorts(request: HttpRequest) -> Any:
    return Cohort.objects.visible_to(request.user)


@coordinator_page
@require_http_methods(["GET", "POST"])
def cohort_list(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        data = request.POST
        statuses = data.getlist("statuses") or ["eligible"]
        try:
            if data.get("source") == "trial":
                trial = get_object_or_404(
                    Trial.objects.visible_to(request.user), trial_id=data.get("trial_id", "")
                )
                cohort = cohorts.create_trial_cohort(
                    owner=_user(request), name=data.get("name", ""), trial=trial, statuses=statuses
                )
            else:
                cohort = cohorts.create_ad_hoc_cohort(
                    owner=_user(request),
                    name=data.get("name", ""),
                    criteria_text=data.get("criteria_text", ""),
                    statuses=statuses,
                )
        except cohorts.CohortInputError as exc:
            error = str(exc)
        else:
            return redirect("coordinator:cohort-detail", pk=cohort.pk)
    context = {
        "cohorts": _cohorts(request).select_related("trial")[:200],
        "trials": Trial.objects.visible_to(request.user).order_by("trial_id")[:500],
        "error": error,
    }
    return render(request, "coordinator/cohort_list.html", context, status=400 if error else 200)


@coordinator_page
@require_http_methods(["GET", "POST"])
def cohort_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = get_object_or_404(_cohorts(request), pk=pk)
    error = ""
    if request.method == "POST":
        preset = request.POST.get("preset", "")
        if preset not in PRESETS:
            error = f"preset: choose one of {', '.join(PRESETS)}"
        else:
            kind, parameters = PRESETS[preset]
            parameters = dict(parameters)
            if preset == "gene":
                parameters["genes"] = [
                    g for g in request.POST.get("genes", "").replace(",", " ").split() if g
                ]
            if preset == "treatment":
                parameters["drug_class"] = request.POST.get("drug_class", "")
            try:
                stratification = cohorts.request_stratification(
                    cohort=cohort, kind=kind, parameters=parameters, user=_user(request)
                )
            except cohorts.CohortInputError as exc:
                error = str(exc)
            else:
                return redirect("coordinator:stratification-detail", pk=stratification.pk)
    context = {
        "cohort": cohort,
        "member_count": cohort.members.count(),
        "stratifications": cohort.stratifications.all(),
        "presets": list(PRESETS),
        "error": error,
    }
    return render(request, "coordinator/cohort_detail.html", context, status=400 if error else 200)


@coordinator_page
@require_http_methods(["GET", "POST"])
def stratification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    stratification = get_object_or_404(
        Stratification.objects.filter(cohort__in=_cohorts(request)).select_related("cohort"), pk=pk
    )
    error = ""
    if request.method == "POST":
        data = request.POST
        try:
            analysis = cohorts.analyse_survival(
                stratification=stratification,
                index_date=data.get("index_date", "diagnosis"),
                event=data.get("event", "death"),
                therapy_line=int(data.get("therapy_line") or 1),
                covariates=data.getlist("covariates"),
                excluded_groups=data.getlist("excluded_groups"),
                landmarks=[float(t) for t in data.get("landmarks", "").replace(",", " ").split()],
                sponsor_facing=data.get("sponsor_facing") == "on",
                competing_death=data.get("competing_death") == "on",
                treatment_design=data.get("treatment_design", SurvivalAnalysis.TreatmentDesign.COMPARISON),
                landmark_time=float(data["landmark_time"]) if data.get("landmark_time") else None,
                user=_user(request),
            )
        except (cohorts.CohortInputError, ValueError) as exc:
            error = str(exc)
        else:
            return redirect("coordinator:analysis-detail", pk=analysis.pk)
    result = stratification.result or {}
    context = {
        "stratification": stratification,
        "counts": result.get("counts", {}),
        "details": result.get("details", {}),
        "index_dates": SurvivalAnalysis.IndexDate.choices,
        "events": SurvivalAnalysis.Event.choices,
        "covariates": cohorts.COVARIATES,
        "treatment": cohorts.treatment_rule(stratification),
        "designs": SurvivalAnalysis.TreatmentDesign.choices,
        "immortal_time_warning": cohorts.IMMORTAL_TIME_WARNING,
        "analyses": stratification.analyses.all(),
        "running": stratification.status in (Stratification.Status.PENDING, Stratification.Status.RUNNING),
        "error": error,
    }
    response = render(
        request, "coordinator/cohort_stratification.html", context, status=400 if error else 200
    )
    if context["running"]:
        response["Refresh"] = "3"  # the page polls its progress without scripts
    return response


def _analysis(request: HttpRequest, pk: int) -> SurvivalAnalysis:
    visible = SurvivalAnalysis.objects.filter(stratification__cohort__in=_cohorts(request))
    return get_object_or_404(visible.select_related("stratification__cohort"), pk=pk)


@coordinator_page
@require_GET
def analysis_detail(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _analysis(request, pk)
    result = analysis.result
    terms = {t["term"].split("=", 1)[-1]: t for t in (result.get("cox") or {}).get("terms", [])}
    rows = [
        {
            **g,
            "cox": terms.get(g["name"]),
            "median_text": survival.median_label(g.get("median"), *(g.get("median_ci") or [None, None])),
        }
        for g in result["groups"]
    ]
    competing = result.get("competing_risks")
    fine_gray_terms = ((competing or {}).get("fine_gray") or {}).get("terms", [])
    fine_gray = {t["term"].split("=", 1)[-1]: t for t in fine_gray_terms}
    group_names = {g["name"] for g in result["groups"]}
    context = {
        "analysis": analysis,
        "result": result,
        "rows": rows,
        "other_terms": [t for name, t in terms.items() if name not in {g["name"] for g in result["groups"]}],
        "landmark_rows": [(g["name"], m) for g in result["groups"] for m in g.get("landmarks", [])],
        "rmst_rows": [(g["name"], g["rmst"]) for g in result["groups"] if g.get("rmst")],
        "competing": competing,
        "cif_rows": [
            {
                **g,
                "final": g["curve"][-1] if g["curve"] else None,
                "fine_gray": fine_gray.get(g["name"]),
            }
            for g in (competing or {}).get("groups", [])
        ],
        "fine_gray_other": [t for name, t in fine_gray.items() if name not in group_names],
        "design": result.get("design") or {},
        "formats": list(plots.FORMATS),
    }
    return render(request, "coordinator/cohort_analysis.html", context)


@coordinator_page
@require_GET
def analysis_plot(request: HttpRequest, pk: int, plot: str, fmt: str) -> HttpResponse:
    analysis = _analysis(request, pk)
    try:
        content = cohorts.render_plot(analysis, plot, fmt)
    except cohorts.CohortInputError as exc:
        return HttpResponse(str(exc), status=404, content_type="text/plain")
    response = HttpResponse(content, content_type=plots.FORMATS[fmt])
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="analysis-{analysis.pk}-{plot}.{fmt}"'
    return response
