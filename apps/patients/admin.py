"""Admin: read-only views of patients and their facts, a FHIR upload page, identities for superusers only."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from apps.audit import services as audit
from apps.audit.models import AuditEvent

from . import models
from . import services as patients


class ReadOnlyAdmin(admin.ModelAdmin):
    """Facts come from FHIR files only: no add, change or delete through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class UploadForm(forms.Form):
    file = forms.FileField(help_text="A FHIR R4 Bundle (.json) or bulk-export NDJSON (.ndjson) file")


@admin.register(models.Patient)
class PatientAdmin(ReadOnlyAdmin):
    list_display = ["key", "sex", "birth_year", "site", "updated_at"]
    list_filter = ["sex", "site"]
    search_fields = ["key"]
    change_list_template = "admin/patients/patient_changelist.html"

    def get_urls(self) -> list[URLPattern]:
        upload = path("import/", self.admin_site.admin_view(self.import_view), name="patients_patient_import")
        return [upload, *super().get_urls()]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("patients.add_patient"):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.MAX_UPLOAD_BYTES:
                form.add_error("file", f"over the upload limit of {settings.MAX_UPLOAD_BYTES} bytes")
            else:
                report = patients.import_bytes(upload.name, upload.read(), actor=request.user)
                if report.ok:
                    messages.success(request, f"{upload.name} imported.")
                    return HttpResponseRedirect(reverse("admin:patients_patient_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import FHIR patients",
            "form": form,
            "report": report,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/patients/import.html", context, status=400 if report else 200)


@admin.register(models.PatientIdentity)
class PatientIdentityAdmin(ReadOnlyAdmin):
    """Identified data: superusers only, and every detail view is written to the audit trail."""

    list_display = ["patient"]
    search_fields = ["patient__key"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if self.has_view_permission(request):
            audit.record(
                actor=request.user,
                kind=AuditEvent.Kind.ACCESS,
                action="patients.identity.view",
                object_type="patient_identity",
                object_id=object_id,
            )
        return super().change_view(request, object_id, form_url, extra_context)


class FactAdmin(ReadOnlyAdmin):
    search_fields = ["patient__key", "source_id"]
    list_columns: ClassVar[list[str]] = []

    def get_list_display(self, request: HttpRequest) -> list[str]:  # type: ignore[override]
        return ["patient", *self.list_columns, "source_id"]


@admin.register(models.Diagnosis)
class DiagnosisAdmin(FactAdmin):
    list_columns = ["category", "code_system", "code", "oncotree_code", "stage", "is_primary", "onset_date"]
    list_filter = ["category", "is_primary"]


@admin.register(models.LabObservation)
class LabObservationAdmin(FactAdmin):
    list_columns = ["loinc", "value", "unit", "value_as_recorded", "unit_as_recorded", "effective_date"]


@admin.register(models.PerformanceStatus)
class PerformanceStatusAdmin(FactAdmin):
    list_columns = ["scale", "value", "effective_date"]


@admin.register(models.MolecularFinding)
class MolecularFindingAdmin(FactAdmin):
    list_columns = ["gene", "present", "variant_class", "protein_short", "exon", "partner_gene", "origin"]
    list_filter = ["variant_class", "present", "origin"]


@admin.register(models.Biomarker)
class BiomarkerAdmin(FactAdmin):
    list_columns = ["marker", "result", "value_number", "scoring", "clone", "effective_date"]
    list_filter = ["marker"]


@admin.register(models.Therapy)
class TherapyAdmin(FactAdmin):
    list_columns = ["drug_name", "drugbank_id", "rxnorm", "start_date", "end_date", "status"]


@admin.register(models.Procedure)
class ProcedureAdmin(FactAdmin):
    list_columns = ["kind", "code_system", "code", "performed_date"]
    list_filter = ["kind"]


@admin.register(models.PregnancyStatus)
class PregnancyStatusAdmin(FactAdmin):
    list_columns = ["status", "effective_date"]


@admin.register(models.FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["patient", "last_known_alive", "death_date", "progression_date"]
