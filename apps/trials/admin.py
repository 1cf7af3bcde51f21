"""Trials in the admin: arms and criteria versions inline (read-only history), and a file upload page."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from apps.criteria import services as criteria
from apps.matching import services as matching

from . import editing, services
from .models import Arm, CriteriaVersion, Trial, TrialLocation


class ArmInline(admin.TabularInline):
    model = Arm
    fk_name = "trial"
    extra = 0
    fields = ("code", "kind", "parent", "status", "description")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CriteriaVersionInline(admin.TabularInline):
    """Criteria versions are history (PROMISES 15): never edited or removed here."""

    model = CriteriaVersion
    extra = 0
    fields = ("number", "text_sha256", "parser_version", "created_at", "approved_by", "approved_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LocationInline(admin.TabularInline):
    """Where the trial runs per its registry; `site` is set when the facility is one of the centre's."""

    model = TrialLocation
    extra = 0
    fields = ("facility", "site")
    readonly_fields = fields
    can_delete = False
    classes = ("collapse",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class UploadForm(forms.Form):
    file = forms.FileField(
        help_text="ClinicalTrials.gov JSON (API v2 or classic), legacy XML, CSV, or CTML YAML/JSON"
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size} bytes, over the limit of {settings.MAX_UPLOAD_BYTES} bytes."
            )
        return upload


@admin.register(Trial)
class TrialAdmin(admin.ModelAdmin):
    list_display = ("trial_id", "title", "phase", "overall_status", "sponsor", "source", "updated_at")
    list_filter = ("source", "overall_status", "phase")
    search_fields = ("trial_id", "title", "official_title")
    inlines = (ArmInline, CriteriaVersionInline, LocationInline)
    exclude = ("raw",)
    change_list_template = "admin/trials/trial/change_list.html"
    actions = ("reparse_criteria", "rematch", "close_trials")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Trials change only through an import, so that criteria changes always make a new version.
        return [f.name for f in Trial._meta.get_fields() if f.concrete and f.name != "raw"] + [
            "sites",
            "review_state",
            "matches_link",
            "raw_json",
        ]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # criteria versions are history that match results point at

    @admin.display(description="raw record")
    def raw_json(self, obj: Trial) -> str:
        # Folded: a CT.gov record printed in full is tens of thousands of pixels tall.
        text = json.dumps(obj.raw, indent=2, ensure_ascii=False)
        return format_html(
            "<details><summary>show the record as imported ({} characters)</summary><pre>{}</pre></details>",
            len(text),
            text[:200_000],
        )

    @admin.display(description="criteria review")
    def review_state(self, obj: Trial) -> str:
        version = obj.current_version()
        if version is None:
            return "no criteria version"
        flags = "; ".join(str(f.get("reason", f.get("rule"))) for f in version.review_flags or [])
        if version.approved_at is not None:
            when = f"{version.approved_at:%Y-%m-%d}"
            return f"version {version.number}: approved by {version.approved_by} on {when}" + (
                f" (it had been flagged: {flags})" if flags else ""
            )
        if flags:
            return (
                f"version {version.number}: trial reading needs review ({flags}); pairs are at best possible"
            )
        return f"version {version.number}: not reviewed yet"

    @admin.display(description="matches")
    def matches_link(self, obj: Trial) -> str:
        url = reverse("admin:matching_match_changelist") + f"?trial__id__exact={obj.pk}"
        return format_html('<a href="{}">matches of {}</a>', url, obj.trial_id)

    @admin.action(description="Re-parse the current criteria version", permissions=["add"])
    def reparse_criteria(self, request: HttpRequest, queryset: QuerySet[Trial]) -> None:
        done = 0
        for trial in queryset:
            version = trial.current_version()
            if version is not None:
                criteria.reparse(version, actor=request.user)
                done += 1
        self.message_user(request, f"{done} criteria version(s) re-parsed.", messages.SUCCESS)

    @admin.action(description="Match the selected trials again (all patients, today)", permissions=["add"])
    def rematch(self, request: HttpRequest, queryset: QuerySet[Trial]) -> None:
        run = matching.request_run(
            trials=list(queryset), as_of=dt.date.today(), user=request.user, include_closed=True
        )
        self.message_user(request, f"Match run {run.pk} requested ({run.status}).", messages.SUCCESS)

    @admin.action(description="Close the selected trials to accrual", permissions=["add"])
    def close_trials(self, request: HttpRequest, queryset: QuerySet[Trial]) -> None:
        for trial in queryset:
            editing.update_trial(
                trial, values={"overall_status": "ACTIVE_NOT_RECRUITING"}, arms=None, actor=request.user
            )
        self.message_user(request, f"{queryset.count()} trial(s) closed to accrual.", messages.SUCCESS)

    def get_urls(self) -> list[URLPattern]:
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="trials_trial_upload")
        return [upload, *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Import one file through the same service as `import_trials`; a rejected file answers 400."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        report = None
        status = 200
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST":
            if form.is_valid():
                upload = form.cleaned_data["file"]
                report = services.import_bytes(upload.name, upload.read(), actor=request.user)
                status = 200 if report.ok else 400
            else:
                status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import trials from a file",
            "form": form,
            "report": report,
            "changelist_url": reverse("admin:trials_trial_changelist"),
        }
        return TemplateResponse(request, "admin/trials/trial/upload.html", context, status=status)


@admin.register(Arm)
class ArmAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "status")
    list_filter = ("kind", "status")
    search_fields = ("trial__trial_id", "code")
    readonly_fields = (
        "trial",
        "code",
        "kind",
        "parent",
        "status",
        "description",
        "eligibility_text",
        "match_tree",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
