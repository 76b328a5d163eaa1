"""Drift checks: compare a batch of data with reference statistics saved when the model was trained.

At training time ``reference_stats`` keeps, per numeric feature, the edges of its quantile bins
(deciles by default) with the share of rows in each, and a sorted sketch of its values (at most
``SKETCH_SIZE`` evenly spaced quantiles); per categorical feature, the share of each category.
``check`` then computes for a new batch:

- PSI (population stability index) per feature: sum of (new - ref) * ln(new / ref) over the bins.
  Usual reading: below 0.1 stable, 0.1-0.25 a moderate shift (warn), above 0.25 a major shift
  (alert).
- the two-sample Kolmogorov-Smirnov statistic D for numeric features: the largest gap between
  the two cumulative distributions, which also sees shifts inside a bin.

Thresholds come from the ``drift`` section of params.yaml, with per-feature overrides. Below the
minimum sample size a feature is reported as ``insufficient data``, never as an alert: PSI and D
are noisy on small batches. Only numpy is used (no monitoring framework).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .errors import UserError

BINS = 10
SKETCH_SIZE = 500
EPSILON = 1e-4  # floor for empty bins, so ln(new / ref) stays finite
MISSING = "<missing>"
OTHER = "<other>"  # categories never seen in the reference
LEVELS = ("ok", "warn", "alert")
INSUFFICIENT = "insufficient data"
DEFAULTS = {"psi_warn": 0.1, "psi_alert": 0.25, "ks_warn": 0.1, "ks_alert": 0.2}


class DriftError(UserError):
    """A drift check cannot run; the message is one line meant for the user."""


# ------------------------------------------------------------------------------------ reference


def _numeric_reference(values: np.ndarray, bins: int, sketch: int) -> dict[str, Any]:
    finite = np.sort(values[~np.isnan(values)])
    if finite.size == 0:
        raise DriftError("a numeric feature has no values to build reference statistics from")
    edges = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, bins + 1)[1:-1]))
    counts = np.bincount(np.searchsorted(edges, finite, side="right"), minlength=edges.size + 1)
    if finite.size > sketch:
        finite = np.quantile(finite, np.linspace(0.0, 1.0, sketch))
    return {
        "kind": "numeric",
        "edges": edges.tolist(),
        "proportions": (counts / counts.sum()).tolist(),
        "sketch": finite.tolist(),
        "missing_rate": float(np.isnan(values).mean()),
    }


def _categories(column: pd.Series) -> pd.Series:
    return column.astype("string").fillna(MISSING)


def reference_stats(
    frame: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    *,
    bins: int = BINS,
    sketch: int = SKETCH_SIZE,
) -> dict[str, Any]:
    """Reference statistics of the training data, saved as JSON beside the model."""
    features: dict[str, Any] = {}
    for name in numeric:
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        features[name] = _numeric_reference(values, bins, sketch)
    for name in categorical:
        shares = _categories(frame[name]).value_counts(normalize=True)
        features[name] = {
            "kind": "categorical",
            "frequencies": {str(key): float(value) for key, value in shares.items()},
        }
    return {"rows": len(frame), "bins": bins, "features": features}


# ------------------------------------------------------------------------------------ statistics


def psi(reference: np.ndarray, current: np.ndarray) -> float:
    """Population stability index between two vectors of bin proportions."""
    ref = np.clip(np.asarray(reference, dtype=float), EPSILON, None)
    cur = np.clip(np.asarray(current, dtype=float), EPSILON, None)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def ks_statistic(sorted_reference: np.ndarray, sorted_current: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov D of two sorted samples (vectorised, no p-value)."""
    points = np.concatenate([sorted_reference, sorted_current])
    cdf_ref = np.searchsorted(sorted_reference, points, side="right") / sorted_reference.size
    cdf_cur = np.searchsorted(sorted_current, points, side="right") / sorted_current.size
    return float(np.max(np.abs(cdf_ref - cdf_cur)))


def _level(value: float | None, warn: float, alert: float) -> int:
    if value is None:
        return 0
    return 2 if value >= alert else 1 if value >= warn else 0


def _thresholds(settings: Any, feature: str) -> dict[str, float]:
    """Global thresholds, overridden by the feature's own entries (``None`` = keep global)."""
    if settings is None:
        return dict(DEFAULTS)
    limits = {key: float(getattr(settings, key)) for key in DEFAULTS}
    own = (getattr(settings, "features", None) or {}).get(feature)
    if own is not None:
        for key in DEFAULTS:
            value = getattr(own, key, None)
            if value is not None:
                limits[key] = float(value)
    return limits


def _check_numeric(ref: dict[str, Any], column: pd.Series) -> tuple[float, float, int]:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    values = np.sort(values[~np.isnan(values)])
    if values.size == 0:
        return float("nan"), float("nan"), 0
    edges = np.asarray(ref["edges"], dtype=float)
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=edges.size + 1)
    score = psi(np.asarray(ref["proportions"]), counts / values.size)
    d = ks_statistic(np.asarray(ref["sketch"], dtype=float), values)
    return score, d, int(values.size)


def _check_categorical(ref: dict[str, Any], column: pd.Series) -> tuple[float, int]:
    known = ref["frequencies"]
    counts = _categories(column).value_counts()
    current = dict.fromkeys(known, 0.0) | {OTHER: 0.0}
    for key, count in counts.items():
        current[str(key) if str(key) in known else OTHER] += count / len(column)
    reference = [known.get(key, 0.0) for key in current]
    return psi(np.asarray(reference), np.asarray(list(current.values()))), len(column)


def check(reference: dict[str, Any], frame: pd.DataFrame, settings: Any = None) -> dict[str, Any]:
    """Compare ``frame`` with ``reference``; a report with one entry per feature.

    ``settings`` is the ``drift`` section of the settings (thresholds, ``min_rows``, per-feature
    ``features``); None uses the defaults.
    """
    features = reference["features"]
    missing = [name for name in features if name not in frame.columns]
    if missing:
        raise DriftError(f"batch lacks feature column(s) of the reference: {', '.join(missing)}")
    min_rows = int(getattr(settings, "min_rows", 100))
    rows = []
    for name, ref in features.items():
        limits = _thresholds(settings, name)
        if ref["kind"] == "numeric":
            score, d, count = _check_numeric(ref, frame[name])
        else:
            (score, count), d = _check_categorical(ref, frame[name]), None
        if count < min_rows:
            status = INSUFFICIENT
        else:
            level = max(
                _level(score, limits["psi_warn"], limits["psi_alert"]),
                _level(d, limits["ks_warn"], limits["ks_alert"]),
            )
            status = LEVELS[level]
        rows.append(
            {
                "feature": name,
                "kind": ref["kind"],
                "rows": count,
                "psi": round(score, 6) if count else None,
                "ks": round(d, 6) if d is not None and count else None,
                "status": status,
                "thresholds": limits,
            }
        )
    graded = [LEVELS.index(row["status"]) for row in rows if row["status"] in LEVELS]
    overall = LEVELS[max(graded)] if graded else INSUFFICIENT
    return {"rows": len(frame), "min_rows": min_rows, "status": overall, "features": rows}


def flagged(report: dict[str, Any], level: str) -> list[str]:
    """Features at ``level`` (``warn`` or ``alert``) or above."""
    floor = LEVELS.index(level)
    return [
        row["feature"]
        for row in report["features"]
        if row["status"] in LEVELS and LEVELS.index(row["status"]) >= floor
    ]


def table(report: dict[str, Any]) -> str:
    """The report as an aligned text table, worst features first."""
    order = {"alert": 0, "warn": 1, INSUFFICIENT: 2, "ok": 3}
    rows = sorted(report["features"], key=lambda row: (order[row["status"]], row["feature"]))
    headers = ("feature", "kind", "rows", "psi", "ks_d", "status")

    def fmt(value: Any) -> str:
        return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)

    cells = [
        [fmt(row[k]) for k in ("feature", "kind", "rows", "psi", "ks", "status")] for row in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    lines = [headers, tuple("-" * w for w in widths), *cells]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )
