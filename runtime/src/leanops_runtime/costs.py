"""What a run and a model cost: a pipeline that costs far more than usual is named; a model's
latency, size and fit time are what the promotion gate holds to the team's budgets.

Runs: every tracked run logs its wall time, CPU time, peak memory and the size of the files it
logged (``tracking.api.COSTS``). After a pipeline, each of the first three is compared with its
median over the last ``RECENT`` finished runs of the same name and dataset that skipped the same
stages (tag ``skipped``: a pipeline that reused its model is no measure of one that trained);
``alerts.cost_factor`` times that median or more is unusual, said in a warning and sent as a
``cost`` alert. Fewer than ``MIN_HISTORY`` earlier runs say nothing: there is no "usual" yet.

Models, as the promotion gate measures them:

- ``latency_ms_per_1000``: the median of ``REPEATS`` timed predictions of one batch of 1,000
  held-out rows (drawn with replacement when there are fewer), after one untimed warm-up; a
  model slower than ``TIMING_BUDGET_S`` in all is timed fewer times (never under 3). The median,
  not a tail: a busy machine stalls a call now and then (a second, against 15 ms), and a tail
  figure would refuse a model for it. The gate measures the candidate and production in the
  same process, on the same batch, so the two figures compare on any machine; the budget
  itself is the team's, for its machines.
- ``size_mb``: the model file's size, as registered.
- ``train_s``: the seconds its final fit took, as registered.

Versions registered by a runtime before 0.4 have no size or fit time: None, shown as such.
"""

from __future__ import annotations

import statistics
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model
    from .registry import ModelVersion
    from .tracking import RunStore

RECENT = 10
MIN_HISTORY = 3
WATCHED = {"cost.wall_s": "wall time", "cost.cpu_s": "CPU time", "cost.peak_rss_mb": "peak memory"}
UNITS = {"cost.wall_s": "s", "cost.cpu_s": "s", "cost.peak_rss_mb": " MB"}


def unusual_cost(
    store: RunStore, run_id: str, *, name: str, skipped: str, dataset: str, factor: float
) -> list[str]:
    """What finished run ``run_id`` (named ``name``, tagged ``skipped``) cost at least ``factor``
    times the median of the recent runs like it, one phrase per cost (``wall time 41.0s, 4.1x
    the median 10.0s of the last 10 runs``). One listing reads the run's own cost and theirs,
    unless runs started after it filled the listing (a long run on a shared server)."""
    if factor <= 0:
        return []
    alike = [f"dataset={dataset}", f"skipped={skipped}"]
    runs = store.list_runs(name=name, tags=alike, status="finished", limit=RECENT + 1)
    listed = next((run["cost"] for run in runs if run["id"] == run_id), None)
    own = listed if listed is not None else store.get_record(run_id)["cost"]
    earlier = [run["cost"] for run in runs if run["id"] != run_id][:RECENT]
    found = []
    for key, label in WATCHED.items():
        values = [cost[key] for cost in earlier if key in cost]
        value = own.get(key)
        if value is None or len(values) < MIN_HISTORY:
            continue
        median = statistics.median(values)
        if median > 0 and value >= factor * median:
            unit = UNITS[key]
            found.append(
                f"{label} {value:.1f}{unit}, {value / median:.1f}x the median {median:.1f}{unit} "
                f"of the last {len(values)} runs"
            )
    return found


BATCH_ROWS = 1_000
REPEATS = 20
TIMING_BUDGET_S = 5.0
RESOURCES = ("latency_ms_per_1000", "size_mb", "train_s")
# How the gate and the report name each, with its unit.
LABELS = {
    "latency_ms_per_1000": "latency median (ms / 1,000 rows)",
    "size_mb": "model size (MB)",
    "train_s": "training time (s)",
}


def latency_ms_per_1000(model: Model, rows: pd.DataFrame, *, seed: int = 0) -> float:
    """Median milliseconds to predict one batch of ``BATCH_ROWS`` of ``rows``."""
    batch = rows.sample(n=BATCH_ROWS, replace=len(rows) < BATCH_ROWS, random_state=seed)
    model.predict(batch)  # warm-up: first-call allocations are not the model's speed
    timings: list[float] = []
    while len(timings) < REPEATS and (len(timings) < 3 or sum(timings) < 1000 * TIMING_BUDGET_S):
        started = time.perf_counter()
        model.predict(batch)
        timings.append(1000 * (time.perf_counter() - started))
    return round(statistics.median(timings), 3)


def resources_of(model: Model, entry: ModelVersion, rows: pd.DataFrame) -> dict[str, float | None]:
    """A version's latency on ``rows`` (held-out rows without the label), size and fit time."""
    size = entry.get("size_bytes")
    return {
        "latency_ms_per_1000": latency_ms_per_1000(model, rows),
        "size_mb": None if size is None else round(size / 1e6, 3),
        "train_s": entry.get("fit_s"),
    }
