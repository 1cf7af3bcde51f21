from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, User
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services as accounts
from . import tokens
from .models import ApiToken, Profile, Site, Sponsor


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class SponsorUserInline(admin.TabularInline):
    """The organisation's users; their roles and tokens are managed on the user and token pages."""

    model = Profile
    fields = ("user", "tokens")
    readonly_fields = ("user", "tokens")
    extra = 0
    can_delete = False
    verbose_name = "user"
    verbose_name_plural = "users"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="live API tokens")
    def tokens(self, obj: Profile) -> int:
        return ApiToken.objects.filter(user_id=obj.user_id, revoked_at__isnull=True).count()


@admin.register(Sponsor)
class SponsorAdmin(admin.ModelAdmin):
    list_display = ["name", "trial_count"]
    search_fields = ["name"]
    inlines = [SponsorUserInline]

    @admin.display(description="trials")
    def trial_count(self, obj: Sponsor) -> int:
        return obj.trials.count()


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """A change of a user's sites or sponsor is audited, one row per field, in the admin's transaction."""

    list_display = ["user", "sponsor"]
    filter_horizontal = ["sites"]
    autocomplete_fields = ["sponsor"]

    def save_model(self, request: HttpRequest, obj: Profile, form: Any, change: bool) -> None:
        # The sites are saved after this (save_related), so remember the scope before both.
        form.scope_before = accounts.scope_of(Profile.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        accounts.record_scope_change(
            form.instance, before=getattr(form, "scope_before", None), actor=request.user
        )


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Roles: a change of a role's permissions is audited; withdrawing any ends its members' access."""

    def save_model(self, request: HttpRequest, obj: Group, form: Any, change: bool) -> None:
        form.permissions_before = accounts.permissions_of(Group.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        accounts.record_group_change(
            form.instance, before=getattr(form, "permissions_before", None), actor=request.user
        )


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


class ApiTokenAddForm(forms.ModelForm):
    expires_days = forms.IntegerField(
        min_value=1, max_value=tokens.MAX_EXPIRY_DAYS, initial=tokens.DEFAULT_EXPIRY_DAYS
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued here or by `manage.py issue_token`; the token is shown once, on the next page."""

    list_display = ["prefix", "user", "name", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "user__username", "name"]
    readonly_fields = ["user", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    exclude = ["digest"]
    actions = ["revoke_tokens"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["user", "name", "expires_days"] if obj is None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            return
        row, token = tokens.issue(
            obj.user, name=obj.name, expires_days=form.cleaned_data["expires_days"], actor=request.user
        )
        obj.pk, obj.prefix, obj.digest = row.pk, row.prefix, row.digest
        obj.created_at, obj.expires_at = row.created_at, row.expires_at
        self.message_user(
            request, f"Token for {row.user}: {token} — copy it now, it is not shown again.", messages.WARNING
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens", permissions=["view"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(tokens.revoke(t, actor=request.user, reason="admin action") for t in queryset)
        self.message_user(request, f"{revoked} token(s) revoked.", messages.SUCCESS)
