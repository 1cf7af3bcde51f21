"""Pure FHIR R4 readers: files to resources, resources to plain dataclass facts (no Django, no ORM)."""
