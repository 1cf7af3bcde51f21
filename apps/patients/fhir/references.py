"""Which resources an import unit holds, and whether a reference inside it resolves.

Rules (a unit is one Bundle file, or one NDJSON export):
- `urn:uuid:` / `urn:oid:` references are Bundle-local: they must name an entry's fullUrl.
- `Type/id` (relative, or absolute ending in it) must name a resource of the unit when the unit holds
  resources of that type; a Patient reference may also name a patient already imported.
- Conditional (`Type?identifier=...`), contained (`#id`) and references to types the unit does not hold
  (Practitioner, Organization... left out of an export) are outside the unit and not checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

_TYPED = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")

RESOLVED, EXTERNAL, BROKEN = "resolved", "external", "broken"


@dataclass
class ReferenceIndex:
    ids: set[str] = field(default_factory=set)  # "Type/id"
    full_urls: dict[str, str] = field(default_factory=dict)  # fullUrl -> "Type/id"
    types: set[str] = field(default_factory=set)

    @staticmethod
    def key_for(resource_type: str, resource_id: str, full_url: str = "") -> str:
        """ "Type/id" of a resource (the fullUrl's tail when it has no id)."""
        rid = resource_id or (full_url.rsplit(":", 1)[-1].rsplit("/", 1)[-1] if full_url else "")
        return f"{resource_type}/{rid}"

    def add(self, resource_type: str, resource_id: str, full_url: str = "") -> str:
        """Register a resource and return its key."""
        key = self.key_for(resource_type, resource_id, full_url)
        self.ids.add(key)
        self.types.add(resource_type)
        if full_url:
            self.full_urls[full_url] = key
        return key

    def resolve(self, ref: str, known_patient: Callable[[str], bool] | None = None) -> tuple[str, str]:
        """(RESOLVED, "Type/id") | (EXTERNAL, "") | (BROKEN, "")."""
        if ref.startswith("#") or "?" in ref:
            return EXTERNAL, ""
        if ref in self.full_urls:
            return RESOLVED, self.full_urls[ref]
        if ref.startswith(("urn:uuid:", "urn:oid:")):
            return BROKEN, ""
        match = _TYPED.search(ref)
        if match is None:
            return EXTERNAL, ""
        key = f"{match[1]}/{match[2]}"
        if key in self.ids:
            return RESOLVED, key
        if ref.startswith(("http://", "https://")):
            return EXTERNAL, ""
        if match[1] == "Patient":
            return (RESOLVED, key) if known_patient is not None and known_patient(match[2]) else (BROKEN, "")
        return (BROKEN, "") if match[1] in self.types else (EXTERNAL, "")
