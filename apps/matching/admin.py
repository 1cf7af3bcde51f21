"""Read-only admin views of runs and results: they change only through the matching services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from . import services as matching
from .models import Match, MatchChunk, MatchCount, MatchRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MatchChunkInline(admin.TabularInline):
    model = MatchChunk
    fields = ("index", "status", "attempts", "pairs", "seconds", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "status",
        "as_of",
        "chunks_done",
        "chunks_total",
        "pairs_done",
        "pairs_per_second",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status"]
    readonly_fields = [f.name for f in MatchRun._meta.fields]
    inlines = [MatchChunkInline]
    actions = ["run_again"]

    def has_start_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("matching.add_matchrun"))

    @admin.action(description="Run again as of today, with the same scope", permissions=["start"])
    def run_again(self, request: HttpRequest, queryset: QuerySet[MatchRun]) -> None:
        started = []
        for run in queryset.order_by("pk"):
            scope = run.scope or {}
            try:
                new = matching.request_run(
                    trials=scope.get("trials"),
                    patients=scope.get("patients"),
                    include_closed=bool(scope.get("include_closed")),
                    as_of=timezone.localdate(),
                    user=request.user,
                )
            except matching.MatchRequestError as exc:
                self.message_user(request, f"run {run.pk}: {exc}", level=messages.ERROR)
                continue
            started.append(str(new.pk))
        if started:
            self.message_user(request, f"started run(s) {', '.join(started)}", level=messages.SUCCESS)


@admin.register(Match)
class MatchAdmin(ReadOnlyAdmin):
    # Patients appear by pseudonymous key only.
    list_display = ["trial", "arm", "patient", "status", "score", "criteria_version", "run"]
    list_filter = ["status"]
    list_select_related = ["trial", "arm", "patient", "criteria_version", "run"]
    search_fields = ["trial__trial_id", "patient__key"]
    readonly_fields = [f.name for f in Match._meta.fields]


@admin.register(MatchCount)
class MatchCountAdmin(ReadOnlyAdmin):
    list_display = ["run", "chunk_index", "trial", "arm", "eligible", "possible", "ineligible"]
    list_select_related = ["run", "trial", "arm"]
