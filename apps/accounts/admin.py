from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services as accounts
from .models import Profile, Site, Sponsor


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Sponsor)
class SponsorAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "sponsor"]
    filter_horizontal = ["sites"]
    autocomplete_fields = ["sponsor"]


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin; a change of access is audited and, if it withdraws any, ends the sessions."""

    actions = ["deactivate_users"]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # Roles and permissions are saved after this (save_related), so remember the access before both.
        form.access_before = accounts.access_of(User.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(form, "access_before", None)
        if before is not None:
            accounts.record_access_change(form.instance, before=before, actor=request.user)

    @admin.action(description="Deactivate the selected users and end their sessions", permissions=["change"])
    def deactivate_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        users = list(queryset.filter(is_active=True))
        for user in users:
            accounts.deactivate_user(user, actor=request.user, reason="admin action")
        self.message_user(request, f"{len(users)} user(s) deactivated.", messages.SUCCESS)
