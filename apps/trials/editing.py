"""Trials written by their sponsor through the API: create and update, one transaction, one audit row per
changed field; a changed eligibility text makes a new, parsed criteria version (PROMISES 12, 15)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction

from apps.accounts.models import Sponsor
from apps.audit import services as audit

from .models import Arm, Trial
from .services import new_version_if_changed

# What a sponsor may set; everything else (sponsor, source, raw record, timestamps) is the system's.
EDITABLE = (
    "title",
    "official_title",
    "phase",
    "overall_status",
    "conditions",
    "min_age_years",
    "max_age_years",
    "sex",
    "eligibility_text",
)
ACTOR_LABEL = "sponsor_api"


class TrialEditError(ValueError):
    """The change cannot be made; `field` names what is at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@transaction.atomic
def create_trial(
    *,
    sponsor: Sponsor,
    trial_id: str,
    values: Mapping[str, Any],
    arms: Sequence[Mapping[str, Any]] | None,
    actor: User | AnonymousUser | None,
) -> Trial:
    if Trial.objects.filter(trial_id=trial_id).exists():
        raise TrialEditError("trial_id", f"a trial {trial_id} already exists")
    trial = Trial(trial_id=trial_id, source=Trial.Source.CTGOV, sponsor=sponsor)
    for name in EDITABLE:
        if name in values:
            setattr(trial, name, values[name])
    trial.full_clean(validate_unique=False)
    trial.save()
    audit.record(
        actor=actor,
        action="trials.created",
        object_type="trial",
        object_id=trial.trial_id,
        new={name: getattr(trial, name) for name in EDITABLE if name != "eligibility_text"},
    )
    _set_arms(trial, arms or [], actor)
    new_version_if_changed(
        trial, text=trial.eligibility_text, structured=None, actor=actor, actor_label=ACTOR_LABEL
    )
    return trial


@transaction.atomic
def update_trial(
    trial: Trial,
    *,
    values: Mapping[str, Any],
    arms: Sequence[Mapping[str, Any]] | None,
    actor: User | AnonymousUser | None,
) -> Trial:
    """Change the given fields; `arms`, when given, is the whole list: arms left out are closed, never deleted
    (matches may point at them)."""
    trial = Trial.objects.select_for_update().get(pk=trial.pk)
    changed = [name for name in EDITABLE if name in values and getattr(trial, name) != values[name]]
    before = {name: getattr(trial, name) for name in changed}
    for name in changed:
        setattr(trial, name, values[name])
    if changed:
        trial.full_clean(validate_unique=False)
        trial.save(update_fields=[*changed, "updated_at"])
    for name in changed:
        audit.record(
            actor=actor,
            action="trials.field_changed",
            object_type="trial",
            object_id=trial.trial_id,
            field=name,
            # The eligibility text is versioned (and its digest audited) rather than copied here.
            old=before[name] if name != "eligibility_text" else None,
            new=values[name] if name != "eligibility_text" else None,
        )
    if arms is not None:
        _set_arms(trial, arms, actor)
    if "eligibility_text" in changed:
        latest = trial.current_version()
        structured = latest.structured if latest is not None else None
        new_version_if_changed(
            trial, text=trial.eligibility_text, structured=structured, actor=actor, actor_label=ACTOR_LABEL
        )
    return trial


def _set_arms(trial: Trial, arms: Sequence[Mapping[str, Any]], actor: User | AnonymousUser | None) -> None:
    existing = {arm.code: arm for arm in trial.arms.all()}
    wanted = {str(a["code"]): a for a in arms}
    for code, arm in existing.items():
        if code not in wanted and arm.status != Arm.Status.CLOSED:
            _change_arm(arm, {"status": Arm.Status.CLOSED}, actor)
    for code, data in wanted.items():
        values = {k: data[k] for k in ("description", "status", "eligibility_text") if k in data}
        found = existing.get(code)
        if found is None:
            Arm.objects.create(trial=trial, code=code, **values)
            audit.record(
                actor=actor,
                action="trials.arm_created",
                object_type="arm",
                object_id=f"{trial.trial_id}/{code}",
            )
        else:
            _change_arm(found, values, actor)


def _change_arm(arm: Arm, values: Mapping[str, Any], actor: User | AnonymousUser | None) -> None:
    changed = [name for name, value in values.items() if getattr(arm, name) != value]
    for name in changed:
        audit.record(
            actor=actor,
            action="trials.arm_changed",
            object_type="arm",
            object_id=f"{arm.trial.trial_id}/{arm.code}",
            field=name,
            old=getattr(arm, name) if name != "eligibility_text" else None,
            new=values[name] if name != "eligibility_text" else None,
        )
        setattr(arm, name, values[name])
    if changed:
        arm.save(update_fields=changed)
