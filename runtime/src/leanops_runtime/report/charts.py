"""Charts as inline SVG, drawn by matplotlib: no JavaScript, nothing fetched, text kept as text.

matplotlib is optional (the ``report`` extra, also in the dev group): without it every function
returns None and the page shows tables only, with a note. Why matplotlib and what it weighs:
docs/decisions/0004-dashboard.md. Only ``matplotlib.figure.Figure`` is used (no pyplot, no global
backend), so drawing is thread-safe and leaves no state behind.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import math
from collections.abc import Sequence

from .collect import Json, RunPoint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.typing import RcKeyType

COST_TITLES = {
    "cost.wall_s": "wall time (s)",
    "cost.cpu_s": "CPU time (s)",
    "cost.peak_rss_mb": "peak memory (MB)",
    "cost.written_mb": "written (MB)",
}
REFERENCE = "#9aa5b1"
BATCH = "#2563eb"
STATUS_COLOURS = {"alert": "#dc2626", "warn": "#d97706", "ok": "#15803d"}
MAX_PANELS = 36
COLUMNS = 4
# A categorical panel draws the categories largest in either data; the rest are one "other" bar.
TOP_CATEGORIES = 8
RC: dict[RcKeyType, object] = {
    "svg.fonttype": "none",  # text stays text: smaller, selectable, drawn in the page's font
    "font.family": "sans-serif",
    "font.size": 8.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 9.0,
    # Names are the team's columns and metrics, drawn as written: a "$" is a dollar sign, never
    # the start of mathtext (which fails the whole page on a name like "$\undefinedcmd{x}$").
    "text.parse_math": False,
}


def available() -> bool:
    """True when matplotlib is installed."""
    return importlib.util.find_spec("matplotlib") is not None


def _svg(figure: Figure, salt: str) -> str:
    """The figure as an ``<svg>`` element (no XML prologue), with ids unique to ``salt``."""
    from matplotlib import rc_context

    buffer = io.StringIO()
    with rc_context({**RC, "svg.hashsalt": salt}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.find("<svg") :]


def runs_chart(runs: Sequence[RunPoint], *, cost: bool = False) -> str | None:
    """Each metric of the recent runs over time, one small panel per metric (``cost``: what
    each run cost instead)."""
    scored = [(run, run.cost if cost else run.metrics) for run in runs]
    scored = [(run, values) for run, values in scored if values]
    metrics = sorted({name for _, values in scored for name in values})
    if not scored or not available():
        return None
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(RC):
        figure = Figure(figsize=(3.0 * len(metrics), 2.2), layout="constrained")
        axes = figure.subplots(1, len(metrics), squeeze=False)[0]
        for axis, name in zip(axes, metrics, strict=True):
            points = [(run.start, values[name]) for run, values in scored if name in values]
            xs = [p[0] for p in points]
            axis.plot(xs, [p[1] for p in points], marker="o", color=BATCH, lw=1.5)
            ticks = sorted({xs[0], xs[len(xs) // 2], xs[-1]})
            axis.set_xticks(ticks, [_day(tick) for tick in ticks])
            axis.set_title(COST_TITLES.get(name, name))
            axis.grid(axis="y", color="#e5e7eb", lw=0.6)
    return _svg(figure, "cost" if cost else "runs")


def _day(stamp: float) -> str:
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC).strftime("%m-%d %H:%M")


def _status(feature: Json) -> str:
    return str(feature.get("status", ""))


def _distribution(feature: Json) -> tuple[list[str], list[float], list[float]] | None:
    found = feature.get("distribution")
    if not isinstance(found, dict):
        return None
    labels, reference, batch = found.get("labels"), found.get("reference"), found.get("batch")
    if not (isinstance(labels, list) and isinstance(reference, list) and isinstance(batch, list)):
        return None
    if not labels or len(labels) != len(reference) or len(labels) != len(batch):
        return None
    parts = (
        [str(label) for label in labels],
        [float(v) if isinstance(v, int | float) else 0.0 for v in reference],
        [float(v) if isinstance(v, int | float) else 0.0 for v in batch],
    )
    return top_categories(*parts) if feature.get("kind") == "categorical" else parts


def drift_chart(features: Sequence[Json]) -> str | None:
    """Reference (grey) against batch (blue) shares per bin or category, one panel per feature,
    worst features first; bins of numbers and dates are the reference's deciles, low to high."""
    order = {"alert": 0, "warn": 1, "ok": 2}
    drawn = [
        (feature, parts)
        for feature in sorted(features, key=lambda f: (order.get(_status(f), 3), str(f["feature"])))
        if (parts := _distribution(feature)) is not None
    ][:MAX_PANELS]
    if not drawn or not available():
        return None
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    rows = math.ceil(len(drawn) / COLUMNS)
    with rc_context(RC):
        figure = Figure(figsize=(COLUMNS * 2.4, rows * 1.7 + 0.4), layout="constrained")
        axes = figure.subplots(rows, COLUMNS, squeeze=False).ravel()
        for axis, (feature, (labels, reference, batch)) in zip(axes, drawn, strict=False):
            categorical = feature.get("kind") == "categorical"
            positions = list(range(len(labels)))
            axis.bar([p - 0.2 for p in positions], reference, 0.4, color=REFERENCE)
            axis.bar([p + 0.2 for p in positions], batch, 0.4, color=BATCH)
            if categorical:  # every bar named, the long names cut
                named = [label if len(label) <= 12 else f"{label[:11]}…" for label in labels]
                axis.set_xticks(positions, named, fontsize=5.5, rotation=60, ha="right")
            else:  # the lowest, middle and highest bins (deciles of the training data)
                ends = sorted({0, len(labels) // 2, len(labels) - 1})
                axis.set_xticks(ends, [labels[i] for i in ends], fontsize=5.5)
            axis.yaxis.set_major_locator(MaxNLocator(3))
            axis.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            axis.tick_params(axis="y", labelsize=5.5)
            status = _status(feature)
            axis.set_title(
                f"{feature['feature']} · {status}",
                color=STATUS_COLOURS.get(status, "#374151"),
                fontsize=8,
            )
        for axis in axes[len(drawn) :]:
            axis.set_visible(False)
        handles = [
            axis_patch(REFERENCE, "reference (training data)"),
            axis_patch(BATCH, "batch"),
        ]
        figure.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return _svg(figure, "drift")


def top_categories(
    labels: list[str], reference: list[float], batch: list[float]
) -> tuple[list[str], list[float], list[float]]:
    """The ``TOP_CATEGORIES`` categories with the largest share in either data, largest first,
    then the others summed as one ``N more`` bar (never mistaken for the reference's
    ``<other>``): a code with hundreds of values stays readable, and the shares still add up."""
    if len(labels) <= TOP_CATEGORIES + 1:
        return labels, reference, batch
    order = sorted(range(len(labels)), key=lambda i: (-max(reference[i], batch[i]), i))
    kept, rest = order[:TOP_CATEGORIES], order[TOP_CATEGORIES:]
    return (
        [labels[i] for i in kept] + [f"{len(rest)} more"],
        [reference[i] for i in kept] + [sum(reference[i] for i in rest)],
        [batch[i] for i in kept] + [sum(batch[i] for i in rest)],
    )


def axis_patch(colour: str, label: str) -> Patch:
    """A legend entry: a filled square of ``colour``."""
    from matplotlib.patches import Patch

    return Patch(color=colour, label=label)
