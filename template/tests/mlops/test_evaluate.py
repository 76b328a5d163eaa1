"""Evaluation: the task's metrics on the held-out rows, written to reports/metrics.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _package import load

config = load("mlops.settings")
data = load("mlops.data")
evaluate_mod = load("mlops.evaluate")
metrics_mod = load("mlops.metrics")
train_mod = load("mlops.train")

EXPECTED = {
    "classification": {"accuracy", "f1_macro", "roc_auc", "log_loss"},
    "regression": {"rmse", "mae", "r2"},
}


def test_evaluate_scores_the_holdout(project: Path) -> None:
    settings = config.load_settings(project)
    data.ingest(settings.data.dataset, project)
    trained = train_mod.train(settings, project)
    metrics, path = evaluate_mod.evaluate(project)
    assert {name for name in metrics if not name.startswith("baseline_")} == EXPECTED[settings.task]
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["metrics"] == metrics
    assert written["rows"] == len(trained.test)
    assert written["model_sha256"] == trained.metadata["sha256"]
    target = trained.metadata["target"]
    again = metrics_mod.score(settings.task, trained.model, trained.test, target)
    assert again == metrics


def test_evaluate_before_train_says_what_to_run(project: Path) -> None:
    with pytest.raises(train_mod.TrainError, match="run `train` first"):
        evaluate_mod.evaluate(project)
