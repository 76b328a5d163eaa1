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

EXPECTED = {"classification": {"accuracy", "f1", "roc_auc"}, "regression": {"rmse", "mae", "r2"}}


def test_evaluate_scores_a_registered_version_on_its_holdout(project: Path) -> None:
    settings = config.load_settings(project)
    data.ingest(settings.data.dataset, project)
    trained = train_mod.train(settings, project)
    metrics, path = evaluate_mod.evaluate(project)
    assert set(metrics) == EXPECTED[settings.task]
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["metrics"] == metrics
    assert written["model_version"] == trained.version["version"] == 1
    assert written["model_sha256"] == trained.version["sha256"]
    assert written["holdout_sha256"] == trained.version["holdout_sha256"]
    again = metrics_mod.score(settings.task, trained.model, trained.test, data.TARGET)
    assert again == metrics == trained.version["metrics"]


def test_evaluate_honours_models_dir_and_a_version(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{config.ENV_PREFIX}MODELS_DIR", "elsewhere/registry")
    settings = config.load_settings(project)
    data.ingest(settings.data.dataset, project)
    train_mod.train(settings, project)
    train_mod.train(settings, project)
    assert not (project / "models").exists()
    assert (project / "elsewhere" / "registry" / settings.data.dataset / "v2").is_dir()
    _, path = evaluate_mod.evaluate(project, version="v1")
    assert json.loads(path.read_text(encoding="utf-8"))["model_version"] == 1


def test_metrics_of_a_perfect_and_a_wrong_model() -> None:
    import pandas as pd

    class Echo:
        def __init__(self, flip: bool) -> None:
            self.flip = flip

        def predict(self, frame):
            return 1 - frame["target"] if self.flip else frame["target"]

        def predict_proba(self, frame):
            p = self.predict(frame).to_numpy(dtype=float)
            return pd.DataFrame({0: 1 - p, 1: p}).to_numpy()

    frame = pd.DataFrame({"target": [0, 1, 1, 0]})
    assert metrics_mod.score("classification", Echo(False), frame, "target") == {
        "accuracy": 1.0,
        "f1": 1.0,
        "roc_auc": 1.0,
    }
    wrong = metrics_mod.score("classification", Echo(True), frame, "target")
    assert wrong["accuracy"] == 0.0
    regression = metrics_mod.score("regression", Echo(False), frame, "target")
    assert regression == {"rmse": 0.0, "mae": 0.0, "r2": 1.0}


def test_evaluate_before_train_says_what_to_run(project: Path) -> None:
    registry = load("mlops.registry")
    with pytest.raises(registry.RegistryError, match="no candidate model yet"):
        evaluate_mod.evaluate(project)
