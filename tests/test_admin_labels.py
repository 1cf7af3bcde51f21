"""Every model of ours is named in the plural as English writes it ("Matches", "Diagnoses", "Therapies")."""

from __future__ import annotations

import re

from django.apps import apps

_WRONG = re.compile(r"(ss|[^aeiou]ys|chs|shs|xs|sis s)$")


def test_every_model_has_a_proper_plural_label() -> None:
    ours = [m for m in apps.get_models() if m.__module__.startswith("apps.")]

    wrong = [
        f"{m._meta.label}: {m._meta.verbose_name_plural}"
        for m in ours
        if _WRONG.search(str(m._meta.verbose_name_plural))
    ]

    assert ours and not wrong, wrong


def test_the_labels_the_issue_names() -> None:
    assert apps.get_model("matching", "Match")._meta.verbose_name_plural == "matches"
    assert apps.get_model("patients", "Diagnosis")._meta.verbose_name_plural == "diagnoses"
    assert apps.get_model("patients", "Therapy")._meta.verbose_name_plural == "therapies"
