"""Evaluation: the task's metrics on the held-out rows, written to reports/metrics.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _package import lib

config = lib("settings")
data = lib("data")
evaluate_mod = lib("metrics")
metrics_mod = lib("metrics")
train_mod = lib("train")

EXPECTED = {
    "classification": {"accuracy", "f1_macro", "roc_auc", "average_precision", "log_loss"},
    "regression": {"rmse", "mae", "r2"},
}


def test_evaluate_scores_a_registered_version_on_its_holdout(project: Path) -> None:
    settings = config.load_settings(project)
    data.ingest(settings.data.dataset, project)
    trained = train_mod.train(settings, project)
    metrics, path = evaluate_mod.evaluate(project)
    assert {name for name in metrics if not name.startswith("baseline_")} == EXPECTED[settings.task]
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["metrics"] == metrics
    assert written["model_version"] == trained.version["version"] == 1
    assert written["model_sha256"] == trained.version["sha256"]
    assert written["holdout_sha256"] == trained.version["holdout_sha256"]
    again = metrics_mod.score(
        settings.task, trained.model, trained.test, trained.metadata["target"]
    )
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


def test_evaluate_before_train_says_what_to_run(project: Path) -> None:
    registry = lib("registry")
    with pytest.raises(registry.RegistryError, match="no candidate model yet"):
        evaluate_mod.evaluate(project)
