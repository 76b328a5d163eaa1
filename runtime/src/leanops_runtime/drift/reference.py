"""Reference statistics: what a drift check compares a batch with, saved with each model version.

``reference_stats`` (called at training time) keeps, per numeric feature: the number of present
and missing values, mean and standard deviation, the decile edges with the share of rows in each
(for PSI and the report's charts) and a sketch of at most ``SKETCH_SIZE`` mid-point quantiles (the
whole sorted sample when it is smaller) for the KS test; per categorical feature, the count of
each category (past ``MAX_CATEGORIES``, those a hash of their text picks; the rest pooled as
``<other>``). About 10 KB per numeric feature as JSON (values are kept exact, never rounded);
the counts of a code of 1,000 values, about 20 KB. A date feature is kept
as a numeric one, in days since 1970-01-01 (UTC; the model's own ``elapsed_days``), kind
``datetime``: its test is the same KS test, one more member of the Holm-corrected family.

``parse`` reads it back into typed records. (References of template 0.2 lived in its
``registry.json``, which 0.3.0 stopped reading: the migration to 0.4.0 reports one still there.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import UserError
from .stats import Floats

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pydantic import JsonValue

FORMAT = 3  # 3: date features too (2 had numeric and categorical ones only)
DATES_SINCE = 3  # the first format whose references hold the date features
BINS = 10
SKETCH_SIZE = 500
MAX_CATEGORIES = 1000
MISSING = "<missing>"
OTHER = "<other>"  # categories never seen in the reference (or beyond MAX_CATEGORIES)
EPOCH = pd.Timestamp("1970-01-01")


class DriftError(UserError):
    """A drift check cannot run; the message is one line meant for the user."""


@dataclass(frozen=True)
class NumericReference:
    """One numeric feature of the training data (or a date feature, in days since 1970)."""

    present: int
    missing: int
    mean: float | None
    std: float | None
    edges: Floats  # inner decile edges (unique)
    proportions: Floats  # share of present values in each bin (len(edges) + 1)
    sketch: Floats  # sorted
    resolution: float  # max gap between the sketch's distribution function and the sample's
    dates: bool = False  # values are days since 1970-01-01 (a feature_datetime)


@dataclass(frozen=True)
class CategoricalReference:
    """One categorical feature of the training data: counts per category."""

    counts: dict[str, float]


FeatureReference = NumericReference | CategoricalReference


def categories(column: pd.Series) -> pd.Series:
    """A column as text categories, missing values as ``<missing>``."""
    return column.astype("string").fillna(MISSING)


def elapsed_days(column: pd.Series) -> Floats:
    """Dates as days since 1970-01-01 (UTC when zoned), as ``DatetimeFeatures`` reads them;
    missing or unparseable dates are NaN."""
    moments = pd.to_datetime(column, errors="coerce")
    if getattr(moments.dtype, "tz", None) is not None:
        moments = moments.dt.tz_convert("UTC").dt.tz_localize(None)
    elapsed = (moments - EPOCH) / pd.Timedelta(days=1)
    return np.asarray(elapsed, dtype=float)


def _exact(values: Floats) -> list[JsonValue]:
    """Values as they are: rounding would move a discrete feature's values (0.0506801187 and
    0.05068012 are different categories to a test) and shift whole bins."""
    return [float(value) for value in values]


def _numeric(
    name: str, values: Floats, bins: int, sketch: int, kind: str = "numeric"
) -> dict[str, JsonValue]:
    finite = np.sort(values[~np.isnan(values)])
    if finite.size == 0:
        raise DriftError(f"feature {name!r} has no values to build reference statistics from")
    edges = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, bins + 1)[1:-1]))
    counts = np.bincount(np.searchsorted(edges, finite, side="right"), minlength=edges.size + 1)
    exact = finite.size <= sketch
    if not exact:
        levels = (np.arange(sketch) + 0.5) / sketch
        finite_sketch = np.quantile(finite, levels, method="inverted_cdf")
    else:
        finite_sketch = finite
    return {
        "kind": kind,
        "present": int(finite.size),
        "missing": int(values.size - finite.size),
        "mean": float(finite.mean()),
        "std": float(finite.std(ddof=1)) if finite.size > 1 else None,
        "edges": _exact(edges),
        "proportions": [round(float(p), 6) for p in counts / counts.sum()],
        "sketch": _exact(finite_sketch),
        "exact": exact,
    }


def category_counts(column: pd.Series) -> dict[str, JsonValue]:
    """The count of each value; past ``MAX_CATEGORIES`` values, those kept are chosen by a hash
    of their text, never by their counts, and the rest pooled as ``<other>``.

    Kept by frequency, the values that happened to be frequent in training would be kept and a
    new batch, where they are only as frequent as they truly are, would always show a larger
    ``<other>``: every clean batch of a 150-value code alerted."""
    from hashlib import blake2b

    counts = categories(column).value_counts()
    names = [str(key) for key in counts.index]
    if len(names) > MAX_CATEGORIES:
        names = sorted(names, key=lambda text: blake2b(text.encode("utf-8")).digest())
    kept = set(names[:MAX_CATEGORIES])
    found: dict[str, JsonValue] = {}
    rest = 0
    for key, value in counts.items():
        if str(key) in kept or key == MISSING:
            found[str(key)] = int(value)
        else:
            rest += int(value)
    if rest:
        found[OTHER] = rest
    return found


def reference_stats(
    frame: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    dates: Sequence[str] = (),
    *,
    bins: int = BINS,
    sketch: int = SKETCH_SIZE,
) -> dict[str, JsonValue]:
    """Reference statistics of the training data, saved as JSON beside the model."""
    features: dict[str, JsonValue] = {}
    for name in numeric:
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        features[name] = _numeric(name, values, bins, sketch)
    for name in dates:
        features[name] = _numeric(name, elapsed_days(frame[name]), bins, sketch, "datetime")
    for name in categorical:
        features[name] = {"kind": "categorical", "counts": category_counts(frame[name])}
    return {
        "format": FORMAT,
        "rows": len(frame),
        "bins": bins,
        "sketch_size": sketch,
        "features": features,
    }


# ------------------------------------------------------------------------------------- reading


def _floats(value: object) -> Floats:
    if not isinstance(value, list):
        raise DriftError("reference statistics are malformed (expected a list of numbers)")
    return np.asarray(value, dtype=float)


def _number(value: object, default: float = 0.0) -> float:
    return float(value) if isinstance(value, int | float) else default


def _parse_numeric(raw: Mapping[str, object]) -> NumericReference:
    """A numeric (or date) feature."""
    sketch = np.sort(_floats(raw["sketch"]))
    present, missing = int(_number(raw["present"])), int(_number(raw["missing"]))
    resolution = 0.0 if raw.get("exact") else 0.5 / max(sketch.size, 1)
    mean = _number(raw["mean"]) if raw.get("mean") is not None else None
    std = _number(raw["std"]) if raw.get("std") is not None else None
    return NumericReference(
        present=present,
        missing=missing,
        mean=mean,
        std=std,
        edges=_floats(raw["edges"]),
        proportions=_floats(raw["proportions"]),
        sketch=sketch,
        resolution=resolution,
        dates=raw.get("kind") == "datetime",
    )


def _parse_categorical(raw: Mapping[str, object]) -> CategoricalReference:
    counts = raw.get("counts")
    if not isinstance(counts, dict):
        raise DriftError("reference statistics are malformed (a categorical feature has no counts)")
    return CategoricalReference({str(key): _number(value) for key, value in counts.items()})


def checks_dates(reference: Mapping[str, object]) -> bool:
    """Whether the reference holds its date features (format 3 on); older ones left them out."""
    found = reference.get("format")
    return isinstance(found, int) and found >= DATES_SINCE


def parse(reference: Mapping[str, object]) -> dict[str, FeatureReference]:
    """The per-feature records of a saved reference."""
    features = reference.get("features")
    if not isinstance(features, dict) or reference.get("format") is None:
        raise DriftError("reference statistics are malformed (no features, or no format)")
    parsed: dict[str, FeatureReference] = {}
    try:
        for name, raw in features.items():
            if not isinstance(raw, dict):
                raise DriftError(f"reference statistics of {name!r} are malformed")
            if raw.get("kind") in ("numeric", "datetime"):
                parsed[str(name)] = _parse_numeric(raw)
            else:
                parsed[str(name)] = _parse_categorical(raw)
    except (KeyError, TypeError, ValueError) as error:
        raise DriftError(f"reference statistics are malformed ({error})") from error
    return parsed
