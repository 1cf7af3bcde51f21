"""Which site an imported patient belongs to: its FHIR Patient.managingOrganization matched to a Site (by
identifier = Site.code, else by name), or else the uploader's site, so no imported patient is invisible."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from apps.accounts.models import Site

from .models import Patient


@dataclass(frozen=True)
class Organization:
    """What a Patient resource (and the Organization it references, when the file holds it) says of the
    organization managing the patient."""

    identifiers: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


def organization_of(reference: Any, resource: dict[str, Any] | None) -> Organization | None:
    """The managing organization from Patient.managingOrganization and the referenced resource, if any."""
    if not isinstance(reference, dict):
        return None
    identifiers: list[str] = []
    names: list[str] = []
    ident = reference.get("identifier")
    if isinstance(ident, dict) and ident.get("value"):
        identifiers.append(str(ident["value"]))
    if reference.get("display"):
        names.append(str(reference["display"]))
    if resource:
        for item in resource.get("identifier") or []:
            if isinstance(item, dict) and item.get("value"):
                identifiers.append(str(item["value"]))
        names += [str(n) for n in [resource.get("name"), *(resource.get("alias") or [])] if n]
    if not identifiers and not names:
        return None
    return Organization(tuple(identifiers), tuple(names))


def site_code_for(organization: Organization | None, sites: Iterable[tuple[str, str]]) -> str | None:
    """The code of the site (from (code, name) pairs) the organization is: an identifier equal to a site's
    code first, then a name equal to a site's name (both ignoring case and surrounding spaces)."""
    if organization is None:
        return None
    sites = list(sites)
    by_code = {code.strip().casefold(): code for code, _ in sites}
    by_name = {name.strip().casefold(): code for code, name in sites}
    for value in organization.identifiers:
        if value.strip().casefold() in by_code:
            return by_code[value.strip().casefold()]
    for value in organization.names:
        if value.strip().casefold() in by_name:
            return by_name[value.strip().casefold()]
    return None


def place(
    organizations: dict[str, Organization | None], default_site: Site | None
) -> tuple[Counter[str], int]:
    """Set the site of the patients keyed in `organizations`: the managing organization's site when it is a
    known site, else (for patients without a site) `default_site`. Returns (patients per site code now,
    patients left without a site). Call inside the import's transaction."""
    sites = {s.code: s for s in Site.objects.all()}
    pairs = [(s.code, s.name) for s in sites.values()]
    chosen: dict[str, list[str]] = {}
    unplaced: list[str] = []
    for key, organization in organizations.items():
        code = site_code_for(organization, pairs)
        if code is not None:
            chosen.setdefault(code, []).append(key)
        else:
            unplaced.append(key)
    for code, keys in chosen.items():
        for batch in _batches(keys):
            Patient.objects.filter(key__in=batch).exclude(site=sites[code]).update(site=sites[code])
    if default_site is not None:
        for batch in _batches(unplaced):
            Patient.objects.filter(key__in=batch, site__isnull=True).update(site=default_site)
    placed: Counter[str] = Counter()
    for batch in _batches(list(organizations)):
        rows = Patient.objects.filter(key__in=batch, site__isnull=False).values("site__code")
        placed.update(dict(rows.annotate(n=Count("pk")).values_list("site__code", "n")))
    return placed, len(organizations) - sum(placed.values())


def _batches(keys: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]
