"""`manage.py survival`: text output, and bad input refused with a message naming the problem."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("survival", *args, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "data.csv"
    path.write_text(text)
    return str(path)


def test_text_output_is_the_default_and_names_the_methods(shared_data):
    text = run(
        str(shared_data / "survival" / "lung.csv"), "--time", "time", "--event", "status", "--group", "sex"
    )

    assert "270 (212-310)" in text
    assert "log-rank: chi2 = 10.33 on 1 df" in text
    assert "conf.type='log'" in text


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("t,e\n1,1\n", ("--time", "days", "--event", "e"), "unknown column 'days'"),
        ("t,e\n1,1\nabc,0\n", ("--time", "t", "--event", "e"), "line 3: column 't': 'abc' is not a number"),
        (
            "t,e\n1,1\n4,2\n",
            ("--time", "t", "--event", "e"),
            "line 3: column 'e': '2' is not 0 (censored) or 1",
        ),
        ("t,e\n-1,1\n", ("--time", "t", "--event", "e"), "line 2: column 't': negative time"),
        ("t,e\n,1\n3,\n", ("--time", "t", "--event", "e"), "no rows left"),
        ("t,e,g\n1,1,\n", ("--time", "t", "--event", "e", "--group", "g"), "no rows left"),
    ],
)
def test_bad_input_is_refused_naming_the_line_and_column(tmp_path, content, args, message):
    path = write(tmp_path, content)

    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(path, *args)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(str(tmp_path / "absent.csv"), "--time", "t", "--event", "e")


def test_rows_missing_values_are_dropped_and_counted(tmp_path):
    path = write(tmp_path, "t,e,age\n1,1,50\n2,0,\n,1,60\n3,1,70\n4,1,65\n")

    text = run(path, "--time", "t", "--event", "e", "--covariates", "age")

    assert "n = 3, events = 3, dropped = 2" in text
