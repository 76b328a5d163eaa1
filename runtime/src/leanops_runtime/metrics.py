"""Task metrics: how good a model's predictions are on rows with known answers, and a baseline.

Classification, for any label type (text, booleans, integers), binary or multiclass: accuracy,
macro F1 (no positive label is assumed), ROC AUC (one-vs-rest, macro-averaged over the classes
present; for two classes it is the usual AUC), average precision (of the rarer of two classes,
macro-averaged over more) and log loss. Regression: RMSE, MAE, R².

``score`` also reports the trivial baseline on the same rows (``baseline_<metric>``): the most
frequent class with the class shares as probabilities, or the mean. The baseline is fitted on
the rows it is scored on, a slightly stronger baseline than one fitted on training rows: a model
that beats it beats a constant model. The promotion gate (``gate``) requires the candidate to
beat it by a margin.

``write_metrics`` writes a registered version's metrics to ``reports/metrics.json``
(atomically) with the version and the hashes of its model and held-out rows, so a metric always
names the exact artifact and data it came from: the pipeline writes those it scored in memory;
``evaluate`` scores a registered version again, on its own held-out rows, both hash-checked.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .model import Model
from .settings import TASK_METRICS as TASK_METRICS  # noqa: PLC0414 (read from here up to 0.3.0)

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .registry import ModelVersion, Registry
    from .settings import Settings

# Metrics where smaller is better; every other metric is read as larger-is-better.
LOWER_IS_BETTER = frozenset({"rmse", "mae", "mse", "mape", "log_loss", "brier"})
# The best value each metric can take (the gate's skill is measured toward it).
PERFECT = {"accuracy": 1.0, "f1_macro": 1.0, "roc_auc": 1.0, "average_precision": 1.0, "r2": 1.0}
BASELINE_PREFIX = "baseline_"
METRICS_FILE = Path("reports/metrics.json")
DIGITS = 6


def task_of(metrics: Iterable[str]) -> str | None:
    """The task whose metrics these are (None: neither, or a mix)."""
    given = set(metrics)
    found = [task for task, names in TASK_METRICS.items() if given & set(names)]
    return found[0] if len(found) == 1 else None


def perfect(metric: str) -> float:
    """The best value of ``metric`` (0 for errors and losses)."""
    return PERFECT.get(metric, 0.0 if metric in LOWER_IS_BETTER else 1.0)


def roc_auc_ovr(truth: np.ndarray, proba: np.ndarray, classes: Sequence[object]) -> float | None:
    """Macro one-vs-rest ROC AUC over the classes present in ``truth`` (None: not defined)."""
    from sklearn.metrics import roc_auc_score

    scores = []
    for i, label in enumerate(classes):
        positive = truth == label
        if positive.any() and not positive.all():
            scores.append(roc_auc_score(positive, proba[:, i]))
    if not scores:
        return None
    if len(classes) == 2:  # both classes give the same AUC: the usual binary one
        return float(scores[-1])
    return float(np.mean(scores))


def average_precision(
    truth: np.ndarray, proba: np.ndarray, classes: Sequence[object]
) -> float | None:
    """Average precision (the area under the precision-recall curve) of the rarer of two classes
    in ``truth``, or its macro average over the classes present among more: how well the model
    ranks a rare class (fraud, defaults), which accuracy and ROC AUC hide; a constant model
    scores the class's share (None: not defined)."""
    from sklearn.metrics import average_precision_score

    counts = [(int((truth == label).sum()), i) for i, label in enumerate(classes)]
    present = [(count, i) for count, i in counts if 0 < count < len(truth)]
    if not present:
        return None
    if len(classes) == 2:
        present = [min(present)]
    return float(
        np.mean([average_precision_score(truth == classes[i], proba[:, i]) for _, i in present])
    )


def classification_scores(
    truth: pd.Series,
    predicted: Sequence[object],
    proba: np.ndarray | None,
    classes: Sequence[object],
) -> dict[str, float]:
    """Accuracy, macro F1 and, with probabilities, ROC AUC, average precision and log loss."""
    from sklearn import metrics

    result = {
        "accuracy": float(metrics.accuracy_score(truth, predicted)),
        "f1_macro": float(metrics.f1_score(truth, predicted, average="macro", zero_division=0)),
    }
    if proba is not None:
        auc = roc_auc_ovr(truth.to_numpy(), proba, classes)
        if auc is not None:
            result["roc_auc"] = auc
        precision = average_precision(truth.to_numpy(), proba, classes)
        if precision is not None:
            result["average_precision"] = precision
        unseen = sorted(set(truth.unique()) - set(classes), key=str)
        if unseen:  # log loss is not defined for them (numpy scalars shown as Python's)
            shown = [label.item() if isinstance(label, np.generic) else label for label in unseen]
            log.warning(
                "log_loss left out: the held-out rows hold class(es) the model never trained on "
                "(%s): too rare to be in the training rows? fix or drop them at the source",
                ", ".join(map(repr, shown)),
            )
        else:
            result["log_loss"] = float(metrics.log_loss(truth, proba, labels=list(classes)))
    return result


def regression_scores(truth: pd.Series, predicted: Sequence[object]) -> dict[str, float]:
    """RMSE, MAE and R²."""
    from sklearn import metrics

    return {
        "rmse": float(np.sqrt(metrics.mean_squared_error(truth, predicted))),
        "mae": float(metrics.mean_absolute_error(truth, predicted)),
        "r2": float(metrics.r2_score(truth, predicted)),
    }


def baseline_scores(task: str, truth: pd.Series) -> dict[str, float]:
    """The metrics of the best constant model for these rows: most frequent class, or mean."""
    if task == "classification":
        shares = truth.value_counts(normalize=True, sort=False)
        classes = sorted(shares.index.tolist())
        priors = np.asarray([shares[label] for label in classes], dtype=float)
        majority = shares.idxmax()
        predicted = [majority] * len(truth)
        proba = np.tile(priors, (len(truth), 1))
        return classification_scores(truth, predicted, proba, classes)
    return regression_scores(truth, [float(truth.mean())] * len(truth))


def score(
    task: str, model: Model, frame: pd.DataFrame, target: str, *, baseline: bool = True
) -> dict[str, float]:
    """The task's metrics of ``model`` on ``frame`` (plus ``baseline_*``, unless told not to).

    The model sees ``frame`` without ``target``, as it was fitted: a team's transformer that
    takes every column it is given (numbers by dtype, by position) gets what it saw at fit."""
    truth = frame[target]
    inputs = frame.drop(columns=[target])
    predicted = list(np.asarray(model.predict(inputs)))
    if task == "classification":
        proba = None
        predict_proba = getattr(model, "predict_proba", None)
        classes = getattr(model, "classes_", None)
        if classes is None:
            classes = sorted(truth.unique().tolist())
        if callable(predict_proba):
            proba = np.asarray(predict_proba(inputs), dtype=float)
        result = classification_scores(truth, predicted, proba, list(classes))
    else:
        result = regression_scores(truth, predicted)
    if baseline:
        result |= {
            f"{BASELINE_PREFIX}{name}": value
            for name, value in baseline_scores(task, truth).items()
        }
    return {name: round(float(value), DIGITS) for name, value in result.items()}


def split_baseline(metrics: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """(the model's metrics, the baseline's metrics without their prefix)."""
    own = {k: v for k, v in metrics.items() if not k.startswith(BASELINE_PREFIX)}
    base = {
        k.removeprefix(BASELINE_PREFIX): v
        for k, v in metrics.items()
        if k.startswith(BASELINE_PREFIX)
    }
    return own, base


def score_version(
    registry: Registry, ref: int | str = "candidate"
) -> tuple[dict[str, float], ModelVersion]:
    """A version's task metrics on the held-out rows registered with it (both hash-checked)."""
    state = registry.state()
    model, entry = registry.load(ref, state)
    holdout, _ = registry.holdout(entry["version"], state)
    return score(entry["task"], model, holdout, entry["target"]), entry


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
