"""Race and ethnicity from the US Core Patient extensions (us-core-race, us-core-ethnicity).

Each extension carries OMB categories (`ombCategory`, CDC race and ethnicity codes) and a required `text`.
We keep one category per patient for de-identified counts: the OMB category, `multiple` when a patient
reports several races, `unknown` when nothing usable is recorded; the text is kept as written.
"""

from __future__ import annotations

from typing import Any

from .facts import ReadError

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
RACE_URL = US_CORE + "us-core-race"
ETHNICITY_URL = US_CORE + "us-core-ethnicity"
CDC_RACE_ETHNICITY = "urn:oid:2.16.840.1.113883.6.238"
NULL_FLAVOR = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"

RACES = {
    "1002-5": "american_indian_or_alaska_native",
    "2028-9": "asian",
    "2054-5": "black_or_african_american",
    "2076-8": "native_hawaiian_or_other_pacific_islander",
    "2106-3": "white",
}
ETHNICITIES = {"2135-2": "hispanic_or_latino", "2186-5": "not_hispanic_or_latino"}
# "asked but unknown" and "unknown" are recorded answers that say nothing about the category
_NULLS = {"UNK": "unknown", "ASKU": "unknown"}


def _category(extension: dict[str, Any], path: str, categories: dict[str, str]) -> tuple[str, str]:
    found: list[str] = []
    text = ""
    for i, part in enumerate(extension.get("extension") or []):
        if not isinstance(part, dict):
            continue
        if part.get("url") == "text":
            text = str(part.get("valueString") or "")[:100]
        elif part.get("url") == "ombCategory":
            coding = part.get("valueCoding")
            code = str(coding.get("code") or "") if isinstance(coding, dict) else ""
            system = str(coding.get("system") or "") if isinstance(coding, dict) else ""
            if system == NULL_FLAVOR and code in _NULLS:
                continue
            if system != CDC_RACE_ETHNICITY or code not in categories:
                raise ReadError(
                    f"{path}.extension[{i}].valueCoding",
                    f"not an OMB category code: {code[:20]!r} (system {system[:60]!r})",
                )
            if categories[code] not in found:
                found.append(categories[code])
    if not found:
        return "unknown", text
    return (found[0] if len(found) == 1 else "multiple"), text


def race_and_ethnicity(resource: dict[str, Any]) -> dict[str, str]:
    """{"race", "race_text", "ethnicity", "ethnicity_text"} of a Patient resource; ReadError names a code
    that is not an OMB category."""
    out = {"race": "unknown", "race_text": "", "ethnicity": "unknown", "ethnicity_text": ""}
    for i, extension in enumerate(resource.get("extension") or []):
        if not isinstance(extension, dict):
            continue
        path = f"extension[{i}]"
        if extension.get("url") == RACE_URL:
            out["race"], out["race_text"] = _category(extension, path, RACES)
        elif extension.get("url") == ETHNICITY_URL:
            out["ethnicity"], out["ethnicity_text"] = _category(extension, path, ETHNICITIES)
    return out
