"""URL configuration: the coordinator UI at /, the sponsor API at /api/v1/, the admin, login/logout."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from apps.accounts import views as accounts_views

urlpatterns = [
    path("", include("apps.coordinator.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("apps.sponsor_api.urls")),
]
