"""Age bands of the subgroup tables, 75+ included (who the criteria leave out)."""

import pytest

from apps.feasibility.services import age_band


@pytest.mark.parametrize(
    "age,band",
    [
        (None, "unknown"),
        (18, "<40"),
        (39, "<40"),
        (40, "40-49"),
        (64, "60-64"),
        (65, "65-74"),
        (74, "65-74"),
        (75, "75+"),
        (102, "75+"),
    ],
)
def test_age_band(age: int | None, band: str) -> None:
    assert age_band(age) == band
