from django.apps import AppConfig


class FeasibilityConfig(AppConfig):
    name = "apps.feasibility"
    label = "feasibility"
    verbose_name = "Feasibility (de-identified counts)"
