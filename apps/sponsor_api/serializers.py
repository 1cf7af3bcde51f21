"""Request and response shapes of the API. Request serializers refuse fields they do not know, so a
protected field (sponsor, source, timestamps, who set a status) cannot be set and says so (PROMISES 7)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.matching.models import MatchRun
from apps.trials.models import Arm, Trial

MAX_TEXT = 100_000


class StrictSerializer(serializers.Serializer[Any]):
    """Refuses keys it does not declare as writable: ignoring them would let a client think it set them."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: ["this field cannot be set"] for name in unknown})
        return super().to_internal_value(data)


class ArmSerializer(StrictSerializer):
    code = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5_000)
    status = serializers.ChoiceField(choices=Arm.Status.choices, required=False)
    eligibility_text = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)


class TrialSerializer(StrictSerializer):
    trial_id = serializers.RegexField(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", max_length=64)
    title = serializers.CharField(required=False, allow_blank=True, max_length=2_000)
    official_title = serializers.CharField(required=False, allow_blank=True, max_length=5_000)
    phase = serializers.CharField(required=False, allow_blank=True, max_length=60)
    status = serializers.CharField(source="overall_status", required=False, allow_blank=True, max_length=40)
    conditions = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, max_length=200
    )
    min_age_years = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=150)
    max_age_years = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=150)
    sex = serializers.ChoiceField(choices=Trial.Sex.choices, required=False)
    eligibility_text = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    arms = ArmSerializer(many=True, required=False)
    sponsor = serializers.CharField(source="sponsor.name", read_only=True, default=None)
    criteria_version = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_criteria_version(self, trial: Trial) -> int | None:
        version = trial.current_version()
        return version.number if version is not None else None

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["arms"] = [
            {
                "code": a.code,
                "description": a.description,
                "status": a.status,
                "eligibility_text": a.eligibility_text,
            }
            for a in instance.arms.all()
        ]
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low = attrs.get("min_age_years", getattr(self.instance, "min_age_years", None))
        high = attrs.get("max_age_years", getattr(self.instance, "max_age_years", None))
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"min_age_years": ["must not be above max_age_years"]})
        if self.instance is not None and "trial_id" in attrs and attrs["trial_id"] != self.instance.trial_id:
            raise serializers.ValidationError({"trial_id": ["a trial's id cannot be changed"]})
        return attrs


class ParseRequestSerializer(StrictSerializer):
    text = serializers.CharField(max_length=MAX_TEXT, allow_blank=False, trim_whitespace=False)


class ParseResponseSerializer(serializers.Serializer[Any]):
    parser_version = serializers.CharField()
    criteria = serializers.ListField(child=serializers.DictField())


class ResearchSubjectPageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = serializers.ListField(child=serializers.DictField(), help_text="FHIR R4 ResearchSubject")


class RunRequestSerializer(StrictSerializer):
    trials = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        max_length=1_000,
        help_text="trial ids among your own; default all your trials",
    )
    as_of = serializers.DateField(
        required=False, help_text="the date eligibility is judged on; default today"
    )


class RunSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="pk")
    status = serializers.ChoiceField(choices=MatchRun.Status.choices)
    as_of = serializers.DateField()
    trials = serializers.SerializerMethodField()
    chunks_total = serializers.IntegerField()
    chunks_done = serializers.IntegerField()
    pairs_total = serializers.IntegerField()
    pairs_done = serializers.IntegerField()
    progress = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    failure_reason = serializers.CharField()

    def get_trials(self, run: MatchRun) -> list[str]:
        return list((run.scope or {}).get("trials") or [])

    def get_progress(self, run: MatchRun) -> float:
        if run.status == MatchRun.Status.COMPLETED:
            return 1.0
        return round(run.chunks_done / run.chunks_total, 4) if run.chunks_total else 0.0


class ChangeSerializer(serializers.Serializer[Any]):
    criterion = serializers.CharField(max_length=40)
    min = serializers.FloatField(required=False, allow_null=True)
    max = serializers.FloatField(required=False, allow_null=True)
    days = serializers.FloatField(required=False, allow_null=True, min_value=0)
    min_lines = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    max_lines = serializers.IntegerField(required=False, allow_null=True, min_value=0)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["not a bound that can be changed"] for name in unknown}
                )
        return super().to_internal_value(data)


class WhatIfSerializer(StrictSerializer):
    drop = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=100)
    change = ChangeSerializer(many=True, required=False)
