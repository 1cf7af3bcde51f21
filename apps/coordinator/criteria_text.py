"""The criteria of a trial's current version as a reader sees them: id -> text, flattened, with highlights."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from apps.trials.models import Trial

STRUCTURED = {"AGE": "Age (structured field of the record)", "SEX": "Sex (structured field of the record)"}


@dataclass(frozen=True)
class Criterion:
    id: str
    section: str
    text: str
    kind: str
    computable: bool
    confidence: float | None
    rule: Any
    depth: int
    negated: bool = False


def _walk(items: list[dict[str, Any]], depth: int = 0) -> Iterator[Criterion]:
    for item in items:
        yield Criterion(
            id=str(item.get("id", "")),
            section=str(item.get("section", "")),
            text=str(item.get("text", "")),
            kind=str(item.get("kind", "")),
            computable=bool(item.get("computable", False)),
            confidence=item.get("confidence"),
            rule=item.get("rule"),
            depth=depth,
            negated=bool(item.get("negated", False)),
        )
        yield from _walk(item.get("children") or [], depth + 1)


def criteria_of(trial: Trial) -> list[Criterion]:
    version = trial.current_version()
    if version is None or not isinstance(version.parsed, dict):
        return []
    return list(_walk(version.parsed.get("criteria") or []))


def labels_of(trial: Trial) -> dict[str, str]:
    return {**STRUCTURED, **{c.id: c.text for c in criteria_of(trial)}}


def highlighted(trial: Trial) -> list[tuple[str, str | None]]:
    """The eligibility text cut into (piece, criterion id or None): each parsed criterion's span marked."""
    version = trial.current_version()
    if version is None or not isinstance(version.parsed, dict):
        return [(trial.eligibility_text, None)] if trial.eligibility_text else []
    text = version.text
    spans = sorted(
        (int(c["span"][0]), int(c["span"][1]), str(c["id"]))
        for c in version.parsed.get("criteria") or []
        if isinstance(c.get("span"), list) and len(c["span"]) == 2 and c["span"][1] > c["span"][0]
    )
    pieces: list[tuple[str, str | None]] = []
    at = 0
    for start, end, cid in spans:
        if start < at:
            continue
        if start > at:
            pieces.append((text[at:start], None))
        pieces.append((text[start:end], cid))
        at = end
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces


def chips(verdicts: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    """Verdicts ready for a chip each: id, verdict, label and evidence as short text."""
    out = []
    for v in verdicts:
        evidence = v.get("evidence")
        if isinstance(evidence, list | tuple):
            evidence = "; ".join(str(e) for e in evidence)
        elif isinstance(evidence, dict):
            evidence = "; ".join(f"{k}: {val}" for k, val in evidence.items())
        out.append(
            {
                "id": v["id"],
                "verdict": v.get("verdict") or "unknown",
                "label": labels.get(v["id"], v["id"]),
                "evidence": "" if evidence is None else str(evidence),
            }
        )
    return out
