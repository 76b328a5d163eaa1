"""Drift checks: is a batch of data still like the data the model was trained on?

``reference_stats`` summarises the training data when a model version is registered; ``check``
compares a batch with it, one statistical test per feature (Kolmogorov-Smirnov for numbers,
chi-square for categories, their rare values pooled with those training never saw, and a test
of one new value in volume; Fisher's exact test for a change in missing values; dates are tested
as numbers, in days since 1970), corrected across
features with Holm's method so a same-distribution batch warns at most ``alpha`` (5%) of the time,
whatever its size. Each feature also gets effect sizes a person can read: PSI, the shift of its
mean in reference standard deviations, or the category whose share moved most.

Modules: ``stats`` (the tests), ``reference`` (what is saved), ``check`` (the verdicts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

from .check import (
    INSUFFICIENT,
    LEVELS,
    NOT_CHECKED,
    Distribution,
    DriftReport,
    FeatureDrift,
    check,
)
from .reference import MISSING, OTHER, DriftError, reference_stats
from .stats import holm, ks_p_value, ks_statistic, psi

__all__ = [
    "INSUFFICIENT",
    "LEVELS",
    "MISSING",
    "NOT_CHECKED",
    "OTHER",
    "Distribution",
    "DriftError",
    "DriftReport",
    "FeatureDrift",
    "change",
    "check",
    "flagged",
    "holm",
    "ks_p_value",
    "ks_statistic",
    "psi",
    "reference_stats",
    "table",
]


def flagged(report: DriftReport, level: str) -> list[str]:
    """Features at ``level`` (``warn`` or ``alert``) or above."""
    return report.flagged(level)


def _p(value: float | None) -> str | None:
    if value is None:
        return None
    return "<1e-6" if value < 1e-6 else f"{value:.3g}"


MISSING_MOVED = 0.05  # a change in the share of missing values worth naming before the mean


def change(feature: Mapping[str, object], arrow: str = "->") -> str | None:
    """What moved in a feature (a ``FeatureDrift`` as JSON): its note; else the share of missing
    values when it moved by ``MISSING_MOVED`` or more (the mean is of the values present, so
    alone it hides gaps that appeared); then its mean's shift or its largest category's."""
    note = feature.get("note")
    if isinstance(note, str) and note:
        return note
    said = []
    missing = feature.get("missing")
    shares = list(missing) if isinstance(missing, list | tuple) else []
    if feature.get("kind") != "categorical" and len(shares) == 2:
        was, now = (share if isinstance(share, int | float) else None for share in shares)
        if was is not None and now is not None and abs(now - was) >= MISSING_MOVED:
            said.append(f"missing {was:.1%} {arrow} {now:.1%}")
    days, shift = feature.get("mean_shift_days"), feature.get("mean_shift_sd")
    moved = feature.get("largest_change")
    if isinstance(days, int | float):
        said.append(f"mean {days:+.1f} days")
    elif isinstance(shift, int | float):
        said.append(f"mean {shift:+.2f} sd")
    elif isinstance(moved, Mapping):
        before, after = moved.get("reference"), moved.get("batch")
        if isinstance(before, float | int) and isinstance(after, float | int):
            said.append(f"{named(moved)}: {before:.1%} {arrow} {after:.1%}")
    return "; ".join(said) or None


def named(moved: Mapping[str, object]) -> str:
    """The category that moved most; for ``<other>``, the new values in it, most frequent
    first (``<other> (Z, Y and 2 more)``)."""
    values, more = moved.get("values"), moved.get("more")
    if not isinstance(values, list) or not values:
        return str(moved.get("category"))
    shown = ", ".join(short(str(value)) for value in values)
    rest = f" and {more} more" if isinstance(more, int) and more > 0 else ""
    return f"{moved.get('category')} ({shown}{rest})"


def short(text: str, limit: int = 20) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table(report: DriftReport) -> str:
    """The report as a text table, worst features first."""
    from ..tables import render

    order = {"alert": 0, "warn": 1, INSUFFICIENT: 2, "ok": 3, NOT_CHECKED: 4}
    rows = sorted(report.features, key=lambda row: (order[row.status], row.feature))
    headers = (
        "feature",
        "kind",
        "rows",
        "test",
        "statistic",
        "p (adj.)",
        "psi",
        "change",
        "status",
    )
    return render(
        headers,
        [
            (
                row.feature,
                row.kind,
                row.rows,
                row.test,
                None if row.statistic is None else round(row.statistic, 4),
                _p(row.p_adjusted),
                None if row.psi is None else round(row.psi, 3),
                change(asdict(row)),
                row.status,
            )
            for row in rows
        ],
    )
