"""Thin API views: fetch through scoped querysets (another sponsor's object: 404), call a service, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Role
from apps.accounts.roles import has_role
from apps.criteria.parser import parse
from apps.feasibility import services as feasibility
from apps.matching import selectors
from apps.matching import services as matching
from apps.matching.models import MatchRun
from apps.patients.models import Patient
from apps.screening import selectors as screening_selectors
from apps.screening.fhir import research_subject
from apps.trials import editing
from apps.trials.fhir import research_study
from apps.trials.models import Trial

from .access import AccessLoggedMixin
from .filters import TrialFilter
from .permissions import IsCoordinator, IsSponsor, ReadsTrials
from .serializers import (
    ParseRequestSerializer,
    ParseResponseSerializer,
    ResearchSubjectPageSerializer,
    RunRequestSerializer,
    RunSerializer,
    TrialSerializer,
    WhatIfSerializer,
)

PROBLEM = OpenApiResponse(description="problem details (RFC 9457)")
FEASIBILITY = OpenApiResponse(OpenApiTypes.OBJECT, description="counts; suppressed cells are null")
ATTRITION = OpenApiResponse(OpenApiTypes.OBJECT, description="the attrition waterfall")
WHAT_IF = OpenApiResponse(OpenApiTypes.OBJECT, description="counts and gains")
FHIR_RESOURCE = OpenApiResponse(OpenApiTypes.OBJECT, description="a FHIR R4 ResearchStudy")
FUNNEL = OpenApiResponse(
    OpenApiTypes.OBJECT, description="patients per workflow status; suppressed cells are null"
)
SURVIVAL = OpenApiResponse(OpenApiTypes.OBJECT, description="survival subgroups; suppressed cells are null")
RESEARCH_SUBJECTS = OpenApiResponse(
    ResearchSubjectPageSerializer, description="a page of FHIR R4 ResearchSubject resources"
)
IDEMPOTENCY_KEY = "Idempotency-Key"


def own_sponsor_id(request: Request) -> int | None:
    profile = getattr(request.user, "profile", None)
    return profile.sponsor_id if profile is not None else None


class TrialViewSet(
    AccessLoggedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Trial],
):
    """A sponsor's own trials (staff roles read all); `trial_id` is the NCT id or protocol number."""

    serializer_class = TrialSerializer
    permission_classes = [ReadsTrials]
    filterset_class = TrialFilter
    lookup_field = "trial_id"
    lookup_value_regex = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Trial]:
        return Trial.objects.visible_to(self.request.user).select_related("sponsor").prefetch_related("arms")

    def perform_create(self, serializer: serializers.BaseSerializer[Trial]) -> None:
        data = dict(serializer.validated_data)
        sponsor = getattr(self.request.user, "profile", None)
        if sponsor is None or sponsor.sponsor is None:
            raise ValidationError({"sponsor": ["your account belongs to no sponsor organisation"]})
        try:
            serializer.instance = editing.create_trial(
                sponsor=sponsor.sponsor,
                trial_id=data.pop("trial_id"),
                values=data,
                arms=data.pop("arms", None),
                actor=self.request.user,
            )
        except editing.TrialEditError as exc:
            raise ValidationError({exc.field: [str(exc)]}) from exc

    def perform_update(self, serializer: serializers.BaseSerializer[Trial]) -> None:
        data = dict(serializer.validated_data)
        data.pop("trial_id", None)
        arms = data.pop("arms", None)
        assert serializer.instance is not None
        serializer.instance = editing.update_trial(
            serializer.instance, values=data, arms=arms, actor=self.request.user
        )

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if self.action == "partial_update":
            kwargs["partial"] = True
        return super().get_serializer(*args, **kwargs)

    @extend_schema(responses={200: FEASIBILITY, 403: PROBLEM, 404: PROBLEM})
    @action(detail=True, methods=["get"], permission_classes=[IsSponsor])
    def feasibility(self, request: Request, trial_id: str) -> Response:
        """De-identified counts: eligible and possible overall, per site and by subgroup; a suppressed cell is
        `{"count": null, "suppressed": true}`."""
        trial = self.get_object()
        return Response({"trial_id": trial.trial_id, **feasibility.tables_for(trial).feasibility()})

    @extend_schema(responses={200: ATTRITION, 403: PROBLEM, 404: PROBLEM})
    @action(detail=True, methods=["get"], permission_classes=[IsSponsor])
    def attrition(self, request: Request, trial_id: str) -> Response:
        """The criteria in order: patients remaining after each, % remaining, % removed by it alone; also by
        sex and age band."""
        trial = self.get_object()
        return Response({"trial_id": trial.trial_id, **feasibility.tables_for(trial).attrition()})

    @extend_schema(
        request=WhatIfSerializer, responses={200: WHAT_IF, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM}
    )
    @action(detail=True, methods=["post"], url_path="what-if", permission_classes=[IsSponsor])
    def what_if(self, request: Request, trial_id: str) -> Response:
        """Drop criteria or move a bound: counts after, patients gained, and the criteria that remove most."""
        trial = self.get_object()
        body = WhatIfSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            result = feasibility.what_if(
                trial, drop=body.validated_data.get("drop", []), change=body.validated_data.get("change", [])
            )
        except feasibility.WhatIfError as exc:
            raise ValidationError({exc.field: [str(exc)]}) from exc
        return Response({"trial_id": trial.trial_id, **result})

    @extend_schema(responses={200: FUNNEL, 403: PROBLEM, 404: PROBLEM})
    @action(detail=True, methods=["get"], permission_classes=[IsSponsor])
    def funnel(self, request: Request, trial_id: str) -> Response:
        """Patients per workflow status of the trial's matches (each counted once), suppressed like every
        other cell."""
        trial = self.get_object()
        return Response({"trial_id": trial.trial_id, **feasibility.tables_for(trial).funnel()})

    @extend_schema(responses={200: SURVIVAL, 403: PROBLEM, 404: PROBLEM})
    @action(detail=True, methods=["get"], permission_classes=[IsSponsor])
    def survival(self, request: Request, trial_id: str) -> Response:
        """Subgroups of the trial's cohorts: patients and deaths per group (suppressed like every other
        cell) and, where a group's patients are shown, the median survival of its sponsor-facing analysis."""
        trial = self.get_object()
        return Response(
            {"trial_id": trial.trial_id, "stratifications": feasibility.tables_for(trial).survival()}
        )

    @extend_schema(responses={200: RESEARCH_SUBJECTS, 403: PROBLEM, 404: PROBLEM})
    @action(
        detail=True,
        methods=["get"],
        url_path="research-subjects",
        permission_classes=[IsCoordinator],
    )
    def research_subjects(self, request: Request, trial_id: str) -> Response:
        """The trial's matches among the patients of the caller's own sites, with their workflow status, as
        FHIR R4 ResearchSubject resources (coordinators only)."""
        trial = self.get_object()
        matches = screening_selectors.with_workflow(
            selectors.for_trial(trial, patients=Patient.objects.visible_to(request.user))
        )
        paginator = self.paginator
        assert paginator is not None
        page: list[Any] = paginator.paginate_queryset(matches, request, view=self) or []
        return paginator.get_paginated_response([research_subject(m, m.workflow_status) for m in page])

    @extend_schema(responses={200: FHIR_RESOURCE, 404: PROBLEM})
    @action(detail=True, methods=["get"], url_path="fhir")
    def fhir(self, request: Request, trial_id: str) -> Response:
        """The trial as a FHIR R4 ResearchStudy."""
        return Response(research_study(self.get_object()))


class ParseView(AccessLoggedMixin, APIView):
    """How a text parses: criteria with their spans, kinds, rules and confidence (criteria.schema.json)."""

    permission_classes = [ReadsTrials]
    action = "parse"

    @extend_schema(request=ParseRequestSerializer, responses={200: ParseResponseSerializer, 400: PROBLEM})
    def post(self, request: Request) -> Response:
        body = ParseRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(parse(body.validated_data["text"]))


def visible_runs(request: Request) -> QuerySet[MatchRun]:
    """Runs asked for by users of the caller's sponsor organisation."""
    sponsor_id = own_sponsor_id(request)
    if sponsor_id is None:
        return MatchRun.objects.none()
    return MatchRun.objects.filter(requested_by__profile__sponsor_id=sponsor_id)


class RunViewSet(AccessLoggedMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[MatchRun]):
    """Match runs of the caller's own trials: start (idempotent with `Idempotency-Key`) and poll."""

    serializer_class = RunSerializer
    permission_classes = [IsSponsor]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[MatchRun]:
        return visible_runs(self.request)

    @extend_schema(
        request=RunRequestSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_KEY,
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="a retry with the same key returns the first run and starts nothing",
            )
        ],
        responses={200: RunSerializer, 201: RunSerializer, 400: PROBLEM},
    )
    def create(self, request: Request) -> Response:
        body = RunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        key = request.headers.get(IDEMPOTENCY_KEY, "")
        if len(key) > 64 or not key.isprintable():
            raise ValidationError({IDEMPOTENCY_KEY: ["at most 64 printable characters"]})
        # Keys are per user, so nobody can reach another's run by guessing its key.
        scoped_key = f"api:{request.user.pk}:{key}" if key else None
        if scoped_key is not None:
            existing = visible_runs(request).filter(idempotency_key=scoped_key).first()
            if existing is not None:
                return Response(RunSerializer(existing).data, status=status.HTTP_200_OK)
        own = Trial.objects.visible_to(request.user)
        wanted = body.validated_data.get("trials")
        if wanted is None:
            trials = list(own.values_list("trial_id", flat=True))
        else:
            found = set(own.filter(trial_id__in=wanted).values_list("trial_id", flat=True))
            unknown = [t for t in wanted if t not in found]
            if unknown:
                raise ValidationError({"trials": [f"not among your trials: {', '.join(unknown[:20])}"]})
            trials = list(dict.fromkeys(wanted))
        if not trials:
            raise ValidationError({"trials": ["you have no trials to match"]})
        run = matching.request_run(
            trials=trials,
            as_of=body.validated_data.get("as_of") or dt.date.today(),
            idempotency_key=scoped_key,
            user=request.user,
            include_closed=True,
        )
        run.refresh_from_db()
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)


def trial_for(request: Request, trial_id: str) -> Trial:
    """The caller's own trial (sponsors) or any trial (staff roles); 404 otherwise."""
    return get_object_or_404(Trial.objects.visible_to(request.user), trial_id=trial_id)


def is_sponsor(request: Request) -> bool:
    return has_role(request.user, Role.SPONSOR)
