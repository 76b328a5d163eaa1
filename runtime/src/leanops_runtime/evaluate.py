"""Evaluate: the task's metrics of a registered version on the held-out rows registered with it.

The pipeline writes the metrics it scored in memory, for the model it just registered, with
``write_metrics``; ``evaluate`` scores a registered version again from its files.

Nothing is trusted from a side file: the model and the held-out rows come from the registry,
each checked against the SHA-256 in the version's record (and the model against the project's
``trusted-types.txt``). The result is written atomically to ``reports/metrics.json`` with the
version and both hashes, so a metric always names the exact artifact and data it came from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .registry import ModelVersion
    from .settings import Settings

METRICS_FILE = Path("reports/metrics.json")


def evaluate(
    root: Path | str = ".",
    models_dir: Path | str | None = None,
    *,
    settings: Settings | None = None,
    version: int | str = "candidate",
) -> tuple[dict[str, float], Path]:
    """Score ``version`` (default: the candidate) on its held-out rows; metrics and file written.

    ``settings`` default to the project's at ``root``; ``models_dir`` overrides theirs.
    """
    from .lifecycle import score_version
    from .registry import open_registry
    from .settings import load_settings

    root = Path(root)
    settings = settings if settings is not None else load_settings(root)
    if models_dir is not None:
        settings = settings.model_copy(update={"models_dir": Path(models_dir)})
    metrics, entry = score_version(open_registry(settings, root), version)
    return metrics, write_metrics(root, entry, metrics)


def write_metrics(root: Path | str, entry: ModelVersion, metrics: Mapping[str, float]) -> Path:
    """Write ``metrics`` of the registered ``entry`` to ``reports/metrics.json`` (atomically),
    with the version and the hashes of its model and held-out rows."""
    from .files import write_atomic

    body = {
        "dataset": entry["dataset"],
        "task": entry["task"],
        "estimator": entry["estimator"],
        "model_version": entry["version"],
        "model_sha256": entry["sha256"],
        "holdout_sha256": entry["holdout_sha256"],
        "metrics": dict(metrics),
    }
    return write_atomic(
        Path(root) / METRICS_FILE, (json.dumps(body, indent=2) + "\n").encode("utf-8")
    )
