import pytest

from apps.vocab import labs, units
from apps.vocab.units import UnitError


@pytest.mark.parametrize(
    ("text", "loinc"),
    [
        ("absolute neutrophil count", "751-8"),
        ("ANC", "751-8"),
        ("neutrophils", "751-8"),
        ("platelets", "777-3"),
        ("platelet count", "777-3"),
        ("hemoglobin", "718-7"),
        ("haemoglobin", "718-7"),
        ("Hb", "718-7"),
        ("Hgb", "718-7"),
        ("serum creatinine", "2160-0"),
        ("creatinine clearance", "2164-2"),
        ("total bilirubin", "1975-2"),
        ("bilirubin", "1975-2"),
        ("AST", "1920-8"),
        ("SGOT", "1920-8"),
        ("ALT", "1742-6"),
        ("SGPT", "1742-6"),
        ("albumin", "1751-7"),
        ("INR", "6301-6"),
        ("aPTT", "14979-9"),
        ("WBC", "6690-2"),
        ("leukocytes", "6690-2"),
        ("lymphocytes", "731-0"),
        ("alkaline phosphatase", "6768-6"),
        ("lipase", "3040-3"),
        ("amylase", "1798-8"),
        ("glucose", "2345-7"),
        ("fasting glucose", "1558-6"),
        ("HbA1c", "4548-4"),
        ("potassium", "2823-3"),
        ("magnesium", "19123-9"),
        ("calcium", "17861-6"),
        ("TSH", "3016-3"),
        ("LVEF", "10230-1"),
        ("QTc", "8636-3"),
        ("QTcF", "8636-3"),
        ("eGFR", "33914-3"),
        ("body weight", "29463-7"),
        ("body height", "8302-2"),
        ("testosterone", "2986-8"),
        ("PSA", "2857-1"),
        ("LDH", "2532-0"),
        ("CA-125", "10334-1"),
        ("troponin", "10839-9"),
    ],
)
def test_lab_lookup_reads_names_as_eligibility_text_writes_them(text: str, loinc: str) -> None:
    lab = labs.lookup(text)

    assert lab is not None
    assert lab.loinc == loinc


@pytest.mark.parametrize(
    ("loinc", "unit", "molar_mass"),
    [
        ("751-8", "10*3/uL", None),
        ("777-3", "10*3/uL", None),
        ("718-7", "g/dL", None),
        ("2160-0", "mg/dL", 113.12),
        ("1975-2", "mg/dL", 584.66),
        ("1920-8", "U/L", None),
        ("1742-6", "U/L", None),
        ("29463-7", "kg", None),
        ("8302-2", "cm", None),
        ("10230-1", "%", None),
        ("2345-7", "mg/dL", 180.16),
        ("17861-6", "mg/dL", 40.08),
    ],
)
def test_by_loinc_gives_the_canonical_unit_and_molar_mass(
    loinc: str, unit: str, molar_mass: float | None
) -> None:
    lab = labs.by_loinc(loinc)

    assert lab is not None
    assert (lab.unit, lab.molar_mass) == (unit, molar_mass)


def test_unknown_lab_is_none() -> None:
    assert labs.lookup("unobtainium level") is None
    assert labs.by_loinc("0000-0") is None


@pytest.mark.parametrize("lab", labs.all_labs(), ids=lambda lab: lab.loinc)
def test_every_lab_resolves_and_its_unit_is_ucum_we_can_convert(lab: labs.Lab) -> None:
    assert units.normalise_unit(lab.unit) == lab.unit
    assert units.convert(1.0, lab.unit, lab.unit) == 1.0
    for synonym in lab.synonyms:
        assert labs.lookup(synonym) == lab


@pytest.mark.parametrize(
    ("text", "ucum"),
    [
        ("/mm3", "/mm3"),
        ("/mm^3", "/mm3"),
        ("cells/mm3", "/mm3"),
        ("/uL", "/uL"),
        ("/µL", "/uL"),
        ("/μL", "/uL"),
        ("/mcL", "/uL"),
        ("per microliter", "/uL"),
        ("x 10^9/L", "10*9/L"),
        ("× 10⁹/L", "10*9/L"),
        ("10^9/L", "10*9/L"),
        ("10*9/L", "10*9/L"),
        ("10*3/uL", "10*3/uL"),
        ("K/uL", "10*3/uL"),
        ("g/dL", "g/dL"),
        ("g/dl", "g/dL"),
        ("g/L", "g/L"),
        ("mg/dL", "mg/dL"),
        ("mg/dl", "mg/dL"),
        ("µmol/L", "umol/L"),
        ("umol/L", "umol/L"),
        ("micromol/L", "umol/L"),
        ("U/L", "U/L"),
        ("IU/L", "[IU]/L"),
        ("mL/min", "mL/min"),
        ("ml/min/1.73m2", "mL/min/{1.73_m2}"),
        ("mL/min/1.73 m2", "mL/min/{1.73_m2}"),
        ("%", "%"),
        ("mut/Mb", "{mutations}/{megabase}"),
        ("mmHg", "mm[Hg]"),
        ("ms", "ms"),
        ("kg", "kg"),
        ("cm", "cm"),
        ("years", "a"),
        ("months", "mo"),
        ("weeks", "wk"),
        ("days", "d"),
    ],
)
def test_normalise_unit_writes_free_text_units_as_ucum(text: str, ucum: str) -> None:
    assert units.normalise_unit(text) == ucum


@pytest.mark.parametrize("text", ["furlongs", "", "x ULN", "mg/furlong"])
def test_unknown_units_raise_unit_error_naming_the_unit(text: str) -> None:
    with pytest.raises(UnitError, match="unknown unit"):
        units.normalise_unit(text)


@pytest.mark.parametrize(
    ("value", "source", "target", "molar_mass", "expected"),
    [
        (1500, "/mm3", "10*3/uL", None, 1.5),
        (1.5, "10*9/L", "10*3/uL", None, 1.5),
        (100000, "/uL", "10*3/uL", None, 100),
        (9, "g/dL", "g/L", None, 90),
        (1.5, "mg/dL", "umol/L", 113.12, 132.6),
        (1.2, "mg/dL", "umol/L", 584.66, 20.52),
        (100, "mg/dL", "mmol/L", 180.16, 5.55),
        (40, "IU/L", "U/L", None, 40),
        (2, "years", "months", None, 24),
        (70, "kg", "[lb_av]", None, 154.32),
        (60, "ml/min/1.73m2", "mL/min/{1.73_m2}", None, 60),
        (5, "mIU/L", "uIU/mL", None, 5),
    ],
)
def test_convert_between_compatible_units(
    value: float, source: str, target: str, molar_mass: float | None, expected: float
) -> None:
    assert units.convert(value, source, target, molar_mass=molar_mass) == pytest.approx(expected, rel=1e-3)


@pytest.mark.parametrize(("source", "target"), [("g/dL", "mL/min"), ("mg/dL", "umol/L"), ("%", "kg")])
def test_convert_between_incompatible_units_names_both(source: str, target: str) -> None:
    with pytest.raises(UnitError) as error:
        units.convert(1.0, source, target)

    assert source in str(error.value)
    assert target in str(error.value)


@pytest.mark.parametrize(("source", "target"), [("%", "mg/dL"), ("mg/dL", "%"), ("{INR}", "umol/L")])
def test_a_molar_mass_does_not_make_a_ratio_a_concentration(source: str, target: str) -> None:
    with pytest.raises(UnitError, match="different quantities"):
        units.convert(1.0, source, target, molar_mass=113.12)


@pytest.mark.parametrize("entry", [e for e in labs.reading_table() if e["units"]], ids=lambda e: e["key"])
def test_every_written_unit_factor_agrees_with_pint_where_pint_reads_the_unit(
    entry: dict[str, object],
) -> None:
    lab = labs.by_loinc(str(entry["loinc"]))
    factors = entry["units"]
    assert isinstance(factors, dict)

    disagree = {}
    for written, factor in factors.items():
        try:
            computed = units.convert(
                1.0, written, str(entry["unit"]), molar_mass=lab.molar_mass if lab else None
            )
        except UnitError:
            continue  # a form pint does not read ("k/ul"); the curated factor is the only reading
        if abs(computed - factor) > 0.02 * abs(factor):
            disagree[written] = (factor, computed)

    assert disagree == {}


@pytest.mark.parametrize(
    ("key", "written", "factor"),
    [
        ("proteinuria", "g/24 hours", 1.0),
        ("proteinuria", "mg/24 h", 0.001),
        ("upcr", "mg/g", 0.001),
        ("upcr", "mg/mg", 1.0),
        ("anc", "cells/µL", 0.001),
        ("platelets", "x 10^9/L", 1.0),
        ("hemoglobin", "g/L", 0.1),
        ("bilirubin", "µmol/L", 0.05848),
        ("creatinine", "mL/min", None),
        ("anc", "%", None),
    ],
)
def test_written_units_convert_to_the_labs_canonical_unit(
    key: str, written: str, factor: float | None
) -> None:
    assert labs.written_unit_factor(key, written) == factor
