"""ClinicalTrials.gov records (API v2 JSON, classic v1 JSON, legacy XML as a dict) to TrialRecords."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import vocab
from .records import ArmRecord, RecordError, TrialRecord, UnknownValue, about


@dataclass(frozen=True)
class Spec:
    """Where one ClinicalTrials.gov dialect keeps each field, as paths from the study's root."""

    dialect: str
    sep: str
    root: str
    nct_id: str
    title: str
    official_title: str
    status: str
    sponsor: str
    conditions: str
    phases: str
    eligibility: str
    min_age: str
    max_age: str
    sex: str
    locations: str
    facility: str
    arms: str
    arm_label: str
    arm_description: str
    arm_type: str


V2 = Spec(
    dialect="ClinicalTrials.gov API v2",
    sep=".",
    root="protocolSection",
    nct_id="identificationModule.nctId",
    title="identificationModule.briefTitle",
    official_title="identificationModule.officialTitle",
    status="statusModule.overallStatus",
    sponsor="sponsorCollaboratorsModule.leadSponsor.name",
    conditions="conditionsModule.conditions",
    phases="designModule.phases",
    eligibility="eligibilityModule.eligibilityCriteria",
    min_age="eligibilityModule.minimumAge",
    max_age="eligibilityModule.maximumAge",
    sex="eligibilityModule.sex",
    locations="contactsLocationsModule.locations",
    facility="facility",
    arms="armsInterventionsModule.armGroups",
    arm_label="label",
    arm_description="description",
    arm_type="type",
)
V1 = Spec(
    dialect="ClinicalTrials.gov classic API (v1)",
    sep=".",
    root="Study.ProtocolSection",
    nct_id="IdentificationModule.NCTId",
    title="IdentificationModule.BriefTitle",
    official_title="IdentificationModule.OfficialTitle",
    status="StatusModule.OverallStatus",
    sponsor="SponsorCollaboratorsModule.LeadSponsor.LeadSponsorName",
    conditions="ConditionsModule.ConditionList.Condition",
    phases="DesignModule.PhaseList.Phase",
    eligibility="EligibilityModule.EligibilityCriteria",
    min_age="EligibilityModule.MinimumAge",
    max_age="EligibilityModule.MaximumAge",
    sex="EligibilityModule.Gender",
    locations="ContactsLocationsModule.LocationList.Location",
    facility="LocationFacility",
    arms="ArmsInterventionsModule.ArmGroupList.ArmGroup",
    arm_label="ArmGroupLabel",
    arm_description="ArmGroupDescription",
    arm_type="ArmGroupType",
)
XML = Spec(
    dialect="ClinicalTrials.gov legacy XML",
    sep="/",
    root="",
    nct_id="id_info/nct_id",
    title="brief_title",
    official_title="official_title",
    status="overall_status",
    sponsor="sponsors/lead_sponsor/agency",
    conditions="condition",
    phases="phase",
    eligibility="eligibility/criteria/textblock",
    min_age="eligibility/minimum_age",
    max_age="eligibility/maximum_age",
    sex="eligibility/gender",
    locations="location",
    facility="facility/name",
    arms="arm_group",
    arm_label="arm_group_label",
    arm_description="description",
    arm_type="arm_group_type",
)


def _get(node: Any, path: str, spec: Spec, prefix: str = "") -> Any:
    """Follow `path`; None where it ends early; an error where a step is not an object."""
    if not path:
        return node
    walked = prefix
    for key in path.split(spec.sep):
        if node is None:
            return None
        if not isinstance(node, dict):
            raise RecordError(walked, f"expected an object, got {type(node).__name__}")
        node = node.get(key)
        walked = f"{walked}{spec.sep}{key}" if walked else key
    return node


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any, field: str) -> str:
    """Element text from the XML dict form ({"#text": ...} where it has attributes) or plain JSON."""
    if isinstance(value, dict) and "#text" in value:
        value = value["#text"]
    return vocab.optional_str(value, field)


def record_from_study(study: Any, spec: Spec, label: str) -> TrialRecord:
    """One study in `spec`'s dialect; RecordError names the field in that dialect's own terms."""
    if not isinstance(study, dict):
        raise RecordError("", f"expected a study object, got {type(study).__name__}")
    ps = _get(study, spec.root, spec)
    if not isinstance(ps, dict):
        raise RecordError(spec.root, f"missing: not a {spec.dialect} study")

    def path(relative: str) -> str:
        return f"{spec.root}{spec.sep}{relative}" if spec.root else relative

    def get(relative: str) -> Any:
        return _get(ps, relative, spec, spec.root)

    def text(relative: str) -> str:
        return _text(get(relative), path(relative))

    trial_id = vocab.nct_id(text(spec.nct_id), path(spec.nct_id))
    label = f"{label} {trial_id}".strip()
    with about(trial_id):
        unknown: list[UnknownValue] = []
        status, known = vocab.overall_status(text(spec.status), path(spec.status))
        if not known:
            unknown.append(UnknownValue(label, path(spec.status), status))
        phases = [_text(p, path(spec.phases)) for p in _as_list(get(spec.phases))]
        phase, odd_phases = vocab.phase(phases, path(spec.phases))
        unknown += [UnknownValue(label, path(spec.phases), value) for value in odd_phases]
        min_age = vocab.age_years(text(spec.min_age), path(spec.min_age))
        max_age = vocab.age_years(text(spec.max_age), path(spec.max_age))
        vocab.check_age_range(min_age, max_age, path(spec.min_age))
        conditions = [_text(c, path(spec.conditions)) for c in _as_list(get(spec.conditions))]
        eligibility = get(spec.eligibility)
        return TrialRecord(
            trial_id=trial_id,
            source="ctgov",
            label=label,
            title=text(spec.title),
            official_title=text(spec.official_title),
            phase=phase,
            overall_status=status,
            sponsor=vocab.sponsor_name(text(spec.sponsor), path(spec.sponsor)),
            conditions=[c for c in conditions if c],
            min_age_years=min_age,
            max_age_years=max_age,
            sex=vocab.sex(text(spec.sex), path(spec.sex)),
            eligibility_text=_text(eligibility, path(spec.eligibility)),
            arms=_arms(get(spec.arms), spec, path(spec.arms)),
            sites=_facilities(get(spec.locations), spec, path(spec.locations)),
            raw=study,
            unknown_values=unknown,
        )


def _arms(groups: Any, spec: Spec, field: str) -> list[ArmRecord]:
    allocate = vocab.CodeAllocator()
    arms = []
    for i, group in enumerate(_as_list(groups)):
        where = f"{field}[{i}]"
        if not isinstance(group, dict):
            raise RecordError(where, f"expected an arm group object, got {type(group).__name__}")
        label = _text(group.get(spec.arm_label), f"{where}{spec.sep}{spec.arm_label}")
        kind = _text(group.get(spec.arm_type), f"{where}{spec.sep}{spec.arm_type}")
        description = _text(group.get(spec.arm_description), f"{where}{spec.sep}{spec.arm_description}")
        arms.append(
            ArmRecord(
                code=allocate(label, f"arm {i + 1}"),
                description=f"{kind}: {description}" if kind and description else kind or description,
            )
        )
    return arms


def _facilities(locations: Any, spec: Spec, field: str) -> list[str]:
    names: dict[str, None] = {}
    for i, location in enumerate(_as_list(locations)):
        where = f"{field}[{i}]"
        if not isinstance(location, dict):
            raise RecordError(where, f"expected a location object, got {type(location).__name__}")
        name = _text(_get(location, spec.facility, spec, where), f"{where}{spec.sep}{spec.facility}").strip()
        if name and not (name.startswith("[") and name.endswith("]")):
            names[name] = None
    return list(names)
