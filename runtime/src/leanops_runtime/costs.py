"""What a run cost against its recent runs: a pipeline that costs far more than usual is named.

Every tracked run logs its wall time, CPU time, peak memory and the size of the files it logged
(``tracking.api.COSTS``). After a pipeline, each of the first three is compared with its median
over the last ``RECENT`` finished runs of the same name and dataset; ``alerts.cost_factor``
times that median or more is unusual, said in a warning and sent as a ``cost`` alert. Fewer
than ``MIN_HISTORY`` earlier runs say nothing: there is no "usual" yet.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .tracking import RunStore

RECENT = 10
MIN_HISTORY = 3
WATCHED = {"cost.wall_s": "wall time", "cost.cpu_s": "CPU time", "cost.peak_rss_mb": "peak memory"}
UNITS = {"cost.wall_s": "s", "cost.cpu_s": "s", "cost.peak_rss_mb": " MB"}


def unusual_cost(store: RunStore, run_id: str, dataset: str, factor: float) -> list[str]:
    """What run ``run_id`` cost at least ``factor`` times the median of its recent runs, one
    phrase per cost (``wall time 41.0s, 4.1x the median 10.0s of the last 10 runs``)."""
    if factor <= 0:
        return []
    run = store.get_run(run_id)
    earlier = [
        other["cost"]
        for other in store.list_runs(
            name=run["name"], tag=f"dataset={dataset}", status="finished", limit=RECENT + 1
        )
        if other["id"] != run["id"]
    ][:RECENT]
    found = []
    for key, label in WATCHED.items():
        values = [cost[key] for cost in earlier if key in cost]
        value = run["metrics"].get(key)
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
