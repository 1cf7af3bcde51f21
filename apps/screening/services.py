"""Moving matches through the workflow, assigning, noting, flagging verdicts and notifying: each change
and its audit row in one transaction (PROMISES 12). Callers fetch patients and trials through scoped
querysets first; nothing here widens what a user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from apps.audit import services as audit
from apps.matching import selectors
from apps.matching.models import MatchRun
from apps.patients.models import Patient
from apps.trials.models import Arm, Trial

from . import workflow
from .models import HomeVisit, Notification, Screening, ScreeningEvent, TrialFollow, VerdictFlag

OBJECT_TYPE = "screening.Screening"


class WorkflowError(ValueError):
    """A move that may not be made; `problems` is {field: message}."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def _pair(patient: Patient, trial: Trial, arm: Arm | None) -> Q:
    return Q(patient=patient, trial=trial) & (Q(arm=arm) if arm is not None else Q(arm__isnull=True))


def find(patient: Patient, trial: Trial, arm: Arm | None = None) -> Screening | None:
    return Screening.objects.filter(_pair(patient, trial, arm)).select_related("assigned_to").first()


def _locked(patient: Patient, trial: Trial, arm: Arm | None) -> Screening:
    if arm is not None and arm.trial_id != trial.pk:
        raise WorkflowError({"arm": f"arm {arm.code} is not an arm of {trial.trial_id}"})
    screening = Screening.objects.select_for_update().filter(_pair(patient, trial, arm)).first()
    if screening is None:
        screening = Screening.objects.create(patient=patient, trial=trial, arm=arm)
    return screening


def move(
    *,
    user: User,
    patient: Patient,
    trial: Trial,
    arm: Arm | None,
    change: workflow.Move,
    today: dt.date | None = None,
) -> Screening:
    """Move one (patient, trial, arm) to `change.to`, with its history line and one audit row."""
    today = today or timezone.localdate()
    with transaction.atomic():
        screening = _locked(patient, trial, arm)
        old = screening.status
        wrong = workflow.problems(old, change, today=today)
        if wrong:
            raise WorkflowError(wrong)
        screening.status = change.to
        screening.reason = (
            change.reason.strip() if change.to in (workflow.NOT_ELIGIBLE, workflow.DECLINED) else ""
        )
        screening.failing_criterion = change.failing_criterion if change.to == workflow.NOT_ELIGIBLE else ""
        screening.deferred_until = change.deferred_until if change.to == workflow.DEFERRED else None
        if change.to == workflow.ENROLLED:
            screening.consent_date = change.consent_date
            screening.on_study_date = change.on_study_date
        screening.changed_by = user
        screening.save()
        why = " ".join(
            part
            for part in (
                f"criterion {change.failing_criterion}" if screening.failing_criterion else "",
                screening.reason,
                f"until {screening.deferred_until.isoformat()}" if screening.deferred_until else "",
            )
            if part
        )
        ScreeningEvent.objects.create(
            screening=screening,
            kind=ScreeningEvent.Kind.STATUS,
            actor=user,
            old_value=old,
            new_value=change.to,
            text=why,
        )
        audit.record(
            actor=user,
            action="screening.status_changed",
            object_type=OBJECT_TYPE,
            object_id=screening.pk,
            field="status",
            old=old,
            new=change.to,
            reason=why,
            details={
                "patient": patient.key,
                "trial": trial.trial_id,
                "arm": arm.code if arm else None,
                "fhir_status": workflow.FHIR_STATUS[change.to],
                "deferred_until": change.deferred_until,
                "consent_date": change.consent_date,
                "on_study_date": change.on_study_date,
            },
        )
    return screening


def move_many(
    *,
    user: User,
    pairs: Iterable[tuple[Patient, Trial, Arm | None]],
    change: workflow.Move,
    today: dt.date | None = None,
) -> int:
    """The same move for several pairs, all or none: one failing pair leaves every pair unchanged."""
    moved = 0
    with transaction.atomic():
        for patient, trial, arm in pairs:
            try:
                move(user=user, patient=patient, trial=trial, arm=arm, change=change, today=today)
            except WorkflowError as exc:
                raise WorkflowError({k: f"{patient.key}: {v}" for k, v in exc.problems.items()}) from exc
            moved += 1
    return moved


def assign(*, user: User, patient: Patient, trial: Trial, arm: Arm | None, to: User | None) -> Screening:
    with transaction.atomic():
        screening = _locked(patient, trial, arm)
        old = screening.assigned_to.get_username() if screening.assigned_to else ""
        screening.assigned_to = to
        screening.save(update_fields=["assigned_to", "changed_at"])
        new = to.get_username() if to else ""
        ScreeningEvent.objects.create(
            screening=screening, kind=ScreeningEvent.Kind.ASSIGNMENT, actor=user, old_value=old, new_value=new
        )
        audit.record(
            actor=user,
            action="screening.assigned",
            object_type=OBJECT_TYPE,
            object_id=screening.pk,
            field="assigned_to",
            old=old,
            new=new,
        )
    return screening


def add_note(*, user: User, patient: Patient, trial: Trial, arm: Arm | None, text: str) -> ScreeningEvent:
    """A note; its text stays in the history, not in the audit row (no clinical free text there)."""
    if not text.strip():
        raise WorkflowError({"text": "a note cannot be empty"})
    with transaction.atomic():
        screening = _locked(patient, trial, arm)
        event = ScreeningEvent.objects.create(
            screening=screening, kind=ScreeningEvent.Kind.NOTE, actor=user, text=text.strip()
        )
        audit.record(
            actor=user,
            action="screening.note_added",
            object_type=OBJECT_TYPE,
            object_id=screening.pk,
            details={"event": event.pk, "characters": len(event.text)},
        )
    return event


def flag_verdict(
    *,
    user: User,
    patient: Patient,
    trial: Trial,
    arm: Arm | None,
    criterion_id: str,
    verdict: str,
    comment: str,
) -> VerdictFlag:
    """'This verdict is wrong': the flag joins the trial's criteria review queue."""
    if not criterion_id:
        raise WorkflowError({"criterion_id": "say which criterion's verdict is wrong"})
    with transaction.atomic():
        flag = VerdictFlag.objects.create(
            trial=trial,
            arm=arm,
            patient=patient,
            criterion_id=criterion_id,
            verdict=verdict,
            comment=comment.strip(),
            flagged_by=user,
        )
        audit.record(
            actor=user,
            action="screening.verdict_flagged",
            object_type="screening.VerdictFlag",
            object_id=flag.pk,
            field="verdict",
            old=verdict,
            details={"trial": trial.trial_id, "criterion": criterion_id, "patient": patient.key},
        )
    return flag


def history(screening: Screening | None) -> QuerySet[ScreeningEvent]:
    if screening is None:
        return ScreeningEvent.objects.none()
    return screening.events.select_related("actor")


def due_deferrals(patients: QuerySet[Patient], *, today: dt.date) -> QuerySet[Screening]:
    """Deferred matches whose date has come: back on the worklist."""
    return Screening.objects.filter(
        patient__in=patients, status=workflow.DEFERRED, deferred_until__lte=today
    ).select_related("patient", "trial", "arm")


def touch_home(user: User) -> dt.datetime | None:
    """Record this visit to the home page; returns the previous one (None on the first)."""
    now = timezone.now()
    visit = HomeVisit.objects.filter(user=user).first()
    previous = visit.seen_at if visit else None
    HomeVisit.objects.update_or_create(user=user, defaults={"seen_at": now})
    return previous


def follow(*, user: User, trial: Trial, on: bool) -> None:
    if on:
        TrialFollow.objects.get_or_create(user=user, trial=trial)
    else:
        TrialFollow.objects.filter(user=user, trial=trial).delete()


def notify(*, user: User, kind: str, message: str, link: str, dedupe_key: str) -> bool:
    """One in-app notification per user and event; False when it was already there."""
    _, created = Notification.objects.get_or_create(
        user=user,
        dedupe_key=dedupe_key[:200],
        defaults={"kind": kind, "message": message[:300], "link": link},
    )
    return created


def unread(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, read_at__isnull=True)


def mark_read(user: User) -> int:
    return unread(user).update(read_at=timezone.now())


def send_digests() -> int:
    """E-mail each user their unread, not yet mailed notifications (Django's mail backend); mails sent."""
    sent = 0
    pending = Notification.objects.filter(read_at__isnull=True, mailed_at__isnull=True).select_related("user")
    by_user: dict[int, list[Notification]] = {}
    for n in pending:
        by_user.setdefault(n.user_id, []).append(n)
    for items in by_user.values():
        user = items[0].user
        if not user.email:
            continue
        body = "\n".join(f"- {n.message}" for n in items)
        send_mail(f"TrialMatch: {len(items)} new notifications", body, None, [user.email])
        Notification.objects.filter(pk__in=[n.pk for n in items]).update(mailed_at=timezone.now())
        sent += 1
    return sent


def notify_new_eligible(run: MatchRun) -> int:
    """Tell each follower of a trial about the run's eligible patients at their sites (once per pair)."""
    made = 0
    follows = TrialFollow.objects.filter(trial__in=Trial.objects.filter(matches__run=run).distinct())
    for follow_row in follows.select_related("user", "trial"):
        patients = Patient.objects.visible_to(follow_row.user)
        trials = Trial.objects.filter(pk=follow_row.trial_id)
        eligible = selectors.among(patients, trials=trials).filter(run=run, status="eligible")
        for match in eligible.select_related("patient", "arm"):
            arm = f" ({match.arm.code})" if match.arm else ""
            made += notify(
                user=follow_row.user,
                kind=Notification.Kind.NEW_ELIGIBLE,
                message=f"{match.patient.key} is eligible for {follow_row.trial.trial_id}{arm}",
                link=reverse("coordinator:match-detail", args=[match.patient_id, match.trial_id])
                + (f"?arm={match.arm_id}" if match.arm_id else ""),
                dedupe_key=f"eligible:{match.patient_id}:{match.trial_id}:{match.arm_id or 0}",
            )
    return made


def notify_due_deferrals(*, today: dt.date) -> int:
    """Tell whoever is assigned (or deferred it) that a deferred match is due today."""
    made = 0
    for s in Screening.objects.filter(status=workflow.DEFERRED, deferred_until__lte=today).select_related(
        "patient", "trial", "assigned_to", "changed_by"
    ):
        user = s.assigned_to or s.changed_by
        if user is None or not Patient.objects.visible_to(user).filter(pk=s.patient_id).exists():
            continue
        made += notify(
            user=user,
            kind=Notification.Kind.DEFERRAL_DUE,
            message=f"The deferral of {s.patient.key} for {s.trial.trial_id} is due",
            link=reverse("coordinator:match-detail", args=[s.patient_id, s.trial_id])
            + (f"?arm={s.arm_id}" if s.arm_id else ""),
            dedupe_key=f"due:{s.pk}:{s.deferred_until}",
        )
    return made


def notify_reopened(*, trial: Trial, arm: Arm | None = None) -> int:
    """Tell each follower of `trial` that it (or its `arm`) reopened to accrual. Called by the trial import
    in its transaction when the status moves from closed to open; each reopening is its own event."""
    what = f"Arm {arm.code} of {trial.trial_id}" if arm is not None else trial.trial_id
    link = reverse("coordinator:trial-detail", args=[trial.pk])
    when = timezone.now().isoformat()
    made = 0
    for follow_row in TrialFollow.objects.filter(trial=trial).select_related("user"):
        made += notify(
            user=follow_row.user,
            kind=Notification.Kind.REOPENED,
            message=f"{what} reopened to accrual",
            link=link,
            dedupe_key=f"reopened:{trial.pk}:{arm.pk if arm is not None else 0}:{when}",
        )
    return made
