"""The admin app with TrialMatch's admin site (trialmatch.admin.AdminSite) as `admin.site`."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "trialmatch.admin.AdminSite"
