"""Which criteria a run applies: per trial (or per open CTML arm), its pinned criteria version's criteria (its
current parsed revision), capped at possible while the version is flagged for review and not approved."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from apps.criteria import plausibility
from apps.trials.models import Arm, CriteriaVersion, Trial

# Ids of the criteria built from the record's structured eligibility fields (not from its text).
AGE_ID = "AGE"
SEX_ID = "SEX"


class CriteriaError(ValueError):
    """A criteria version whose stored criteria cannot be used: the message names the version and entry."""


@dataclass(frozen=True)
class Plan:
    """One set of criteria to match every patient against: a trial, or one arm of it, at a pinned version."""

    trial_pk: int
    trial_id: str
    version_pk: int
    arm_pk: int | None
    arm_code: str | None
    criteria: list[dict[str, Any]]
    revision_pk: int | None = None  # the parsed revision the criteria come from (None: stored unparsed)


def structured_criteria(trial: Trial) -> list[dict[str, Any]]:
    """Age and sex from the record's structured fields (minimumAge, maximumAge, sex): inclusion criteria."""
    out: list[dict[str, Any]] = []
    if trial.min_age_years is not None or trial.max_age_years is not None:
        out.append(
            _criterion(
                AGE_ID,
                "age",
                f"age {trial.min_age_years if trial.min_age_years is not None else ''}"
                f"-{trial.max_age_years if trial.max_age_years is not None else ''} years (structured)",
                {
                    "min": trial.min_age_years,
                    "max": trial.max_age_years,
                    "min_inclusive": True,
                    "max_inclusive": True,
                    "unit": "a",
                },
            )
        )
    if trial.sex in (Trial.Sex.FEMALE, Trial.Sex.MALE):
        out.append(
            _criterion(SEX_ID, "sex", f"sex {trial.sex.lower()} (structured)", {"sex": trial.sex.lower()})
        )
    return out


def _criterion(cid: str, kind: str, text: str, rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": cid,
        "section": "inclusion",
        "text": text,
        "span": [0, 0],
        "kind": kind,
        "computable": True,
        "negated": False,
        "rule": rule,
        "entities": [],
    }


def _check_criteria(items: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        raise CriteriaError(f"{where}: expected a list of criteria, got {type(items).__name__}")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise CriteriaError(f"{where}[{i}]: expected a criterion object, got {type(item).__name__}")
        for field in ("id", "kind", "section"):
            if not isinstance(item.get(field), str) or not item[field]:
                raise CriteriaError(f"{where}[{i}].{field}: missing or not a string")
        if item["section"] not in ("inclusion", "exclusion"):
            raise CriteriaError(
                f"{where}[{i}].section: expected inclusion or exclusion, got {item['section']!r}"
            )
        if "children" in item:
            _check_criteria(item["children"], f"{where}[{i}].children")
    return items


def parsed_criteria(version: CriteriaVersion) -> list[dict[str, Any]]:
    """The version's parsed criteria (checked); parses its text now if it was stored unparsed."""
    where = f"criteria version {version.number} of {version.trial.trial_id}: parsed"
    if version.parsed is None:
        if not version.text.strip():
            return []
        from apps.criteria.parser import parse

        parsed: Any = parse(version.text)
    else:
        parsed = version.parsed
    if not isinstance(parsed, dict):
        raise CriteriaError(f"{where}: expected an object with 'criteria', got {type(parsed).__name__}")
    return _check_criteria(parsed.get("criteria"), f"{where}.criteria")


def _ctml_criteria(tree: Any, where: str) -> list[dict[str, Any]]:
    from apps.matching.eligibility import ctml_to_criteria

    try:
        return _check_criteria(ctml_to_criteria(tree), where)
    except (KeyError, TypeError, ValueError) as exc:
        raise CriteriaError(f"{where}: {exc}") from exc


def _arm_is_open(arm: Arm, arms_by_pk: dict[int, Arm]) -> bool:
    node: Arm | None = arm
    while node is not None:
        if node.status != Arm.Status.OPEN:
            return False
        parent_id = node.parent_id
        node = arms_by_pk.get(parent_id) if parent_id else None
    return True


def plans_for(
    version_pks: Iterable[int], *, include_closed: bool = False, with_criteria: bool = True
) -> list[Plan]:
    """The plans of these criteria versions, in trial and arm order. Raises CriteriaError on stored junk.

    With `with_criteria=False` the stored criteria are neither read nor checked (plans have empty criteria):
    enough to size a run; each chunk reads them itself, so a bad version fails the run, not the request.
    """
    rows = CriteriaVersion.objects.filter(pk__in=list(version_pks)).select_related("trial")
    if not with_criteria:
        rows = rows.defer("parsed", "text")
    versions = list(rows)
    arms_by_trial: dict[int, dict[str, Arm]] = {}
    arms_by_pk: dict[int, Arm] = {}
    for arm in Arm.objects.filter(trial__in=[v.trial_id for v in versions]):
        arms_by_trial.setdefault(arm.trial_id, {})[arm.code] = arm
        arms_by_pk[arm.pk] = arm
    plans: list[Plan] = []
    for version in sorted(versions, key=lambda v: v.trial.trial_id):
        trial = version.trial
        structured = version.structured if isinstance(version.structured, dict) else {}
        where = f"criteria version {version.number} of {trial.trial_id}: structured"
        base: list[dict[str, Any]] = []
        if with_criteria:
            base = structured_criteria(trial) + parsed_criteria(version)
            if structured.get("match"):
                base += _ctml_criteria(structured["match"], f"{where}.match")
            if version.needs_review:
                base.append(plausibility.cap_criterion(version.review_flags))
        revision = version.current_revision_id
        arm_plans: list[Plan] = []
        arms_field = structured.get("arms")
        arm_entries: list[Any] = arms_field if isinstance(arms_field, list) else []
        for i, entry in enumerate(arm_entries):
            if not isinstance(entry, dict) or not entry.get("match"):
                continue
            found = arms_by_trial.get(trial.pk, {}).get(str(entry.get("code")))
            if found is None:
                continue
            if not include_closed and not _arm_is_open(found, arms_by_pk):
                continue
            criteria = (
                base + _ctml_criteria(entry["match"], f"{where}.arms[{i}].match") if with_criteria else []
            )
            arm_plans.append(
                Plan(trial.pk, trial.trial_id, version.pk, found.pk, found.code, criteria, revision)
            )
        has_arm_trees = any(isinstance(e, dict) and e.get("match") for e in arm_entries)
        if arm_plans:
            plans.extend(sorted(arm_plans, key=lambda p: p.arm_code or ""))
        elif not has_arm_trees:
            plans.append(Plan(trial.pk, trial.trial_id, version.pk, None, None, base, revision))
    return plans
