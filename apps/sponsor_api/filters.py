"""List filters (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from apps.trials.models import Trial


class TrialFilter(django_filters.FilterSet):
    status = django_filters.CharFilter(field_name="overall_status", lookup_expr="iexact")
    phase = django_filters.CharFilter(field_name="phase", lookup_expr="icontains")
    q = django_filters.CharFilter(method="search", label="text in the id or title")

    class Meta:
        model = Trial
        fields = ["status", "phase", "q"]

    def search(self, queryset: QuerySet[Trial], name: str, value: str) -> QuerySet[Trial]:
        return queryset.filter(Q(trial_id__icontains=value) | Q(title__icontains=value))
