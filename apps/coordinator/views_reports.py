"""Reports over the user's scope: missing data that would decide the most matches, the quality report of
overridden verdicts, CSV exports (audited), notifications, and the auditors' audit page."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.audit import services as audit
from apps.audit.models import AuditEvent
from apps.matching import selectors
from apps.patients.models import Patient
from apps.screening import services as screening
from apps.screening import workflow
from apps.screening.models import Notification, Screening, VerdictFlag
from apps.screening.selectors import with_workflow
from apps.trials.models import Trial

from . import criteria_text
from .access import auditor_page, coordinator_page, user_of
from .forms import AuditFilterForm


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(name: str, header: list[str], rows: Iterable[Iterable[Any]]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@coordinator_page
def missing_data(request: HttpRequest) -> HttpResponseBase:
    user = user_of(request)
    rows = selectors.missing_counts(Patient.objects.visible_to(user))
    if request.GET.get("format") == "csv":
        audit.record(
            actor=user,
            kind=AuditEvent.Kind.ACCESS,
            action="coordinator.export",
            object_type="missing-data",
            details={"rows": len(rows)},
        )
        return _csv(
            "missing-data.csv",
            ["data", "patients", "possible_matches"],
            ([r["item"], r["patients"], r["matches"]] for r in rows),
        )
    return render(request, "coordinator/missing_data.html", {"rows": rows[:200], "total": len(rows)})


@require_GET
@coordinator_page
def trial_export(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The trial's worklist among the user's patients as CSV (no identifiers: patient keys), audited."""
    user = user_of(request)
    trial = get_object_or_404(Trial.objects.visible_to(user), pk=pk)
    matches = with_workflow(selectors.for_trial(trial, patients=Patient.objects.visible_to(user)))
    audit.record(
        actor=user,
        kind=AuditEvent.Kind.ACCESS,
        action="coordinator.export",
        object_type="trials.Trial",
        object_id=trial.trial_id,
        details={"rows": matches.count()},
    )
    rows = (
        [
            m.patient.key,
            m.arm.code if m.arm else "",
            m.status,
            f"{m.score:.3f}",
            getattr(m, "workflow_status", ""),
            "; ".join(selectors.missing_of(m)),
        ]
        for m in matches.iterator(chunk_size=2000)
    )
    return _csv(
        f"{trial.trial_id}-worklist.csv", ["patient", "arm", "match", "score", "workflow", "missing"], rows
    )


@require_GET
@coordinator_page
def quality_report(request: HttpRequest) -> HttpResponse:
    """Criteria most often overridden by people: screen-fail reasons naming them, and flagged verdicts."""
    user = user_of(request)
    patients = Patient.objects.visible_to(user)
    fails: list[Any] = list(
        Screening.objects.filter(patient__in=patients, status=workflow.NOT_ELIGIBLE)
        .exclude(failing_criterion="")
        .values("trial", "trial__trial_id", "failing_criterion")
        .annotate(n=Count("pk"))
    )
    flags: list[Any] = list(
        VerdictFlag.objects.filter(patient__in=patients)
        .values("trial", "trial__trial_id", "criterion_id")
        .annotate(n=Count("pk"), open=Count("pk", filter=Q(resolved_at__isnull=True)))
    )
    merged: dict[tuple[Any, str], dict[str, Any]] = {}
    for r in fails:
        key = (r["trial"], r["failing_criterion"])
        merged[key] = {
            "trial": r["trial"],
            "trial_id": r["trial__trial_id"],
            "criterion": key[1],
            "screen_fails": r["n"],
            "flags": 0,
            "open": 0,
        }
    for r in flags:
        key = (r["trial"], r["criterion_id"])
        row = merged.setdefault(
            key,
            {
                "trial": r["trial"],
                "trial_id": r["trial__trial_id"],
                "criterion": key[1],
                "screen_fails": 0,
                "flags": 0,
                "open": 0,
            },
        )
        row["flags"], row["open"] = r["n"], r["open"]
    rows = sorted(
        merged.values(), key=lambda r: (-(r["screen_fails"] + r["flags"]), r["trial_id"], r["criterion"])
    )[:100]
    texts: dict[int, dict[str, str]] = {}
    for trial in Trial.objects.filter(pk__in={r["trial"] for r in rows}):
        texts[trial.pk] = criteria_text.labels_of(trial)
    for r in rows:
        r["text"] = texts.get(r["trial"], {}).get(r["criterion"], "")
    return render(request, "coordinator/quality.html", {"rows": rows})


@require_GET
@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    items = Paginator(Notification.objects.filter(user=user), 50).get_page(request.GET.get("page"))
    return render(request, "coordinator/notifications.html", {"page": items})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    screening.mark_read(user_of(request))
    return redirect("coordinator:notifications")


def _audit_rows(form: AuditFilterForm) -> Any:
    events = AuditEvent.objects.select_related("actor").order_by("-pk")
    if form.is_valid():
        d = form.cleaned_data
        if d["user"]:
            events = events.filter(actor_label=d["user"])
        if d["action"]:
            events = events.filter(action__startswith=d["action"])
        if d["object"]:
            events = events.filter(object_id=d["object"])
        if d["since"]:
            events = events.filter(at__date__gte=d["since"])
        if d["until"]:
            events = events.filter(at__date__lte=d["until"])
    return events


@require_GET
@auditor_page
def audit_log(request: HttpRequest) -> HttpResponseBase:
    user = user_of(request)
    form = AuditFilterForm(request.GET or None)
    events = _audit_rows(form)
    if request.GET.get("format") == "csv":
        audit.record(
            actor=user,
            kind=AuditEvent.Kind.ACCESS,
            action="audit.export",
            details={"filters": dict(request.GET.items())},
        )
        rows = (
            [
                e.pk,
                e.at.isoformat(),
                e.kind,
                e.actor_label,
                e.action,
                e.object_type,
                e.object_id,
                e.field,
                e.old_value,
                e.new_value,
                e.reason,
                e.hash,
            ]
            for e in events.iterator(chunk_size=2000)
        )
        return _csv(
            "audit.csv",
            [
                "id",
                "at",
                "kind",
                "actor",
                "action",
                "object_type",
                "object_id",
                "field",
                "old",
                "new",
                "reason",
                "hash",
            ],
            rows,
        )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "coordinator/audit.html",
        {"form": form, "page": page, "query": query.urlencode(), "verified": None},
    )


@auditor_page
@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    problems = audit.verify_and_record()
    form = AuditFilterForm()
    page = Paginator(_audit_rows(form), 50).get_page(1)
    return render(
        request, "coordinator/audit.html", {"form": form, "page": page, "query": "", "verified": problems}
    )
