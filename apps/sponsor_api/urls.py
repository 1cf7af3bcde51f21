"""The sponsor REST API, mounted at /api/v1/ (../shared/contracts/README.md section 5)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("trials", views.TrialViewSet, basename="trial")
router.register("runs", views.RunViewSet, basename="run")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[AllowAny]),
        name="docs",
    ),
    path("parse/", views.ParseView.as_view(), name="parse"),
    *router.urls,
]
