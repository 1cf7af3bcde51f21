"""CSV trials, one a row (the AACT/Facebook extract, or ClinicalTrials.gov's own CSV download)."""

from __future__ import annotations

from . import vocab
from .records import FileRejected, RecordError, TrialRecord, UnknownValue, about

# Each field: the column names it goes by, first match wins.
COLUMNS = {
    "nct_id": ("nct_id", "#nct_id", "nctid", "nct number"),
    "title": ("title", "brief_title", "study title"),
    "official_title": ("official_title",),
    "conditions": ("conditions", "condition"),
    "eligibility": ("eligibility_criteria", "criteria", "eligibility criteria"),
    "status": ("overall_status", "status", "study status"),
    "phase": ("phase", "phases"),
    "sex": ("gender", "sex"),
    "min_age": ("minimum_age", "min_age"),
    "max_age": ("maximum_age", "max_age"),
    "sponsor": ("lead_sponsor", "sponsor"),
}


def column_map(fieldnames: list[str]) -> dict[str, str]:
    by_lower = {name.strip().lower(): name for name in fieldnames}
    found = {}
    for field, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in by_lower:
                found[field] = by_lower[alias]
                break
    if "nct_id" not in found:
        raise FileRejected(
            "no trial id column: expected one of " + ", ".join(COLUMNS["nct_id"]), field="header"
        )
    return found


def record_from_row(row: dict[str, str], columns: dict[str, str], label: str) -> TrialRecord:
    def cell(field: str) -> str:
        column = columns.get(field)
        return (row.get(column) or "") if column else ""

    def name(field: str) -> str:
        return columns.get(field, field)

    extra = row.get(None)  # type: ignore[call-overload]
    if extra:
        raise RecordError("", f"{len(extra)} more cells than the header has columns")
    trial_id = vocab.nct_id(cell("nct_id"), name("nct_id"))
    label = f"{label} {trial_id}"
    with about(trial_id):
        unknown = []
        status, known = vocab.overall_status(cell("status"), name("status"))
        if not known:
            unknown.append(UnknownValue(label, name("status"), status))
        phase, odd_phases = vocab.phase(cell("phase").split("|"), name("phase"))
        unknown += [UnknownValue(label, name("phase"), value) for value in odd_phases]
        min_age = vocab.age_years(cell("min_age"), name("min_age"))
        max_age = vocab.age_years(cell("max_age"), name("max_age"))
        vocab.check_age_range(min_age, max_age, name("min_age"))
        return TrialRecord(
            trial_id=trial_id,
            source="ctgov",
            label=label,
            title=cell("title"),
            official_title=cell("official_title"),
            phase=phase,
            overall_status=status,
            sponsor=vocab.sponsor_name(cell("sponsor"), name("sponsor")),
            conditions=[c.strip() for c in cell("conditions").split("|") if c.strip()],
            min_age_years=min_age,
            max_age_years=max_age,
            sex=vocab.sex(cell("sex"), name("sex")),
            eligibility_text=cell("eligibility"),
            raw=dict(row),
            unknown_values=unknown,
        )
