"""Lab unit conversion used by the importer: one multiplier per unit pair, offsets converted per value."""

from __future__ import annotations

import pytest

from apps.patients.fhir import terms

units = pytest.importorskip("apps.vocab.units")


@pytest.mark.parametrize(
    ("value", "from_unit", "to_unit", "molar_mass"),
    [
        (1.2, "mg/dL", "umol/L", 113.12),
        (436.909, "mg/dL", "umol/L", 113.12),
        (5.5, "mmol/L", "mg/dL", 180.16),
        (13.1, "g/L", "g/dL", None),
        (250.0, "/mm3", "10*3/uL", None),
    ],
)
def test_conversion_by_multiplier_agrees_with_the_unit_vocabulary(
    value: float, from_unit: str, to_unit: str, molar_mass: float | None
) -> None:
    expected = units.convert(value, from_unit, to_unit, molar_mass=molar_mass)

    assert terms.convert(value, from_unit, to_unit, molar_mass) == pytest.approx(expected, rel=1e-11)


def test_conversion_with_an_offset_is_exact() -> None:
    assert terms.convert(37.0, "Cel", "[degF]", None) == pytest.approx(98.6, rel=1e-12)
    assert terms.convert(0.0, "Cel", "[degF]", None) == pytest.approx(32.0, rel=1e-12)


def test_units_measuring_different_things_are_refused() -> None:
    with pytest.raises(terms.UnitMismatch):
        terms.convert(1.0, "mg/dL", "mm[Hg]", None)
