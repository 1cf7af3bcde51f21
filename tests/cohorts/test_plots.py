"""Survival plots render to SVG, PNG and PDF without pyplot's global state."""

import subprocess
import sys
from xml.etree import ElementTree

import pandas as pd
import pytest

from apps.cohorts import plots, survival


@pytest.fixture(scope="module")
def result(shared_data):
    frame = pd.read_csv(shared_data / "survival" / "lung.csv", dtype=str)
    table = survival.prepare_table(
        frame, time="time", event="status", group="ph.ecog", covariates=["age", "sex"]
    )
    return survival.analyse(table, survival.AnalysisOptions(group_in_cox=True, min_size=5))


def test_km_plot_svg_is_well_formed_xml(result):
    svg = plots.km_plot(result, "svg")

    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
    assert b"Number at risk" in svg or b"Number" in svg


def test_km_plot_png_and_pdf_have_their_magic_bytes(result):
    assert plots.km_plot(result, "png").startswith(b"\x89PNG\r\n\x1a\n")
    assert plots.km_plot(result, "pdf").startswith(b"%PDF-")


def test_forest_plot_renders_in_every_format(result):
    ElementTree.fromstring(plots.forest_plot(result, "svg"))
    assert plots.forest_plot(result, "png").startswith(b"\x89PNG")
    assert plots.forest_plot(result, "pdf").startswith(b"%PDF-")


def test_forest_plot_without_a_model_says_so():
    table = survival.prepare_table(pd.DataFrame({"t": ["1", "2"], "e": ["0", "0"]}), time="t", event="e")

    svg = plots.forest_plot(survival.analyse(table), "svg")

    ElementTree.fromstring(svg)


def test_unknown_format_is_refused(result):
    with pytest.raises(ValueError, match="format must be one of"):
        plots.km_plot(result, "gif")


def test_palette_is_okabe_ito():
    assert set(plots.OKABE_ITO) == {
        "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000",
    }  # fmt: skip


def test_rendering_never_imports_pyplot(shared_data):
    code = (
        "import sys, pandas as pd\n"
        "from apps.cohorts import plots, survival\n"
        f"f = pd.read_csv({str(shared_data / 'survival' / 'aml.csv')!r}, dtype=str)\n"
        "r = survival.analyse(survival.prepare_table(f, time='time', event='status', group='x'))\n"
        "plots.km_plot(r, 'png'); plots.forest_plot(r, 'svg')\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )

    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert output.stdout.strip() == "False"


def test_the_ci_note_never_overlaps_the_plot_title(shared_data):
    import pandas as pd

    from apps.cohorts import plots, survival

    frame = pd.read_csv(shared_data / "survival" / "lung.csv", dtype=str)
    result = survival.analyse(survival.prepare_table(frame, time="time", event="status", group="ph.ecog"))
    title = "A long cohort name: NSCLC with TP53/STK11 co-mutation, overall survival from diagnosis"

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = plots.km_figure(result, title=title)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    axes = figure.axes[0]
    (note,) = [t for t in axes.texts if t.get_gid() == "ci-note"]
    titles = [t for t in (axes.title, axes._left_title, axes._right_title) if t.get_text()]
    note_box = note.get_window_extent(renderer)
    assert "95% CI" in note.get_text()
    assert [t.get_text() for t in titles] == [title]
    assert not any(note_box.overlaps(t.get_window_extent(renderer)) for t in titles)


def test_the_cumulative_incidence_plot_draws_one_curve_per_group_below_its_title(shared_data):
    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from apps.cohorts import plots, survival

    frame = pd.read_csv(shared_data / "survival" / "melanoma.csv", dtype=str)
    table = survival.prepare_table(frame, time="time", event="dead", group="ulcer", event_type="event")
    result = survival.analyse(table)

    figure = plots.cif_figure(result, title="Death from melanoma, by ulceration")
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    axes = figure.axes[0]
    assert len(axes.get_lines()) == 2
    heights = [line.get_ydata()[-1] for line in axes.get_lines()]
    assert heights == pytest.approx([g.curve.cif[-1] for g in result.competing.groups])
    (note,) = [t for t in axes.texts if t.get_gid() == "ci-note"]
    renderer = canvas.get_renderer()
    assert not note.get_window_extent(renderer).overlaps(axes._left_title.get_window_extent(renderer))
    assert plots.cif_plot(result, "png").startswith(b"\x89PNG")


def test_a_group_that_enters_late_is_drawn_from_its_entry_not_from_zero():
    import pandas as pd

    from apps.cohorts import plots, survival

    frame = pd.DataFrame(
        {
            "start": [0, 0, 0, 0, 5, 5, 5, 5],
            "stop": [3, 4, 6, 8, 7, 9, 10, 12],
            "event": [1, 1, 0, 1, 1, 0, 1, 1],
            "treated": ["no"] * 4 + ["yes"] * 4,
        }
    )
    table = survival.prepare_table(frame, time="stop", event="event", group="treated", start="start")

    figure = plots.km_figure(survival.analyse(table))

    no, yes = figure.axes[0].get_lines()[0], figure.axes[0].get_lines()[2]
    assert no.get_xdata()[0] == 0
    assert yes.get_xdata()[0] == 5
