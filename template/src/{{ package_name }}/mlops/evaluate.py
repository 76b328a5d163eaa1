"""Evaluate: task metrics of the trained model on the held-out rows ``train`` set aside.

Classification: accuracy, F1, ROC AUC. Regression: RMSE, MAE, R². Written atomically to
``reports/metrics.json`` with the model's SHA-256, so a metric always names the exact artifact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

METRICS_FILE = Path("reports/metrics.json")


def score(task: str, model: Any, frame: Any, target: str) -> dict[str, float]:
    """The task's metrics of ``model`` on ``frame``."""
    import numpy as np
    from sklearn import metrics

    truth = frame[target]
    predicted = model.predict(frame)
    if task == "classification":
        result = {
            "accuracy": metrics.accuracy_score(truth, predicted),
            "f1": metrics.f1_score(
                truth, predicted, average="binary" if truth.nunique() <= 2 else "macro"
            ),
        }
        if truth.nunique() == 2 and hasattr(model, "predict_proba"):
            result["roc_auc"] = metrics.roc_auc_score(truth, model.predict_proba(frame)[:, 1])
    else:
        result = {
            "rmse": float(np.sqrt(metrics.mean_squared_error(truth, predicted))),
            "mae": metrics.mean_absolute_error(truth, predicted),
            "r2": metrics.r2_score(truth, predicted),
        }
    return {name: round(float(value), 6) for name, value in result.items()}


def evaluate(
    root: Path | str = ".", models_dir: Path | str | None = None
) -> tuple[dict[str, float], Path]:
    """Score the saved model on its holdout; return the metrics and the file written.

    ``models_dir`` is the settings' (default: ``models/`` under ``root``).
    """
    import pandas as pd

    from .files import write_atomic
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
