"""Structural validation of one resource against the FHIR R4 (R4B) models of fhir.resources."""

from __future__ import annotations

from functools import cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

# Resource types the product reads into facts; others are read, counted and not stored.
CLINICAL_TYPES = {
    "Condition",
    "Observation",
    "MedicationRequest",
    "MedicationStatement",
    "MedicationAdministration",
    "Procedure",
}


@cache
def _model(resource_type: str) -> Any:
    try:
        return get_fhir_model_class(resource_type)
    except (ValueError, KeyError):
        return None


def is_resource_type(name: str) -> bool:
    return bool(name) and name[:1].isupper() and _model(name) is not None


def _path(resource_type: str, loc: tuple[Any, ...]) -> str:
    out = resource_type
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in ("__root__",):
            out += f".{part}"
    return out


def validate(resource: dict[str, Any]) -> list[tuple[str, str]]:
    """(FHIR path, message) for every structural error; [] when valid."""
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str) or not is_resource_type(rtype):
        return [("resourceType", f"not a FHIR R4 resource type: {str(rtype)[:40]!r}")]
    try:
        _model(rtype).model_validate(resource)
    except ValidationError as exc:
        return [(_path(rtype, tuple(err["loc"])), _message(err)) for err in exc.errors()[:20]]
    except (ValueError, TypeError) as exc:
        return [(rtype, str(exc).splitlines()[0][:200])]
    return []


def _message(err: Any) -> str:
    msg = str(err.get("msg", "invalid"))
    if err.get("type") == "model_field_validation.missing" or err.get("type") == "missing":
        return "required element is missing"
    return msg.removeprefix("Value error, ")[:200]
