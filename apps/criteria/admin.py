"""Review of parsed criteria: source text with criteria highlighted, structured form, corrections."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from . import services
from .models import CriteriaCorrection, CriteriaReview


def _staff(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


class CorrectionInline(admin.TabularInline):
    model = CriteriaCorrection
    extra = 1
    fields = ("criterion_id", "action", "payload", "reason", "author", "created_at")
    readonly_fields = ("author", "created_at")
    can_delete = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # corrections are append-only; add a new one instead


def _flat(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in criteria:
        out.append(c)
        out.extend(_flat(c.get("children", [])))
    return out


@admin.register(CriteriaReview)
class CriteriaReviewAdmin(admin.ModelAdmin):
    class Media:
        css = {"all": ("criteria/review.css",)}  # no inline styles: the CSP allows none

    list_display = ("__str__", "parser_version", "reading_needs_review", "approved_by", "approved_at")
    search_fields = ("trial__trial_id",)
    fields = (
        "trial",
        "number",
        "parser_version",
        "revisions_list",
        "reading_review",
        "approved_by",
        "approved_at",
        "highlighted_text",
        "structured_form",
    )
    readonly_fields = fields
    inlines = [CorrectionInline]
    actions = ["approve_versions", "reparse_versions"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="reading needs review", boolean=True)
    def reading_needs_review(self, obj: CriteriaReview) -> bool:
        return obj.needs_review

    @admin.display(description="trial reading")
    def reading_review(self, obj: CriteriaReview) -> SafeString:
        if not obj.review_flags:
            return format_html("{}", "plausible as a whole (no flag)")
        state = (
            "needs review: until approved, every pair is at best possible"
            if obj.needs_review
            else "flagged, approved since"
        )
        items = format_html_join(
            "", "<li>{}</li>", ((f.get("reason", f.get("rule")),) for f in obj.review_flags)
        )
        return format_html("<p class='reading-review'>{}</p><ul>{}</ul>", state, items)

    @admin.display(description="parsed revisions")
    def revisions_list(self, obj: CriteriaReview) -> SafeString:
        rows = (
            (
                r.number,
                "current" if r.pk == obj.current_revision_id else "",
                r.cause,
                r.parser_version,
                r.created_by or "system",
                f"{r.created_at:%Y-%m-%d %H:%M}",
            )
            for r in obj.revisions.select_related("created_by").order_by("-number")
        )
        return format_html(
            "<table><tr><th>revision</th><th></th><th>cause</th><th>parser</th><th>by</th><th>at</th></tr>{}"
            "</table>",
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows
            ),
        )

    @admin.display(description="source text (parsed criteria highlighted)")
    def highlighted_text(self, obj: CriteriaReview) -> SafeString:
        text = obj.text or ""
        spans = sorted(
            {
                (c["span"][0], c["span"][1], c["id"])
                for c in _flat((obj.parsed or {}).get("criteria", []))
                if not c.get("children")
            }
        )
        parts: list[tuple[str, ...]] = []
        pos = 0
        for start, end, cid in spans:
            if start < pos:
                continue
            parts.append(("{}", text[pos:start]))
            parts.append(("<mark title='{}'><b>[{}]</b> {}</mark>", cid, cid, text[start:end]))
            pos = end
        parts.append(("{}", text[pos:]))
        body = format_html_join("", "{}", ((format_html(fmt, *args),) for fmt, *args in parts))
        return format_html("<pre class='criteria-source'>{}</pre>", body)

    @admin.display(description="structured form")
    def structured_form(self, obj: CriteriaReview) -> SafeString:
        rows = (
            (
                c["id"],
                c["section"],
                c["kind"],
                "yes" if c["negated"] else "",
                json.dumps(c.get("rule", {}), indent=1),
            )
            for c in _flat((obj.parsed or {}).get("criteria", []))
        )
        return format_html(
            "<table><tr><th>id</th><th>section</th><th>kind</th><th>negated</th><th>rule</th></tr>{}</table>",
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><pre>{}</pre></td></tr>", rows
            ),
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for inline_form in formset.forms:
            if not inline_form.has_changed() or inline_form.instance.pk:
                continue
            data = inline_form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            services.correct(
                form.instance,
                user=_staff(request),
                criterion_id=data["criterion_id"],
                action=data["action"],
                payload=data.get("payload") or {},
                reason=data["reason"],
            )

    @admin.action(description="Approve the selected criteria versions")
    def approve_versions(self, request: HttpRequest, queryset: QuerySet[CriteriaReview]) -> None:
        for version in queryset:
            services.approve(version, user=_staff(request))
        self.message_user(request, f"approved {queryset.count()} version(s)", messages.SUCCESS)

    @admin.action(description="Re-parse (corrections are re-applied)")
    def reparse_versions(self, request: HttpRequest, queryset: QuerySet[CriteriaReview]) -> None:
        for version in queryset:
            services.reparse(version, actor=_staff(request))
        self.message_user(request, f"re-parsed {queryset.count()} version(s)", messages.SUCCESS)


@admin.register(CriteriaCorrection)
class CriteriaCorrectionAdmin(admin.ModelAdmin):
    list_display = ("criteria_version", "criterion_id", "action", "author", "created_at")
    list_filter = ("action",)
    readonly_fields = (
        "criteria_version",
        "criterion_id",
        "action",
        "payload",
        "author",
        "reason",
        "created_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
