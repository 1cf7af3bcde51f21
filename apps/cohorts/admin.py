"""Read-mostly admin for cohorts, stratifications and analyses (results are written by services only)."""

from django.contrib import admin

from .models import Cohort, Stratification, SurvivalAnalysis


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "owner", "trial", "computed_at")
    list_filter = ("kind",)
    search_fields = ("name",)
    readonly_fields = (
        "owner",
        "kind",
        "trial",
        "match_run",
        "criteria",
        "criteria_version",
        "parser_version",
        "computed_at",
        "created_at",
    )


@admin.register(Stratification)
class StratificationAdmin(admin.ModelAdmin):
    list_display = ("pk", "cohort", "kind", "status", "progress", "created_at")
    list_filter = ("kind", "status")
    readonly_fields = (
        "cohort",
        "kind",
        "parameters",
        "requested_by",
        "status",
        "progress",
        "progress_message",
        "result",
        "failure_reason",
        "created_at",
        "started_at",
        "finished_at",
    )


@admin.register(SurvivalAnalysis)
class SurvivalAnalysisAdmin(admin.ModelAdmin):
    list_display = ("pk", "stratification", "index_date", "event", "sponsor_facing", "created_at")
    readonly_fields = ("stratification", "requested_by", "result", "inputs", "created_at")
