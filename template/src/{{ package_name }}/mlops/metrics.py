"""Task metrics: how good a model's predictions are on rows with known answers.

Classification: accuracy, F1, ROC AUC. Regression: RMSE, MAE, R². Used by ``evaluate`` (the
pipeline's stage) and by the promotion gate, which scores the candidate and the production model
on the same rows.
"""

from __future__ import annotations

from typing import Any


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
