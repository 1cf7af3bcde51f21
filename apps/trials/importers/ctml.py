"""MatchMiner CTML trials to TrialRecords: steps, arms and dose levels become arms with their status."""

from __future__ import annotations

from typing import Any

from . import vocab
from .records import ArmRecord, RecordError, TrialRecord, UnknownValue, about

_SUSPENDED = {"Y": True, "YES": True, "TRUE": True, "N": False, "NO": False, "FALSE": False}


def is_ctml(doc: Any) -> bool:
    return isinstance(doc, dict) and ("protocol_no" in doc or "treatment_list" in doc)


def _suspended(value: Any, field: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    try:
        return _SUSPENDED[str(value).strip().upper()]
    except KeyError:
        raise RecordError(field, f"expected Y or N, got {value!r}") from None


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise RecordError(field, f"expected a list, got {type(value).__name__}")
    return value


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordError(field, f"expected an object, got {type(value).__name__}")
    return value


def record_from_ctml(doc: dict[str, Any], label: str) -> TrialRecord:
    protocol_no = vocab.optional_str(doc.get("protocol_no"), "protocol_no").strip()
    if not protocol_no:
        raise RecordError("protocol_no", "missing: every CTML trial needs its protocol_no")
    label = f"{label} {protocol_no}".strip()
    with about(protocol_no):
        unknown: list[UnknownValue] = []
        status, known = vocab.ctml_status(doc.get("status"), "status")
        if not known:
            unknown.append(UnknownValue(label, "status", status))
        phase, odd_phases = vocab.phase([doc.get("phase")], "phase")
        unknown += [UnknownValue(label, "phase", value) for value in odd_phases]
        arms = _arms(doc.get("treatment_list"))
        long_title = vocab.optional_str(doc.get("long_title"), "long_title")
        short_title = vocab.optional_str(doc.get("short_title"), "short_title")
        return TrialRecord(
            trial_id=protocol_no[:64],
            source="ctml",
            label=label,
            title=short_title or long_title,
            official_title=long_title,
            phase=phase,
            overall_status=status,
            sponsor=_principal_sponsor(doc.get("sponsor_list")),
            conditions=_diagnoses([doc.get("match")] + [arm.match_tree for arm in arms]),
            arms=arms,
            structured={
                "format": "ctml",
                "match": doc.get("match"),
                "arms": [
                    {"code": arm.code, "kind": arm.kind, "parent": arm.parent_code, "match": arm.match_tree}
                    for arm in arms
                ],
            },
            raw=doc,
            unknown_values=unknown,
        )


def _arms(treatment_list: Any) -> list[ArmRecord]:
    """Steps, then their arms, then the arms' dose levels; parents always precede children."""
    if treatment_list is None:
        return []
    steps = _list(_object(treatment_list, "treatment_list").get("step"), "treatment_list.step")
    allocate = vocab.CodeAllocator()
    out: list[ArmRecord] = []
    for s, step in enumerate(steps):
        where = f"treatment_list.step[{s}]"
        step = _object(step, where)
        step_code = vocab.optional_str(step.get("step_code"), f"{where}.step_code")
        step_arm = ArmRecord(
            code=allocate(f"step {step_code}" if step_code else "", f"step {s + 1}"),
            kind="step",
            description=vocab.optional_str(step.get("step_type"), f"{where}.step_type"),
            match_tree=step.get("match"),
        )
        out.append(step_arm)
        children: list[ArmRecord] = []
        for a, arm in enumerate(_list(step.get("arm"), f"{where}.arm")):
            arm_where = f"{where}.arm[{a}]"
            arm = _object(arm, arm_where)
            arm_code = vocab.optional_str(arm.get("arm_code"), f"{arm_where}.arm_code")
            arm_record = ArmRecord(
                code=allocate(arm_code, f"arm {s + 1}.{a + 1}"),
                kind="arm",
                parent_code=step_arm.code,
                description=vocab.optional_str(arm.get("arm_description"), f"{arm_where}.arm_description"),
                status="closed"
                if _suspended(arm.get("arm_suspended"), f"{arm_where}.arm_suspended")
                else "open",
                match_tree=arm.get("match"),
            )
            children.append(arm_record)
            for d, level in enumerate(_list(arm.get("dose_level"), f"{arm_where}.dose_level")):
                level_where = f"{arm_where}.dose_level[{d}]"
                level = _object(level, level_where)
                level_code = vocab.optional_str(level.get("level_code"), f"{level_where}.level_code")
                children.append(
                    ArmRecord(
                        code=allocate(f"{arm_record.code} / {level_code}", f"{arm_record.code} / {d + 1}"),
                        kind="dose_level",
                        parent_code=arm_record.code,
                        description=vocab.optional_str(
                            level.get("level_description"), f"{level_where}.level_description"
                        ),
                        status="closed"
                        if _suspended(level.get("level_suspended"), f"{level_where}.level_suspended")
                        else "open",
                        match_tree=level.get("match"),
                    )
                )
        # A step has no status of its own: it is closed when every arm in it is.
        if any(child.kind == "arm" for child in children) and all(
            child.status == "closed" for child in children if child.kind == "arm"
        ):
            step_arm.status = "closed"
        out += children
    return out


def _principal_sponsor(sponsor_list: Any) -> str | None:
    if not isinstance(sponsor_list, dict):
        return None
    sponsors = [s for s in _list(sponsor_list.get("sponsor"), "sponsor_list.sponsor") if isinstance(s, dict)]
    principal = [
        s for s in sponsors if str(s.get("is_principal_sponsor", "")).upper() in {"Y", "YES", "TRUE"}
    ]
    for sponsor in principal or sponsors[:1]:
        return vocab.sponsor_name(sponsor.get("sponsor_name"), "sponsor_list.sponsor.sponsor_name")
    return None


def _diagnoses(trees: list[Any]) -> list[str]:
    """The OncoTree diagnoses the match trees ask for (not the excluded "!..." ones), for display."""
    found: dict[str, None] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            clinical = node.get("clinical")
            if isinstance(clinical, dict):
                diagnosis = clinical.get("oncotree_primary_diagnosis")
                if isinstance(diagnosis, str) and diagnosis and not diagnosis.startswith("!"):
                    found[diagnosis] = None
            for key, value in node.items():
                if key != "clinical":
                    walk(value)

    walk(trees)
    return list(found)
