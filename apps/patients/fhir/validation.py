"""Structural validation of one resource against the FHIR R4 (R4B) models of fhir.resources.

Every resource is validated in full by its fhir.resources model. Speed: fhir.resources validates each
nested element (Coding, CodeableConcept, Reference...) through a Python-level validator, and bulk
exports repeat the same elements thousands of times. While `validate` runs, elements already found valid
are remembered by (model class, exact JSON text) and not validated again: validation of an element
depends only on its content, so the outcome is identical. Invalid elements are never remembered.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from functools import cache
from typing import Any

import orjson
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
# Valid elements remembered at most (about 5 kB each); the memo starts again when full.
MEMO_SIZE = 4_000
MEMO_TEXT = 400  # characters of JSON: larger elements are not remembered


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


class _ElementMemo:
    """Wraps fhir_core's nested-element validator; remembers valid elements only while `active`."""

    def __init__(self, validator: Callable[..., Any]) -> None:
        self.validator = validator
        self.state = threading.local()  # `active` per thread: other threads' validation is left alone
        self.valid: dict[tuple[type, str | bytes], Any] = {}
        self._encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode

    def key(self, value: dict[str, Any]) -> str | bytes:
        """The exact JSON text of an element: orjson's, unless it wrote a null (NaN and Infinity become
        null there), then `json`'s, which keeps them apart."""
        try:
            text = orjson.dumps(value)
        except TypeError:  # not JSON data as parsed (e.g. integer over 64 bits)
            return self._encode(value)
        return self._encode(value) if b"null" in text else text

    def __call__(self, owner: Any, value: Any, model_klass: type) -> Any:
        if type(value) is not dict or not getattr(self.state, "active", False):
            return self.validator(owner, value, model_klass)
        try:
            key = (model_klass, self.key(value))
        except (TypeError, ValueError):
            return self.validator(owner, value, model_klass)
        found = self.valid.get(key)
        if found is not None:
            return found
        model = self.validator(owner, value, model_klass)  # raises on invalid: nothing remembered
        if len(key[1]) > MEMO_TEXT:  # large elements seldom repeat whole, and would hold much memory
            return model
        if len(self.valid) >= MEMO_SIZE:
            self.valid.clear()
        self.valid[key] = model
        return model


def _install_memo() -> _ElementMemo | None:
    """Hook the memo into fhir_core, if its validator hook has the expected shape; else validate plainly."""
    try:
        from fhir_core.types import FhirBase
    except ImportError:  # pragma: no cover - fhir.resources without fhir_core
        return None
    hook = FhirBase.__dict__.get("fhir_model_validator")
    if isinstance(hook, classmethod) and isinstance(hook.__func__, _ElementMemo):
        return hook.__func__
    if not isinstance(hook, classmethod):  # pragma: no cover - another fhir_core layout
        return None
    memo = _ElementMemo(hook.__func__)
    # the models' validators look the hook up on the class at each call, so they all see the memo
    FhirBase.fhir_model_validator = classmethod(memo)  # type: ignore[assignment]
    return memo


_MEMO = _install_memo()


def validate(resource: dict[str, Any]) -> list[tuple[str, str]]:
    """(FHIR path, message) for every structural error; [] when valid."""
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str) or not is_resource_type(rtype):
        return [("resourceType", f"not a FHIR R4 resource type: {str(rtype)[:40]!r}")]
    if _MEMO is not None:
        _MEMO.state.active = True
    try:
        _model(rtype).model_validate(resource)
    except ValidationError as exc:
        return [(_path(rtype, tuple(err["loc"])), _message(err)) for err in exc.errors()[:20]]
    except (ValueError, TypeError) as exc:
        return [(rtype, str(exc).splitlines()[0][:200])]
    finally:
        if _MEMO is not None:
            _MEMO.state.active = False
    return []


def _message(err: Any) -> str:
    msg = str(err.get("msg", "invalid"))
    if err.get("type") == "model_field_validation.missing" or err.get("type") == "missing":
        return "required element is missing"
    return msg.removeprefix("Value error, ")[:200]
