"""Forms read every request's data: filters, workflow moves, notes, flags, runs and uploads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import User

from apps.accounts.models import Site
from apps.screening import workflow
from apps.trials.models import Arm

SORTS = {
    "rank": ("status", "-score", "patient__key"),
    "score": ("-score", "patient__key"),
    "molecular": ("-molecular_fit", "-score", "patient__key"),
    "phenotypic": ("-phenotypic_fit", "-score", "patient__key"),
    "unknown": ("unknown_count", "-score", "patient__key"),
    "patient": ("patient__key",),
}


class TrialSearchForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    status = forms.CharField(required=False, max_length=40)
    phase = forms.CharField(required=False, max_length=60)
    sponsor = forms.CharField(required=False, max_length=300)
    site = forms.CharField(required=False, max_length=40)
    mine = forms.BooleanField(required=False, label="With matches at my sites")


class PatientSearchForm(forms.Form):
    q = forms.CharField(required=False, label="Patient key", max_length=64)


class FollowForm(forms.Form):
    on = forms.BooleanField(required=False)


class WorklistForm(forms.Form):
    match = forms.ChoiceField(
        required=False,
        label="Match",
        choices=[("", "Eligible and possible"), ("eligible", "Eligible"), ("possible", "Possible")],
    )
    workflow = forms.ChoiceField(
        required=False, label="Workflow", choices=[("", "Any"), *workflow.LABELS.items()]
    )
    arm = forms.ModelChoiceField(queryset=Arm.objects.none(), required=False, empty_label="All arms")
    q = forms.CharField(required=False, label="Patient", max_length=64)
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("rank", "Rank"),
            ("score", "Score"),
            ("molecular", "Molecular fit"),
            ("phenotypic", "Phenotypic fit"),
            ("unknown", "Fewest unknowns"),
            ("patient", "Patient key"),
        ],
    )

    def __init__(self, *args: Any, arms: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["arm"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = arms


class MoveForm(forms.Form):
    to = forms.ChoiceField(label="New status", choices=list(workflow.LABELS.items()))
    failing_criterion = forms.ChoiceField(label="Failing criterion", required=False, choices=[("", "—")])
    reason = forms.CharField(
        label="Reason", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    deferred_until = forms.DateField(
        label="Deferred until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    consent_date = forms.DateField(
        label="Consent date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    on_study_date = forms.DateField(
        label="On-study date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self,
        *args: Any,
        criteria: Sequence[tuple[str, str]] = (),
        moves: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        failing = self.fields["failing_criterion"]
        assert isinstance(failing, forms.ChoiceField)
        failing.choices = [("", "— or write the reason —"), *criteria]
        if moves:
            to = self.fields["to"]
            assert isinstance(to, forms.ChoiceField)
            to.choices = [(m, workflow.LABELS[m]) for m in moves]

    def move(self) -> workflow.Move:
        d = self.cleaned_data
        return workflow.Move(
            to=d["to"],
            reason=d.get("reason") or "",
            failing_criterion=d.get("failing_criterion") or "",
            deferred_until=d.get("deferred_until"),
            consent_date=d.get("consent_date"),
            on_study_date=d.get("on_study_date"),
        )


class BulkMoveForm(forms.Form):
    to = forms.ChoiceField(
        label="Move selected to",
        choices=[
            (s, workflow.LABELS[s])
            for s in (
                workflow.UNDER_REVIEW,
                workflow.CONTACTED,
                workflow.DECLINED,
                workflow.DEFERRED,
                workflow.NOT_ELIGIBLE,
            )
        ],
    )
    reason = forms.CharField(label="Reason", required=False, max_length=2000)
    deferred_until = forms.DateField(
        label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    matches = forms.TypedMultipleChoiceField(coerce=int, choices=[], label="Matches")

    def __init__(self, *args: Any, match_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["matches"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(i, str(i)) for i in match_ids]


class NoteForm(forms.Form):
    text = forms.CharField(label="Note", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Nobody", label="Assign to"
    )

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = users


class FlagForm(forms.Form):
    criterion_id = forms.CharField(max_length=40)
    verdict = forms.CharField(max_length=12)
    comment = forms.CharField(label="What is wrong", required=False, max_length=2000)


class ArmChoiceForm(forms.Form):
    arm = forms.IntegerField(required=False, min_value=1)


class RunForm(forms.Form):
    trial = forms.CharField(required=False, max_length=64, label="Trial id (NCT or protocol number)")
    patient = forms.CharField(required=False, max_length=64, label="Patient key")
    as_of = forms.DateField(required=False, label="Judge on", widget=forms.DateInput(attrs={"type": "date"}))

    def as_of_or_today(self) -> dt.date:
        value = self.cleaned_data.get("as_of")
        return value if isinstance(value, dt.date) else dt.date.today()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("trials", "Trials (CT.gov JSON/XML, CTML)"), ("patients", "Patients (FHIR)")]
    )
    upload = MultipleFileField(label="Files", required=False)
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(),
        required=False,
        label="Site of patients whose managing organization is not a known site",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["site"]
        assert isinstance(field, forms.ModelChoiceField)
        self.user_sites = Site.objects.filter(members__user=user)
        field.queryset = self.user_sites
        first = self.user_sites.first()
        if first is not None:
            field.initial = first.pk
            field.empty_label = None

    def clean_site(self) -> Site | None:
        """The chosen site, or the user's first when the form names none (a single-site coordinator)."""
        site: Site | None = self.cleaned_data.get("site") or self.user_sites.first()
        return site

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        uploads = data.get("upload") or []
        if not uploads:
            raise forms.ValidationError("choose at least one file")
        limit = settings.MAX_UPLOAD_BYTES
        too_big = [f.name for f in uploads if f.size is not None and f.size > limit]
        if too_big:
            raise forms.ValidationError(f"over the {limit} byte limit: {', '.join(str(n) for n in too_big)}")
        data["uploads"] = uploads
        return data


CRITERION_KINDS = [
    "age",
    "sex",
    "diagnosis",
    "stage",
    "histology",
    "alteration",
    "tmb",
    "msi",
    "expression",
    "performance_status",
    "measurement",
    "prior_therapy",
    "washout",
    "condition",
    "pregnancy",
    "life_expectancy",
    "measurable_disease",
    "administrative",
    "group",
    "other",
]
CRITERION_ID = r"^[IE][0-9]+[a-z0-9.]*$"


class CriterionCorrectionForm(forms.Form):
    """A reviewer's change to one criterion of the current version: edit its kind, rule and negation, drop
    it, or add a new one; always with a reason (it goes into the audit row)."""

    action = forms.ChoiceField(choices=[("edit", "Edit"), ("drop", "Drop"), ("add", "Add")])
    criterion_id = forms.RegexField(
        regex=CRITERION_ID,
        max_length=40,
        label="Criterion",
        error_messages={
            "invalid": "a criterion id is I or E, a number, then sub-item letters or digits (I3, E2a)"
        },
    )
    section = forms.ChoiceField(
        choices=[("inclusion", "inclusion"), ("exclusion", "exclusion")], required=False
    )
    text = forms.CharField(required=False, max_length=2000, label="Text (new criterion)")
    kind = forms.ChoiceField(choices=[(k, k.replace("_", " ")) for k in CRITERION_KINDS], required=False)
    rule = forms.JSONField(
        required=False, initial=dict, label="Rule (JSON object)", widget=forms.Textarea(attrs={"rows": 3})
    )
    negated = forms.BooleanField(required=False)
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, existing: Sequence[str], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "correct_%s")  # the worklist's bulk form on the same page has id_reason
        super().__init__(*args, **kwargs)
        self.existing = set(existing)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action, cid = data.get("action"), data.get("criterion_id")
        if not action or not cid:
            return data
        if action == "add" and cid in self.existing:
            self.add_error("criterion_id", f"{cid} already exists: edit it, or choose a new id")
        if action != "add" and cid not in self.existing:
            self.add_error("criterion_id", f"the current version has no criterion {cid}")
        if action != "drop" and not data.get("kind"):
            self.add_error("kind", "choose the criterion's kind")
        rule = data.get("rule")
        if rule is not None and not isinstance(rule, dict):
            self.add_error(
                "rule", 'the rule is a JSON object, e.g. {"gene": "EGFR", "variant_class": "mutation"}'
            )
        if action == "add" and not (data.get("text") or "").strip():
            self.add_error("text", "a new criterion needs its text")
        return data

    def payload(self) -> dict[str, Any]:
        """The fields the correction replaces (apps.criteria.services.correct)."""
        d = self.cleaned_data
        if d["action"] == "drop":
            return {}
        payload = {"kind": d["kind"], "rule": d.get("rule") or {}, "negated": d["negated"]}
        if d["action"] == "add":
            payload.update(section=d.get("section") or "inclusion", text=d["text"].strip())
        return payload


class AuditFilterForm(forms.Form):
    user = forms.CharField(required=False, max_length=150)
    action = forms.CharField(required=False, max_length=80)
    object = forms.CharField(required=False, max_length=200, label="Object id")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
