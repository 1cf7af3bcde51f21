"""In-page review of a trial's parsed criteria, for staff with the review permission: correct a criterion
(edit, drop, add) and approve the version. Corrections go through apps.criteria.services (which records
them and their audit row); the trial is re-matched after each one."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.criteria import services as criteria
from apps.matching import services as matching
from apps.trials.models import CriteriaVersion, Trial

from . import criteria_text
from .access import coordinator_page, user_of
from .forms import CriterionCorrectionForm
from .views import trial_page

REVIEW_PERMISSION = "criteria.change_criteriareview"


def _reviewed_version(request: HttpRequest, pk: int) -> tuple[Trial, CriteriaVersion]:
    user = user_of(request)
    trial = get_object_or_404(Trial.objects.visible_to(user), pk=pk)
    if not user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied
    version = trial.current_version()
    if version is None:
        raise PermissionDenied("the trial has no criteria to review")
    return trial, version


@coordinator_page
@require_POST
def criteria_correct(request: HttpRequest, pk: int) -> HttpResponse:
    trial, version = _reviewed_version(request, pk)
    form = CriterionCorrectionForm(request.POST, existing=[c.id for c in criteria_text.criteria_of(trial)])
    if not form.is_valid():
        return trial_page(request, trial, correction=form, status=400)
    d = form.cleaned_data
    criteria.correct(
        version,
        user=user_of(request),
        criterion_id=d["criterion_id"],
        action=d["action"],
        payload=form.payload(),
        reason=d["reason"],
    )
    if getattr(settings, "MATCHING_REMATCH_AFTER_IMPORT", False):
        queued = ""  # the correction queued the re-match itself, once it committed
    else:
        queued = f" (run {matching.on_criteria_version(version).pk})"
    messages.success(
        request, f"Criterion {d['criterion_id']}: {d['action']} recorded; re-matching the trial{queued}."
    )
    return redirect(reverse("coordinator:trial-detail", args=[trial.pk]) + "#criteria")


@coordinator_page
@require_POST
def criteria_approve(request: HttpRequest, pk: int) -> HttpResponse:
    trial, version = _reviewed_version(request, pk)
    criteria.approve(version, user=user_of(request))
    messages.success(request, f"Criteria version {version.number} approved.")
    return redirect(reverse("coordinator:trial-detail", args=[trial.pk]) + "#criteria")
