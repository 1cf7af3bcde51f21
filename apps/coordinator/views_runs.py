"""Runs (start matching, watch its stored progress) and imports (per-file report)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import Site
from apps.matching import services as matching
from apps.matching.models import MatchRun
from apps.patients import services as patients_intake
from apps.trials import services as trials_intake

from .access import coordinator_page, user_of
from .forms import ImportForm, RunForm

ERRORS_SHOWN = 50


@require_http_methods(["GET", "POST"])
@coordinator_page
def run_list(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            run = matching.request_run(
                trials=[d["trial"]] if d["trial"] else None,
                patients=[d["patient"]] if d["patient"] else None,
                as_of=form.as_of_or_today(),
                user=user_of(request),
            )
        except matching.MatchRequestError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("coordinator:run-detail", pk=run.pk)
    runs = MatchRun.objects.select_related("requested_by")[:30]
    status = 400 if request.method == "POST" else 200
    return render(request, "coordinator/run_list.html", {"form": form, "runs": runs}, status=status)


def _progress(run: MatchRun) -> dict[str, Any]:
    percent = (
        round(100 * run.pairs_done / run.pairs_total)
        if run.pairs_total
        else (100 if run.status == "completed" else 0)
    )
    eta = None
    if run.eta and run.status == MatchRun.Status.RUNNING:
        eta = max(0, int((run.eta - timezone.now()).total_seconds()))
    return {
        "run": run,
        "percent": percent,
        "eta_seconds": eta,
        "done": run.status in (MatchRun.Status.COMPLETED, MatchRun.Status.FAILED),
        "summary": matching.run_summary(run) if run.status == MatchRun.Status.COMPLETED else None,
    }


@require_GET
@coordinator_page
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(MatchRun.objects.select_related("requested_by"), pk=pk)
    return render(request, "coordinator/run_detail.html", _progress(run))


@require_GET
@coordinator_page
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone, polled by htmx until the run is done."""
    run = get_object_or_404(MatchRun, pk=pk)
    return render(request, "coordinator/run_progress.html", _progress(run))


def _problem(e: dict[str, Any]) -> dict[str, str]:
    """A trials or FHIR problem as (where, field, message) for the report table."""
    where = [str(e.get("file", ""))]
    for key, label in (("record", "record"), ("line", "line"), ("entry", "entry")):
        if e.get(key) not in (None, ""):
            where.append(f"{label} {e[key]}")
    return {
        "where": ", ".join(w for w in where if w),
        "field": str(e.get("field") or e.get("path") or ""),
        "message": str(e.get("message", "")),
    }


def _summary(errors: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """The most frequent messages, so a file with thousands of errors reads in a few lines."""
    return Counter(str(e.get("message", "")) for e in errors).most_common(10)


def _trial_report(name: str, data: bytes, user: Any) -> dict[str, Any]:
    report = trials_intake.import_bytes(name, data, actor=user).files[0]
    errors = report.errors
    return {
        "name": name,
        "ok": not report.rejected,
        "imported": report.counts(),
        "errors": [_problem(e) for e in errors[:ERRORS_SHOWN]],
        "errors_total": len(errors),
        "summary": _summary(errors),
        "notes": [*report.unknown_values, *report.parse_failures][:ERRORS_SHOWN],
    }


def _patient_report(name: str, data: bytes, user: Any, site: Site | None) -> dict[str, Any]:
    report, run = patients_intake.upload(name, data, user=user, site=site)
    units = [u.as_dict() for u in report.units]
    errors = [e for u in units for e in u["errors"]]
    imported = {k: v for u in units for k, v in u["rows"].items()}
    return {
        "name": name,
        "ok": report.ok,
        "imported": imported,
        "errors": [_problem(e) for e in errors[:ERRORS_SHOWN]],
        "errors_total": len(errors),
        "summary": _summary(errors),
        "notes": [{"value": f"{k}: {v}"} for u in units for k, v in u["unmapped"].items()][:ERRORS_SHOWN],
        "sites": {k: v for u in units for k, v in u["sites"].items()},
        "without_site": sum(u["without_site"] for u in units),
        "run": run,
    }


@require_http_methods(["GET", "POST"])
@coordinator_page
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload files; each is imported whole or rejected whole, and the report says which and why."""
    form = ImportForm(request.POST or None, request.FILES or None, user=user_of(request))
    reports: list[dict[str, Any]] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            user, site = user_of(request), form.cleaned_data["site"]
            reports = [
                _trial_report(f.name or "upload", f.read(), user)
                if form.cleaned_data["kind"] == "trials"
                else _patient_report(f.name or "upload", f.read(), user, site)
                for f in form.cleaned_data["uploads"]
            ]
            if not all(r["ok"] for r in reports):
                status = 400
        else:
            status = 413 if any("limit" in e for e in form.non_field_errors()) else 400
    context = {"form": form, "reports": reports}
    return render(request, "coordinator/import.html", context, status=status)
