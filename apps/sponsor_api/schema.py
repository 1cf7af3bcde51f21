"""OpenAPI post-processing: problem+json errors on every operation; request bodies take no extra fields."""

from __future__ import annotations

from typing import Any

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "errors"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
ERRORS = {
    "400": "invalid input; `errors` lists the fields at fault",
    "401": "missing, expired or revoked token",
    "403": "your role may not do this",
    "404": "not found, or not yours",
    "405": "method not allowed",
    "429": "too many requests for this token",
}


def add_problem_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    # Request bodies refuse unknown fields (serializers.StrictSerializer): say so.
    for name, component in schemas.items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    schemas["Problem"] = PROBLEM_SCHEMA
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in result.get("paths", {}).items():
        public_doc = path.endswith(("/schema/", "/docs/"))
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, description in ERRORS.items():
                if public_doc and status in ("401", "403", "404"):
                    continue
                operation["responses"].setdefault(status, {"description": description, "content": problem})
    return result
