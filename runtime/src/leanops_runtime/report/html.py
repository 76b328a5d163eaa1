"""The report page: a ``Snapshot`` rendered as one self-contained HTML file by ``page.html.j2``.

No JavaScript, no external file, no web font: styles are inlined from ``style.css`` and charts
are inline SVG (``charts``). The template is autoescaped, so every value of the snapshot is text
however it was written (a dataset, user or feature named ``<script>`` shows as such); markup
comes only from the template itself. Sections have stable ids (``model``, ``runs``,
``contract``, ``drift``, ``audit``) so tests and links can find them. The page is about one
dataset (the snapshot's), named in its header and wherever a version number could be read as
another dataset's.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, Undefined, select_autoescape
from markupsafe import Markup

from ..costs import LABELS
from . import charts
from .collect import Json, ModelCard, Snapshot

FAILURES_SHOWN = 20
RUNS_SHOWN = 10
# Drift features in the table: the worst first, then by name.
STATUS_ORDER = {"alert": 0, "warn": 1, "insufficient data": 2, "ok": 3, "not checked": 4}


def stylesheet() -> str:
    """The shared stylesheet (the same file as leanops' own ``report.css``)."""
    return resources.files(__package__).joinpath("style.css").read_text(encoding="utf-8")


def dash(value: object) -> object:
    """``value``, or ``-`` when it is missing."""
    return "-" if value is None or isinstance(value, Undefined) else value


def number(value: object, digits: int = 4) -> str:
    """A number in a short form (``-`` for anything else)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "-"
    return f"{value:.{digits}g}"


def p_value(value: object) -> str:
    """A p-value in three digits (``<1e-6`` below that)."""
    if not isinstance(value, int | float):
        return "-"
    return "<1e-6" if value < 1e-6 else f"{value:.3g}"


def when(stamp: object) -> str:
    """A UTC time as ``YYYY-MM-DD HH:MM`` (from ISO text or a POSIX timestamp)."""
    if stamp is None or isinstance(stamp, Undefined):
        return "-"
    if isinstance(stamp, float | int):
        moment = dt.datetime.fromtimestamp(stamp, tz=dt.UTC)
    else:
        try:
            moment = dt.datetime.fromisoformat(str(stamp))
        except ValueError:
            return str(stamp)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


def metrics_text(metrics: dict[str, float]) -> str:
    """``name=value ...`` in name order (``-`` for none)."""
    return " ".join(f"{k}={number(v)}" for k, v in sorted(metrics.items())) or "-"


def cost_text(cost: dict[str, float]) -> str:
    """``12.3 s wall, 10.1 s CPU, 310 MB peak, 0.2 MB written`` (``-`` before it is known)."""
    shown = (
        ("cost.wall_s", "{:.1f} s wall"),
        ("cost.cpu_s", "{:.1f} s CPU"),
        ("cost.peak_rss_mb", "{:.0f} MB peak"),
        ("cost.written_mb", "{:.1f} MB written"),
    )
    return ", ".join(form.format(cost[key]) for key, form in shown if key in cost) or "-"


def change(feature: Json) -> str:
    """What moved in a drifted feature, as the ``drift`` table says it."""
    from ..drift import change as described

    return described(feature, "→") or "-"


def comparison(card: ModelCard) -> tuple[list[str], list[list[str]]]:
    """The production model's metrics beside the previous production's and the baseline's:
    (headers, rows), one row per metric."""
    columns: list[tuple[str, dict[str, float] | None]] = [
        (f"v{card.version} (production)", card.metrics)
    ]
    if card.previous_version is not None:
        columns.append((f"v{card.previous_version} (previous production)", card.previous_metrics))
    columns.append(("baseline", card.baseline_metrics))
    names = sorted({name for _, values in columns for name in (values or {})})
    rows = [[name, *(number((values or {}).get(name)) for _, values in columns)] for name in names]
    return ["metric", *(header for header, _ in columns)], rows


@cache
def environment() -> Environment:
    """The page's Jinja2 environment: autoescaped, with the filters the template uses."""
    env = Environment(
        loader=PackageLoader(__package__, ""),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters |= {
        "dash": dash,
        "number": number,
        "p_value": p_value,
        "when": when,
        "metrics_text": metrics_text,
        "cost_text": cost_text,
        "change": change,
    }
    env.globals["comparison"] = comparison
    env.globals["resource_labels"] = LABELS
    return env


def render(snapshot: Snapshot) -> str:
    """The whole page."""
    drift = snapshot.drift
    runs_svg = charts.runs_chart(snapshot.runs) if snapshot.runs else None
    cost_svg = charts.runs_chart(snapshot.runs, cost=True) if snapshot.runs else None
    drift_svg = charts.drift_chart(drift.features) if drift is not None else None
    features = sorted(
        drift.features if drift is not None else [],
        key=lambda f: (STATUS_ORDER.get(str(f.get("status")), 4), str(f.get("feature"))),
    )
    page = environment().get_template("page.html.j2")
    return page.render(
        snapshot=snapshot,
        stylesheet=Markup(stylesheet()),  # noqa: S704 (the packaged style.css)
        charts_available=charts.available(),
        runs_chart=None if runs_svg is None else Markup(runs_svg),  # noqa: S704 (matplotlib SVG)
        cost_chart=None if cost_svg is None else Markup(cost_svg),  # noqa: S704
        drift_chart=None if drift_svg is None else Markup(drift_svg),  # noqa: S704
        recent_runs=list(reversed(snapshot.runs))[:RUNS_SHOWN],
        drift_features=features,
        failures_shown=FAILURES_SHOWN,
        mlflow_note=next((note for note in snapshot.notes if "MLflow" in note), ""),
    )
