"""Writing facts read from FHIR: batched upserts keyed by (patient, source_id), follow-up and staging.

Re-writing a fact with unchanged values touches no row (PROMISES 17). Runs inside the caller's transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from typing import Any

from django.db import models

from .bulk import insert_rows
from .fhir import facts as f
from .models import (
    Biomarker,
    Diagnosis,
    FollowUp,
    LabObservation,
    MolecularFinding,
    Patient,
    PatientIdentity,
    PerformanceStatus,
    PregnancyStatus,
    Procedure,
    Therapy,
)

FACT_MODELS: dict[type, type[models.Model]] = {
    f.DiagnosisFact: Diagnosis,
    f.LabFact: LabObservation,
    f.PerformanceFact: PerformanceStatus,
    f.FindingFact: MolecularFinding,
    f.BiomarkerFact: Biomarker,
    f.TherapyFact: Therapy,
    f.ProcedureFact: Procedure,
    f.PregnancyFact: PregnancyStatus,
}
# Kept when a later version of the same resource leaves them blank: the stage may come from an mCODE
# stage Observation rather than from Condition.stage.
_STICKY: dict[type[models.Model], set[str]] = {Diagnosis: {"stage", "stage_text"}}


_DEMOGRAPHICS = ["race", "race_text", "ethnicity", "ethnicity_text"]
_FIELD_NAMES: dict[str, tuple[str, ...]] = {}


def _field_names(name: str, fact: Any) -> tuple[str, ...]:
    if name not in _FIELD_NAMES:
        _FIELD_NAMES[name] = tuple(field.name for field in dataclasses.fields(fact))
    return _FIELD_NAMES[name]


def _label(model: type[models.Model]) -> str:
    return model._meta.model_name or model.__name__


class FactWriter:
    def __init__(self, batch_size: int = 2000) -> None:
        self.batch_size = batch_size
        self.patient_pk: dict[str, int] = {}
        self._absent: set[str] = set()
        self._patients: dict[str, tuple[f.PatientFact, str]] = {}
        self._facts: dict[type[models.Model], dict[tuple[Any, ...], dict[str, Any]]] = {}
        self._pending = 0
        self._primary: dict[str, str] = {}  # patient key -> source_id of its primary cancer Diagnosis
        self._outcomes: dict[str, list[dt.date | None]] = {}  # key -> [last alive, death, progression]
        self._stages: list[tuple[str, f.StageFact]] = []
        self.counts: Counter[str] = Counter()
        # Patients (primary keys) created, or with any fact or field created, changed or removed: the
        # ones to match again after the import commits.
        self.changed: set[int] = set()

    # -- patients -------------------------------------------------------------------------------------
    def known_patient(self, key: str) -> bool:
        if key in self.patient_pk or key in self._patients:
            return True
        if key in self._absent:
            return False
        pk = Patient.objects.filter(key=key).values_list("pk", flat=True).first()
        if pk is None:
            self._absent.add(key)
            return False
        self.patient_pk[key] = pk
        return True

    def add_patient(self, fact: f.PatientFact, source_file: str) -> None:
        self._patients[fact.key] = (fact, source_file)
        outcome = self._outcome(fact.key)
        outcome[1] = fact.death_date
        self._bump()

    def _flush_patients(self) -> None:
        if not self._patients:
            return
        existing = {p.key: p for p in Patient.objects.filter(key__in=list(self._patients))}
        identities = {
            i.patient.key: i
            for i in PatientIdentity.objects.filter(patient__key__in=list(self._patients)).select_related(
                "patient"
            )
        }
        new, changed = [], []
        for key, (fact, source_file) in self._patients.items():
            values: dict[str, Any] = {
                "sex": fact.sex,
                "race": fact.race,
                "race_text": fact.race_text,
                "ethnicity": fact.ethnicity,
                "ethnicity_text": fact.ethnicity_text,
                "birth_year": fact.birth_date.year if fact.birth_date else None,
                "source_file": source_file[:500],
            }
            row = existing.get(key)
            if row is None:
                new.append(Patient(key=key, **values))
            elif self._assign(row, values):
                changed.append(row)
        Patient.objects.bulk_create(new, batch_size=500)
        if changed:
            Patient.objects.bulk_update(
                changed, ["sex", *_DEMOGRAPHICS, "birth_year", "source_file", "updated_at"], batch_size=500
            )
        self._count(Patient, len(new), len(changed), len(self._patients) - len(new) - len(changed))
        for key, pk in Patient.objects.filter(key__in=list(self._patients)).values_list("key", "pk"):
            self.patient_pk[key] = pk
        self.changed.update(self.patient_pk[row.key] for row in [*new, *changed])
        identity_fields = ["name", "mrn", "birth_date", "address", "phone", "email", "identifiers"]
        new_ids, changed_ids = [], []
        for key, (fact, _) in self._patients.items():
            values = {
                "name": fact.name,
                "mrn": fact.mrn[:100],
                "birth_date": fact.birth_date,
                "address": fact.address,
                "phone": fact.phone,
                "email": fact.email[:200],
                "identifiers": fact.identifiers,
            }
            identity = identities.get(key)
            if identity is None:
                new_ids.append(PatientIdentity(patient_id=self.patient_pk[key], **values))
            elif self._assign(identity, values):
                changed_ids.append(identity)
        PatientIdentity.objects.bulk_create(new_ids, batch_size=500)
        if changed_ids:
            PatientIdentity.objects.bulk_update(changed_ids, identity_fields, batch_size=500)
        self._count(
            PatientIdentity,
            len(new_ids),
            len(changed_ids),
            len(self._patients) - len(new_ids) - len(changed_ids),
        )
        self._patients.clear()

    # -- facts ----------------------------------------------------------------------------------------
    def add(self, fact: Any, patient_key: str, source_file: str) -> None:
        if isinstance(fact, f.OutcomeFact):
            outcome = self._outcome(patient_key)
            if fact.alive_on and (outcome[0] is None or fact.alive_on > outcome[0]):
                outcome[0] = fact.alive_on
            if fact.progressed_on and (outcome[2] is None or fact.progressed_on < outcome[2]):
                outcome[2] = fact.progressed_on
            return
        if isinstance(fact, f.StageFact):
            self._stages.append((patient_key, fact))
            return
        model = FACT_MODELS[type(fact)]
        values = {n: getattr(fact, n) for n in _field_names(fact.__class__.__name__, fact) if n != "subject"}
        values["source_file"] = source_file[:500]
        if isinstance(fact, f.DiagnosisFact):
            # the primary cancer is decided at flush, with one query for the batch's patients
            values["is_primary"] = None if fact.category == Diagnosis.Category.CANCER else False
        key: tuple[Any, ...] = (patient_key, fact.source_id)
        if model is MolecularFinding:
            key = (*key, values["gene"])
        self._facts.setdefault(model, {})[key] = values
        self._bump()

    def _resolve_primaries(self, rows: dict[tuple[Any, ...], dict[str, Any]]) -> None:
        """Mark each patient's primary cancer: the one already stored, else the first cancer read.

        The stored primaries of the batch's patients are read in one query.
        """
        unknown = {key[0] for key, values in rows.items() if values["is_primary"] is None}
        unknown -= self._primary.keys()
        if unknown:
            pks = {self.patient_pk[k]: k for k in unknown}
            stored = Diagnosis.objects.filter(patient_id__in=pks, is_primary=True).order_by("pk")
            for pk, source_id in stored.values_list("patient_id", "source_id"):
                self._primary.setdefault(pks[pk], source_id)
        for key, values in rows.items():
            if values["is_primary"] is None:
                primary = self._primary.setdefault(key[0], key[1])
                values["is_primary"] = primary == key[1]

    def _bump(self) -> None:
        self._pending += 1
        if self._pending >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        self._flush_patients()
        if Diagnosis in self._facts:
            self._resolve_primaries(self._facts[Diagnosis])
        for model, rows in self._facts.items():
            self._upsert(model, rows)
        self._facts.clear()
        self._pending = 0

    def _upsert(self, model: type[models.Model], rows: dict[tuple[Any, ...], dict[str, Any]]) -> None:
        """Insert new rows, update changed ones; existing rows of the batch are read in one query."""
        keyed = {(self.patient_pk[k[0]], *k[1:]): v for k, v in rows.items()}
        if not keyed:
            return
        is_finding = model is MolecularFinding
        compared = list(next(iter(keyed.values())))
        key_width = 3 if is_finding else 2
        key_columns = ["patient_id", "source_id", "gene"][:key_width]
        # by patient only: with a second IN on source_id SQLite probes the index once per pair of values
        pairs = {k[:2] for k in keyed}
        found = model._default_manager.filter(patient_id__in={k[0] for k in keyed}).values_list(
            "pk", *key_columns, *compared
        )
        existing = {tuple(row[1 : 1 + key_width]): row for row in found if (row[1], row[2]) in pairs}
        if is_finding:
            stale = [row[0] for key, row in existing.items() if key not in keyed]
            if stale:
                self.changed.update(row[1] for key, row in existing.items() if key not in keyed)
                MolecularFinding.objects.filter(pk__in=stale).delete()
                self.counts[f"{_label(model)}.deleted"] += len(stale)
        new: list[dict[str, Any]] = []
        changed: list[models.Model] = []
        fields: set[str] = set()
        sticky = _STICKY.get(model, set())
        for key, values in keyed.items():
            row = existing.get(key)
            if row is None:
                new.append({"patient_id": key[0], **values})
                continue
            before = dict(zip(compared, row[1 + key_width :], strict=True))
            touched = {
                name
                for name, value in values.items()
                if before[name] != value and not (name in sticky and value == "" and before[name])
            }
            if touched:
                fields |= touched
                merged = {n: (values[n] if n in touched else before[n]) for n in compared}
                changed.append(model(pk=row[0], patient_id=key[0], **merged))
        if new:
            insert_rows(model, new)
            self.changed.update(row["patient_id"] for row in new)
        if changed:
            model._default_manager.bulk_update(changed, sorted(fields), batch_size=500)
            self.changed.update(int(row.patient_id) for row in changed)  # type: ignore[attr-defined]
        self._count(model, len(new), len(changed), len(keyed) - len(new) - len(changed))

    @staticmethod
    def _assign(row: models.Model, values: dict[str, Any], fields: set[str] | None = None) -> bool:
        touched = False
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                touched = True
                if fields is not None:
                    fields.add(name)
        return touched

    def _count(self, model: type[models.Model], created: int, updated: int, unchanged: int) -> None:
        label = _label(model)
        self.counts[f"{label}.created"] += created
        self.counts[f"{label}.updated"] += updated
        self.counts[f"{label}.unchanged"] += unchanged

    # -- end of a unit --------------------------------------------------------------------------------
    def _outcome(self, key: str) -> list[dt.date | None]:
        return self._outcomes.setdefault(key, [None, None, None])

    def finish(self) -> None:
        self.flush()
        self._apply_stages()
        self._write_follow_ups()

    def _apply_stages(self) -> None:
        for key, stage in self._stages:
            rows = Diagnosis.objects.filter(patient_id=self.patient_pk[key])
            rows = rows.filter(source_id=stage.condition) if stage.condition else rows.filter(is_primary=True)
            target = rows.first()
            if target is None or target.stage:
                self.counts["stage.not_applied"] += target is None
                continue
            target.stage, target.stage_text = stage.stage[:20], stage.stage_text[:200]
            target.save(update_fields=["stage", "stage_text"])
            self.changed.add(target.patient_id)
            self.counts["diagnosis.stage_from_observation"] += 1

    def _write_follow_ups(self) -> None:
        existing = {
            fu.patient_id: fu
            for fu in FollowUp.objects.filter(patient_id__in=[self.patient_pk[k] for k in self._outcomes])
        }
        new, changed = [], []
        for key, (alive, death, progression) in self._outcomes.items():
            pk = self.patient_pk[key]
            row = existing.get(pk)
            if row is not None:
                alive = (
                    max(d for d in (alive, row.last_known_alive) if d)
                    if (alive or row.last_known_alive)
                    else None
                )
                death = death or row.death_date
                progression = (
                    min(d for d in (progression, row.progression_date) if d)
                    if (progression or row.progression_date)
                    else None
                )
            if death and alive and alive > death:
                alive = death
            values = {"last_known_alive": alive, "death_date": death, "progression_date": progression}
            if row is None:
                if any(values.values()):
                    new.append(FollowUp(patient_id=pk, **values))
            elif self._assign(row, values):
                changed.append(row)
        FollowUp.objects.bulk_create(new, batch_size=500)
        self.changed.update(row.patient_id for row in [*new, *changed])
        if changed:
            FollowUp.objects.bulk_update(
                changed, ["last_known_alive", "death_date", "progression_date"], batch_size=500
            )
        self._count(FollowUp, len(new), len(changed), len(self._outcomes) - len(new) - len(changed))
