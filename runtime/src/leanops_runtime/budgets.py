"""What a model costs to serve and to train, as the promotion gate measures it.

- ``latency_ms_per_1000``: the 95th percentile of ``REPEATS`` timed predictions of one batch of
  1,000 held-out rows (drawn with replacement when there are fewer), after one untimed warm-up.
  The gate measures the candidate and production in the same process, on the same batch, so
  the two figures compare on any machine; the budget itself is the team's, for its machines.
- ``size_mb``: the model file's size, as registered.
- ``train_s``: the seconds its final fit took, as registered.

Versions registered by a runtime before 0.4 have no size or fit time: None, shown as such.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model
    from .registry import ModelVersion

BATCH_ROWS = 1_000
REPEATS = 20
RESOURCES = ("latency_ms_per_1000", "size_mb", "train_s")
# How the gate and the report name each, with its unit.
LABELS = {
    "latency_ms_per_1000": "latency p95 (ms / 1,000 rows)",
    "size_mb": "model size (MB)",
    "train_s": "training time (s)",
}


def latency_ms_per_1000(model: Model, rows: pd.DataFrame, *, seed: int = 0) -> float:
    """p95 milliseconds to predict one batch of ``BATCH_ROWS`` of ``rows``."""
    import numpy as np

    batch = rows.sample(n=BATCH_ROWS, replace=len(rows) < BATCH_ROWS, random_state=seed)
    model.predict(batch)  # warm-up: first-call allocations are not the model's speed
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        model.predict(batch)
        timings.append(1000 * (time.perf_counter() - started))
    return round(float(np.percentile(timings, 95)), 3)


def resources_of(model: Model, entry: ModelVersion, rows: pd.DataFrame) -> dict[str, float | None]:
    """A version's latency on ``rows`` (held-out rows), size and fit time."""
    size = entry.get("size_bytes")
    return {
        "latency_ms_per_1000": latency_ms_per_1000(model, rows),
        "size_mb": None if size is None else round(size / 1e6, 3),
        "train_s": entry.get("fit_s"),
    }
