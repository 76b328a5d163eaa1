"""Choosing the estimator (params.yaml's ``train.also_try``): scored by cross-validation on the
training rows, the better one fitted, and named in the run, the registry and the report."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _frames import project_for, set_params
from _package import lib
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

config = lib("settings")
selection = lib("selection")


def crossed(rows: int = 600, seed: int = 0) -> pd.DataFrame:
    """A label that is the XOR of two thresholds: no linear model can draw it, trees can."""
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(size=rows), rng.uniform(size=rows)
    noise = rng.normal(size=rows)
    label = np.where((a > 0.5) ^ (b > 0.5), "yes", "no")
    return pd.DataFrame({"row_id": range(rows), "a": a, "b": b, "noise": noise, "label": label})


def straight(rows: int = 300, seed: int = 0) -> pd.DataFrame:
    """A label drawn from a logistic model of the features: the linear model's own ground."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 4))
    chance = 1 / (1 + np.exp(-(x @ np.array([1.5, -1.0, 0.5, 0.0]))))
    label = np.where(rng.random(rows) < chance, "yes", "no")
    return pd.DataFrame({**{f"x{i}": x[:, i] for i in range(4)}, "label": label})


def keep(columns: list[str]) -> ColumnTransformer:
    """The team's features in miniature: the named columns, as they are."""
    return ColumnTransformer([("keep", "passthrough", columns)])


def choosing(project: Path, frame: pd.DataFrame, name: str) -> object:
    project_for(project, frame, name, target="label", task="classification")
    set_params(
        project,
        train={
            "estimator": "logistic_regression",
            "also_try": ["hist_gradient_boosting"],
            "hyperparameters": {
                "logistic_regression": {"C": 1.0},
                "hist_gradient_boosting": {"max_iter": 60},
            },
        },
    )
    settings = config.load_settings(project)
    return lib("pipeline").run_pipeline(settings, project)


def test_a_non_linear_table_gets_the_boosting_model_and_says_why(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    result = choosing(project, crossed(), "crossed")
    meta = result.train.metadata
    assert meta["estimator"] == "hist_gradient_boosting"
    assert meta["hyperparameters"] == {"max_iter": 60}
    assert meta["selection"].startswith("hist_gradient_boosting (roc_auc ")
    assert " over logistic_regression (" in meta["selection"]
    assert "3-fold cross-validation on 480 training rows" in meta["selection"]
    assert f"chose {meta['selection']}" in caplog.text
    assert result.metrics["accuracy"] > 0.9  # a linear model is near 0.5 on this table
    assert result.train.version["estimator"] == "hist_gradient_boosting"
    store = lib("tracking").LocalRunStore(config.load_settings(project).tracking_db)
    run = store.get_run(result.run_id)
    assert run["tags"]["estimator"] == "hist_gradient_boosting"
    assert run["tags"]["selection"] == meta["selection"]
    assert run["params"]["estimator"] == "logistic_regression"  # what params.yaml named
    assert run["params"]["also_try"] == "hist_gradient_boosting"
    assert run["params"]["hp.hist_gradient_boosting.max_iter"] == 60
    card = lib("report.collect").hyperparameters_of("hist_gradient_boosting", run["params"])
    assert card == {"max_iter": 60}
    assert lib("report.collect").hyperparameters_of("logistic_regression", run["params"]) == {
        "C": 1.0
    }


def test_a_linear_table_keeps_the_linear_model(project: Path) -> None:
    meta = choosing(project, straight(), "straight").train.metadata
    assert meta["estimator"] == "logistic_regression"
    assert meta["selection"].startswith("logistic_regression (roc_auc ")


def test_the_choice_ranks_errors_lowest_first_and_breaks_ties_for_the_first() -> None:
    from sklearn.dummy import DummyRegressor
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=200)})
    frame["y"] = 3 * frame["x"] + rng.normal(scale=0.1, size=200)
    candidates = {
        name: Pipeline([("select", keep(["x"])), ("model", model)])
        for name, model in (
            ("mean", DummyRegressor()),
            ("line", LinearRegression()),
            ("line_again", LinearRegression()),
        )
    }
    chosen = selection.choose(candidates, frame, "y", task="regression", metric="rmse", seed=0)
    assert chosen.chosen == "line"  # the lower RMSE; the tie with line_again goes to the first
    assert chosen.scores["line"] == pytest.approx(chosen.scores["line_again"])
    assert chosen.scores["line"] < 0.2 < chosen.scores["mean"]
    assert chosen.summary().index("line_again") < chosen.summary().index("mean")


def test_a_candidate_that_cannot_be_scored_is_left_out_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    frame = straight()
    columns = ["x0", "x1", "x2", "x3"]
    candidates = {  # log loss needs probabilities, which LinearSVC has not
        name: Pipeline([("select", keep(columns)), ("model", model)])
        for name, model in (("fine", LogisticRegression()), ("broken", LinearSVC()))
    }
    chosen = selection.choose(
        candidates, frame, "label", task="classification", metric="log_loss", seed=0
    )
    assert chosen.chosen == "fine"
    assert math.isnan(chosen.scores["broken"])
    assert "left broken out of the choice: " in caplog.text
    assert chosen.summary().endswith(
        "over broken (nan), by 3-fold cross-validation on 300 training rows"
    )

    # The estimator params.yaml names comes first: its failure is an error, never replaced.
    first = {"broken": candidates["broken"], "fine": candidates["fine"]}
    with pytest.raises(lib("train").TrainError, match=r"^cannot fit broken \(train.estimator\): "):
        selection.choose(first, frame, "label", task="classification", metric="log_loss", seed=0)


def test_the_choice_samples_a_large_table_by_class() -> None:
    frame = pd.DataFrame({"x": range(50_000), "label": ["a"] * 45_000 + ["b"] * 5_000})
    kept = selection.sample(frame, "label", "classification", seed=0)
    assert len(kept) == selection.SAMPLE_ROWS
    assert (kept["label"] == "b").mean() == pytest.approx(0.1)
    assert selection.sample(frame.head(100), "label", "classification", seed=0).equals(
        frame.head(100)
    )


def test_the_choice_is_made_on_the_gates_first_metric() -> None:
    assert selection.selection_metric("classification", None) == "roc_auc"
    assert selection.selection_metric("regression", ["mae", "rmse"]) == "mae"
    assert selection.selection_metric("regression", ["not_a_metric"]) == "rmse"
