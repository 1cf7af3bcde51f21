"""Survival figures drawn server-side with matplotlib's object API (no pyplot state): SVG, PNG, PDF."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from apps.cohorts.survival import KMCurve, SurvivalResult

# Okabe & Ito (2008), colour-blind safe; yellow last because it is faint on white.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
FORMATS = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}


def render(figure: Figure, fmt: str = "svg", dpi: int = 150) -> bytes:
    """Figure -> bytes in `fmt` (svg, png, pdf); no creation date embedded."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not '{fmt}'")
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt in ("svg", "pdf") else None
    figure.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata, bbox_inches="tight")
    return buffer.getvalue()


def _at_risk(curve: KMCurve, at: float) -> int:
    later = np.flatnonzero(curve.time >= at)
    return int(curve.n_risk[later[0]]) if later.size else 0


def _nice_ticks(last: float, count: int = 6) -> list[float]:
    if last <= 0:
        return [0.0]
    raw = last / (count - 1)
    magnitude = 10 ** np.floor(np.log10(raw))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), default=raw)
    return [float(t) for t in np.arange(0, last + step / 2, step)]


def km_figure(
    result: SurvivalResult,
    *,
    title: str | None = None,
    risk_times: Sequence[float] | None = None,
    confidence_bands: bool = True,
) -> Figure:
    """Kaplan-Meier curves with CI bands, censoring ticks and a numbers-at-risk table.

    Too-small groups are listed but not drawn; suppressed groups were removed before analysis.
    """
    drawn = [(g, g.curve) for g in result.groups if g.curve is not None]
    last = max((float(c.time[-1]) for _, c in drawn), default=1.0)
    ticks = list(risk_times) if risk_times else _nice_ticks(last)
    rows = max(len(drawn), 1)
    figure = Figure(figsize=(8, 5 + 0.25 * rows))
    grid = figure.add_gridspec(2, 1, height_ratios=[5, 0.6 + 0.3 * rows], hspace=0.35)
    axes: Axes = figure.add_subplot(grid[0])
    table: Axes = figure.add_subplot(grid[1], sharex=axes)

    for index, (group, curve) in enumerate(drawn):
        colour = OKABE_ITO[index % len(OKABE_ITO)]
        # A group whose rows all enter late (treated, in the time-dependent design) starts at its entry.
        times = np.concatenate([[curve.entry], curve.time])
        surv = np.concatenate([[1.0], curve.surv])
        label = f"{group.name} (n={group.n}, events={group.events})"
        axes.step(times, surv, where="post", color=colour, linewidth=1.8, label=label)
        if confidence_bands:
            lower = np.concatenate([[1.0], np.nan_to_num(curve.lower, nan=0.0)])
            upper = np.concatenate([[1.0], np.nan_to_num(curve.upper, nan=0.0)])
            axes.fill_between(times, lower, upper, step="post", color=colour, alpha=0.15, linewidth=0)
        censored = curve.n_censor > 0
        axes.plot(curve.time[censored], curve.surv[censored], "|", color=colour, markersize=7)
        y = rows - 1 - index
        table.text(
            -0.06, y, group.name, color=colour, ha="right", va="center", transform=table.get_yaxis_transform()
        )
        for tick in ticks:
            table.text(tick, y, str(_at_risk(curve, tick)), ha="center", va="center", fontsize=9)

    too_small = [g.name for g in result.groups if g.too_small]
    heading = title or (f"Survival by {result.group_column}" if result.group_column else "Survival")
    # The title sits above the CI note, never on it: the note is its own line under the title.
    axes.set_title(heading, loc="left", pad=16)
    axes.set_ylabel("Survival probability")
    axes.set_ylim(0, 1.02)
    axes.set_xlim(0, last * 1.02)
    axes.grid(alpha=0.3)
    if drawn:
        axes.legend(loc="lower left" if len(drawn) < 5 else "upper right", fontsize=8, frameon=False)
    note = f"{result.options.conf_level:.0%} CI: log (R survfit default), Greenwood"
    if too_small:
        note += f"; too small to show: {', '.join(too_small)}"
    axes.text(
        0.0,
        1.01,
        note,
        transform=axes.transAxes,
        ha="left",
        va="bottom",
        fontsize=7,
        color="#555555",
        gid="ci-note",
    )
    axes.tick_params(labelbottom=False)
    table.set_ylim(-0.5, rows - 0.5)
    table.set_xticks(ticks)
    table.set_yticks([])
    table.set_xlabel(f"Time ({result.time_unit})")
    table.set_title("Number at risk", fontsize=9, loc="left")
    for side in ("top", "right", "left"):
        table.spines[side].set_visible(False)
    return figure


def forest_figure(result: SurvivalResult, *, title: str | None = None) -> Figure:
    """Hazard ratios with their CIs on a log axis, one row per Cox term, with the numbers beside them."""
    terms = list(result.cox.terms) if result.cox else []
    figure = Figure(figsize=(8, 1.2 + 0.45 * max(len(terms), 1)))
    axes: Axes = figure.add_subplot(1, 1, 1)
    if not terms:
        axes.text(
            0.5, 0.5, result.cox_note or "no Cox model", ha="center", va="center", transform=axes.transAxes
        )
        axes.set_axis_off()
        return figure
    ys = np.arange(len(terms))[::-1]
    for y, term in zip(ys, terms, strict=True):
        colour = OKABE_ITO[1] if term.ph_violated else OKABE_ITO[0]
        axes.plot([term.hr_lower, term.hr_upper], [y, y], color=colour, linewidth=1.8)
        axes.plot([term.hr], [y], "s", color=colour, markersize=7)
        flag = " PH?" if term.ph_violated else ""
        axes.text(
            1.02,
            y,
            f"{term.hr:.2f} ({term.hr_lower:.2f}-{term.hr_upper:.2f}) p={term.p:.3g}{flag}",
            va="center",
            fontsize=8,
            transform=axes.get_yaxis_transform(),
        )
    axes.axvline(1.0, color="#555555", linestyle="--", linewidth=1)
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes.xaxis.set_minor_formatter(NullFormatter())
    axes.set_yticks(ys, [t.term for t in terms])
    axes.set_ylim(-0.7, len(terms) - 0.3)
    axes.set_xlabel(f"Hazard ratio ({result.options.conf_level:.0%} Wald CI, Cox PH, Efron ties)")
    axes.set_title(title or "Hazard ratios")
    axes.grid(axis="x", alpha=0.3)
    return figure


def km_plot(
    result: SurvivalResult,
    fmt: str = "svg",
    title: str | None = None,
    risk_times: Sequence[float] | None = None,
) -> bytes:
    return render(km_figure(result, title=title, risk_times=risk_times), fmt)


def forest_plot(result: SurvivalResult, fmt: str = "svg", title: str | None = None) -> bytes:
    return render(forest_figure(result, title=title), fmt)


def cif_figure(result: SurvivalResult, *, title: str | None = None) -> Figure:
    """Cumulative incidence of the event of interest per group (cmprsk), with its log(-log) CI band."""
    figure = Figure(figsize=(8, 5))
    axes: Axes = figure.add_subplot(1, 1, 1)
    groups = result.competing.groups if result.competing else ()
    if not groups:
        note = result.competing.note if result.competing else None
        axes.text(0.5, 0.5, note or "no competing-risks analysis", ha="center", va="center", wrap=True)
        axes.set_axis_off()
        return figure
    top = 0.0
    for index, group in enumerate(groups):
        colour = OKABE_ITO[index % len(OKABE_ITO)]
        curve = group.curve
        times = np.concatenate([[0.0], curve.time, [curve.max_time]])
        cif = np.concatenate([[0.0], curve.cif, curve.cif[-1:] if curve.cif.size else [0.0]])
        label = f"{group.name} (n={curve.n}, events={curve.events}, competing={curve.competing})"
        axes.step(times, cif, where="post", color=colour, linewidth=1.8, label=label)
        lower = np.concatenate([[0.0], np.nan_to_num(curve.lower, nan=0.0), np.nan_to_num(curve.lower[-1:])])
        upper = np.concatenate([[0.0], np.nan_to_num(curve.upper, nan=0.0), np.nan_to_num(curve.upper[-1:])])
        axes.fill_between(times, lower, upper, step="post", color=colour, alpha=0.15, linewidth=0)
        top = max(top, float(np.nanmax(upper)) if upper.size else 0.0)
    axes.set_ylim(0, min(1.0, max(0.1, top * 1.1)))
    axes.set_xlim(left=0)
    axes.set_xlabel(f"Time ({result.time_unit})")
    axes.set_ylabel("Cumulative incidence")
    axes.set_title(title or "Cumulative incidence", loc="left", pad=16)
    axes.text(
        0.0,
        1.01,
        f"{result.options.conf_level:.0%} CI: log(-log), cmprsk variance; competing events are not censoring",
        transform=axes.transAxes,
        ha="left",
        va="bottom",
        fontsize=7,
        color="#555555",
        gid="ci-note",
    )
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    return figure


def cif_plot(result: SurvivalResult, fmt: str = "svg", title: str | None = None) -> bytes:
    return render(cif_figure(result, title=title), fmt)
