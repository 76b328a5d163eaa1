"""Training: estimator and hyperparameters come from params.yaml, seeded; bad ones are one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from _package import load

config = load("mlops.settings")
data = load("mlops.data")
train_mod = load("mlops.train")


def _ingested(project: Path):
    settings = config.load_settings(project)
    data.ingest(settings.data.dataset, project)
    return settings


def test_train_registers_one_candidate_version(project: Path) -> None:
    settings = _ingested(project)
    result = train_mod.train(settings, project)
    meta = result.metadata
    assert meta["estimator"] == settings.train.estimator
    assert meta["train_rows"] + meta["test_rows"] == len(data.load_embedded(settings.data.dataset))
    assert result.version["version"] == 1
    assert Path(result.model_path).is_file()
    assert result.version["sha256"] == meta["sha256"]


def test_training_is_seeded(project: Path) -> None:
    settings = _ingested(project)
    first = train_mod.train(settings, project)
    second = train_mod.train(settings, project)
    assert list(first.test[data.ID_COLUMN]) == list(second.test[data.ID_COLUMN])
    assert (first.model.predict(first.test) == second.model.predict(second.test)).all()


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_every_registered_estimator_builds_seeded(task: str) -> None:
    from importlib import import_module

    from _package import NAME

    estimators = import_module(f"{NAME}.estimators").ESTIMATORS
    for name in estimators[task]:
        estimator = train_mod.build_estimator(task, name, {}, seed=7)
        if "random_state" in estimator.get_params():
            assert estimator.get_params()["random_state"] == 7


def test_unknown_estimator_is_one_line(project: Path) -> None:
    settings = config.load_settings(project)
    with pytest.raises(train_mod.TrainError, match="unknown estimator 'xgboost'") as caught:
        train_mod.build_estimator(settings.task, "xgboost", {}, seed=0)
    assert "\n" not in str(caught.value)


def test_unknown_hyperparameter_is_one_line(project: Path) -> None:
    settings = config.load_settings(project)
    with pytest.raises(train_mod.TrainError, match="has no hyperparameter 'bogus'"):
        train_mod.build_estimator(settings.task, settings.train.estimator, {"bogus": 1}, seed=0)


def test_bad_hyperparameter_value_is_one_line_and_writes_no_model(project: Path) -> None:
    settings = _ingested(project)
    settings.train.estimator = "random_forest"
    settings.train.hyperparameters = {"random_forest": {"n_estimators": -3}}
    with pytest.raises(train_mod.TrainError, match="cannot fit random_forest") as caught:
        train_mod.train(settings, project)
    assert "\n" not in str(caught.value)
    assert not list(project.glob("models/**/model.skops"))
