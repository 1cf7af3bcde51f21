"""Units: free-text units from criteria and FHIR to UCUM, and conversion between UCUM units.

Library choice: pint (already a dependency). ucumvert parses full UCUM into pint but adds lark and took
~1.4 s to build its registry here; clinical criteria and FHIR labs use a small UCUM subset (prefixed
SI units, 10*N factors, [IU], mm[Hg], annotations), which a short translator below maps onto pint's
default registry (loaded once; pint caches its parsed definitions on disk). Mass <-> amount of
substance conversion uses pint's "chemistry" context.
Enzyme International Units and U are the same unit (1 umol/min), so IU/L and U/L convert 1:1.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

import pint


class UnitError(ValueError):
    """An unknown unit, or a conversion between incompatible units (the message names the unit(s))."""


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")

# Whole free-text units (lower case, spaces removed) -> UCUM.
_WHOLE: dict[str, str] = {
    "%": "%",
    "percent": "%",
    "mut/mb": "{mutations}/{megabase}",
    "muts/mb": "{mutations}/{megabase}",
    "mutations/mb": "{mutations}/{megabase}",
    "mutations/megabase": "{mutations}/{megabase}",
    "mutationspermegabase": "{mutations}/{megabase}",
    "/mb": "{mutations}/{megabase}",
    "k/ul": "10*3/uL",
    "k/mcl": "10*3/uL",
    "k/µl": "10*3/uL",
    "thou/ul": "10*3/uL",
    "m/ul": "10*6/uL",
    "m/mcl": "10*6/uL",
    "mil/ul": "10*6/uL",
    "bpm": "/min",
    "beats/min": "/min",
    "breaths/min": "/min",
    "kg/m^2": "kg/m2",
}

# Single terms (lower case) -> UCUM.
_TERMS: dict[str, str] = {
    "": "",
    "l": "L",
    "liter": "L",
    "litre": "L",
    "dl": "dL",
    "deciliter": "dL",
    "decilitre": "dL",
    "ml": "mL",
    "milliliter": "mL",
    "millilitre": "mL",
    "ul": "uL",
    "mcl": "uL",
    "microliter": "uL",
    "microlitre": "uL",
    "nl": "nL",
    "mm3": "mm3",
    "mm^3": "mm3",
    "cmm": "mm3",
    "cubicmillimeter": "mm3",
    "g": "g",
    "gram": "g",
    "grams": "g",
    "mg": "mg",
    "milligram": "mg",
    "milligrams": "mg",
    "ug": "ug",
    "mcg": "ug",
    "microgram": "ug",
    "micrograms": "ug",
    "ng": "ng",
    "nanogram": "ng",
    "pg": "pg",
    "kg": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "lb": "[lb_av]",
    "lbs": "[lb_av]",
    "pound": "[lb_av]",
    "pounds": "[lb_av]",
    "[lb_av]": "[lb_av]",
    "mol": "mol",
    "mmol": "mmol",
    "millimol": "mmol",
    "millimole": "mmol",
    "umol": "umol",
    "micromol": "umol",
    "micromole": "umol",
    "nmol": "nmol",
    "pmol": "pmol",
    "meq": "meq",
    "u": "U",
    "units": "U",
    "iu": "[IU]",
    "[iu]": "[IU]",
    "miu": "m[IU]",
    "m[iu]": "m[IU]",
    "uiu": "u[IU]",
    "u[iu]": "u[IU]",
    "kiu": "k[IU]",
    "mu": "mU",
    "s": "s",
    "sec": "s",
    "secs": "s",
    "second": "s",
    "seconds": "s",
    "ms": "ms",
    "msec": "ms",
    "msecs": "ms",
    "millisecond": "ms",
    "milliseconds": "ms",
    "min": "min",
    "mn": "min",
    "minute": "min",
    "minutes": "min",
    "h": "h",
    "hr": "h",
    "hrs": "h",
    "hour": "h",
    "hours": "h",
    "d": "d",
    "day": "d",
    "days": "d",
    # a 24-hour collection ("g/24 h", UCUM "g/(24.h)") is a daily amount
    "(24.h)": "d",
    "24h": "d",
    "24hr": "d",
    "24hrs": "d",
    "24hour": "d",
    "24hours": "d",
    "24-hour": "d",
    "24-hours": "d",
    "wk": "wk",
    "wks": "wk",
    "week": "wk",
    "weeks": "wk",
    "mo": "mo",
    "mos": "mo",
    "month": "mo",
    "months": "mo",
    "a": "a",
    "y": "a",
    "yr": "a",
    "yrs": "a",
    "year": "a",
    "years": "a",
    "m": "m",
    "cm": "cm",
    "mm": "mm",
    "in": "[in_i]",
    "inch": "[in_i]",
    "inches": "[in_i]",
    "[in_i]": "[in_i]",
    "ft": "[ft_i]",
    "[ft_i]": "[ft_i]",
    "m2": "m2",
    "m^2": "m2",
    "m²": "m2",
    "mmhg": "mm[Hg]",
    "mm[hg]": "mm[Hg]",
    "cmh2o": "cm[H2O]",
    "cm[h2o]": "cm[H2O]",
    "°c": "Cel",
    "degc": "Cel",
    "cel": "Cel",
    "°f": "[degF]",
    "degf": "[degF]",
    "[degf]": "[degF]",
    "copies": "{copies}",
    "cells": "",
    "cell": "",
    "#": "",
}

_POWER = re.compile(r"^(?:x|\*)?10(?:\^|\*\*|\*|e)(\d{1,2})(.*)$")
_BSA = re.compile(r"/1\.73(?:_?m2|m\^2|m²|sqm|squaremeters?)$|/\{1\.73_m2\}$")

# UCUM terms -> pint expressions (terms not listed are passed through: mL, mg, umol, kg ...).
_PINT_TERMS: dict[str, str] = {
    "%": "percent",
    "[IU]": "IU",
    "m[IU]": "milliIU",
    "u[IU]": "microIU",
    "k[IU]": "kiloIU",
    "mm[Hg]": "mmHg",
    "cm[H2O]": "cmH2O",
    "Cel": "degC",
    "[degF]": "degF",
    "[lb_av]": "pound",
    "[in_i]": "inch",
    "[ft_i]": "foot",
    "a": "year",
    "mo": "month",
    "wk": "week",
    "d": "day",
    "h": "hour",
    "min": "minute",
    "U": "enzyme_unit",
    "mU": "milli_enzyme_unit",
    "meq": "milliequivalent",
    "{megabase}": "megabase",
}
_PRODUCT = re.compile(r"\.(?![^{]*\})")  # UCUM multiplication dot, not inside an annotation
_POWER_TERM = re.compile(r"^10\*(\d{1,2})$")
_EXPONENT_TERM = re.compile(r"^([A-Za-z]+)(\d)$")


def _clean(text: str) -> str:
    text = re.sub("10([⁰¹²³⁴⁵⁶⁷⁸⁹]+)", lambda m: "10^" + m.group(1).translate(_SUPERSCRIPTS), text)
    text = unicodedata.normalize("NFKC", text.translate(_SUPERSCRIPTS))
    return text.replace("μ", "u").replace("µ", "u").replace("×", "x").strip()


def normalise_unit(text: str) -> str:
    """A free-text or UCUM unit ("/mm3", "x 10^9/L", "K/uL", "umol/L", "IU/L", "years") -> UCUM string."""
    if text is None or not str(text).strip():
        raise UnitError(f"unknown unit {text!r}: empty")
    original = str(text)
    cleaned = _clean(original)
    compact = re.sub(r"\s+", "", cleaned)
    lower = re.sub(r"\bper\b", "/", cleaned.lower())
    lower = re.sub(r"\s+", "", lower)
    if lower in _WHOLE:
        return _WHOLE[lower]
    bsa = bool(_BSA.search(lower))
    if bsa:
        lower = _BSA.sub("", lower)
        compact = _BSA.sub("", compact)
    factor = ""
    power = _POWER.match(lower)
    if power:
        factor, lower = f"10*{int(power.group(1))}", power.group(2)
        compact = compact[len(compact) - len(lower) :] if lower else ""
    parts = lower.split("/")
    raw_parts = compact.split("/") if compact.count("/") == lower.count("/") else parts
    ucum_parts: list[str] = []
    for part, raw in zip(parts, raw_parts, strict=True):
        if part.startswith("{") and part.endswith("}"):
            ucum_parts.append(raw)  # annotations keep their case
            continue
        if part not in _TERMS:
            raise UnitError(f"unknown unit {original!r}: cannot read {part!r}")
        ucum_parts.append(_TERMS[part])
    numerator = ucum_parts[0]
    if factor:
        numerator = f"{factor}.{numerator}" if numerator else factor
    result = "/".join([numerator, *ucum_parts[1:]])
    if bsa:
        result += "/{1.73_m2}"
    if result in ("", "/"):
        raise UnitError(f"unknown unit {original!r}")
    return result


@cache
def _registry() -> pint.UnitRegistry:
    # ":auto:" keeps pint's parsed definitions in the user cache folder: 0.6 s -> 0.05 s after the first run.
    ureg: pint.UnitRegistry = pint.UnitRegistry(cache_folder=":auto:")
    ureg.define("IU = enzyme_unit")
    ureg.define("milli_enzyme_unit = 1e-3 * enzyme_unit")
    ureg.define("milliequivalent = millimole")
    ureg.define("megabase = [genome_length]")
    return ureg


def _to_pint(ucum: str) -> str:
    parts = ucum.split("/")
    out: list[str] = []
    for term in parts:
        pieces = []
        for piece in _PRODUCT.split(term):
            if piece.startswith("{") and piece.endswith("}") and piece not in _PINT_TERMS:
                continue  # annotations are dimensionless
            power = _POWER_TERM.match(piece)
            exponent = _EXPONENT_TERM.match(piece)
            if power:
                pieces.append(f"1e{power.group(1)}")
            elif piece in _PINT_TERMS:
                pieces.append(_PINT_TERMS[piece])
            elif exponent:
                pieces.append(f"{exponent.group(1)}**{exponent.group(2)}")
            elif piece:
                pieces.append(piece)
        out.append("(" + "*".join(pieces) + ")" if pieces else "(1)")
    return "/".join(out)


@cache
def _quantity(unit: str) -> Any:
    ucum = normalise_unit(unit)
    try:
        return _registry().parse_expression(_to_pint(ucum))
    except (pint.errors.PintError, AttributeError, TypeError, ValueError, SyntaxError) as exc:
        raise UnitError(f"unknown unit {unit!r} ({ucum})") from exc


def is_compatible(from_unit: str, to_unit: str, *, molar_mass: float | None = None) -> bool:
    try:
        convert(1.0, from_unit, to_unit, molar_mass=molar_mass)
    except UnitError:
        return False
    return True


def convert(value: float, from_unit: str, to_unit: str, *, molar_mass: float | None = None) -> float:
    """`value` in `from_unit` expressed in `to_unit` (free text or UCUM).

    `molar_mass` (g/mol) allows mass <-> amount of substance (mg/dL <-> umol/L). Raises UnitError naming
    both units when they measure different things.
    """
    source, target = _quantity(from_unit), _quantity(to_unit)
    ureg = _registry()
    quantity = ureg.Quantity(value * source.magnitude, source.units)
    try:
        if molar_mass is not None:
            with ureg.context("chemistry", mw=molar_mass * ureg("g/mol")):
                result = quantity.to(target.units).magnitude / target.magnitude
        else:
            result = quantity.to(target.units).magnitude / target.magnitude
    # ZeroDivisionError: pint's chemistry context reads a dimensionless ratio (%, {INR}) as a fraction of a
    # solvent whose default mass and volume are 0 when asked to turn it into a concentration.
    except (pint.errors.DimensionalityError, ZeroDivisionError) as exc:
        dims = {str(source.dimensionality), str(target.dimensionality)}
        hint = ""
        if molar_mass is None and any("[substance]" in d for d in dims) and any("[mass]" in d for d in dims):
            hint = " (give the molar mass to convert between mass and amount of substance)"
        raise UnitError(
            f"cannot convert {from_unit!r} to {to_unit!r}: they measure different quantities{hint}"
        ) from exc
    return float(f"{float(result):.12g}")
