"""Evaluate: task metrics (``metrics``) of the trained model on the held-out rows ``train`` set
aside. Written atomically to
``reports/metrics.json`` with the model's SHA-256, so a metric always names the exact artifact.
"""

from __future__ import annotations

import json
from pathlib import Path

METRICS_FILE = Path("reports/metrics.json")


def evaluate(
    root: Path | str = ".", models_dir: Path | str | None = None
) -> tuple[dict[str, float], Path]:
    """Score the saved model on its holdout; return the metrics and the file written.

    ``models_dir`` is the settings' (default: ``models/`` under ``root``).
    """
    import pandas as pd

    from .files import write_atomic
    from .metrics import score
    from .model import load_model
    from .train import read_metadata

    root = Path(root)
    models = Path(models_dir) if models_dir is not None else root / "models"
    meta = read_metadata(models)
    model = load_model(models / meta["path"], meta["sha256"], meta["trusted_types"])
    holdout = models / meta["holdout"]
    if not holdout.is_file():
        raise FileNotFoundError(f"{holdout} not found: run `train` first")
    metrics = score(meta["task"], model, pd.read_parquet(holdout), meta["target"])
    body = {
        "task": meta["task"],
        "estimator": meta["estimator"],
        "model_sha256": meta["sha256"],
        "rows": meta["test_rows"],
        "metrics": metrics,
    }
    path = write_atomic(root / METRICS_FILE, (json.dumps(body, indent=2) + "\n").encode("utf-8"))
    return metrics, path
