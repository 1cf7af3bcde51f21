"""Coordinator pages: thin views over scoped querysets."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.patients.models import Patient
from apps.trials.models import Trial


@login_required
def home(request: HttpRequest) -> HttpResponse:
    trials = Trial.objects.visible_to(request.user).order_by("trial_id")
    patients = Patient.objects.visible_to(request.user).select_related("site").order_by("key")
    context = {
        "trials": trials[:200],
        "trial_count": trials.count(),
        "patients": patients[:200],
        "patient_count": patients.count(),
    }
    return render(request, "coordinator/home.html", context)
