"""Metrics for any label type, binary or multiclass, and the trivial baseline on the same rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _package import lib

metrics_mod = lib("metrics")


class Echo:
    """A model that predicts its feature ``x``, a copy of the truth (or the class after it),
    with confident probabilities; it is never shown the label itself."""

    def __init__(self, classes: list, *, flip: bool = False) -> None:
        self.classes_ = np.asarray(classes, dtype=object)
        self.flip = flip

    def predict(self, frame: pd.DataFrame) -> list:
        assert "y" not in frame.columns, "the label reached the model"
        truth = list(frame["x"])
        if not self.flip:
            return truth
        order = list(self.classes_)
        return [order[(order.index(v) + 1) % len(order)] for v in truth]

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        predicted = self.predict(frame)
        rest = 0.1 / (len(self.classes_) - 1)
        return np.asarray([[0.9 if c == p else rest for c in self.classes_] for p in predicted])


@pytest.mark.parametrize(
    "labels",
    [["no", "yes"], [False, True], [3, 7], ["setosa", "versicolor", "virginica"]],
)
def test_any_label_type_binary_or_multiclass(labels: list) -> None:
    values = [labels[i % len(labels)] for i in range(30)]
    truth = pd.DataFrame({"x": values, "y": values})
    good = metrics_mod.score("classification", Echo(labels), truth, "y")
    assert good["accuracy"] == 1.0
    assert good["f1_macro"] == 1.0
    assert good["roc_auc"] == 1.0
    assert good["average_precision"] == 1.0
    assert good["log_loss"] == pytest.approx(-np.log(0.9), abs=1e-6)
    wrong = metrics_mod.score("classification", Echo(labels, flip=True), truth, "y")
    assert wrong["accuracy"] == 0.0
    assert wrong["roc_auc"] < 0.5
    assert wrong["log_loss"] > good["baseline_log_loss"] > good["log_loss"]


def test_the_baseline_is_the_best_constant_model_of_the_rows() -> None:
    truth = pd.Series(["a"] * 6 + ["b"] * 3 + ["c"], name="y")
    base = metrics_mod.baseline_scores("classification", truth)
    assert base["accuracy"] == 0.6
    assert base["roc_auc"] == 0.5
    shares = np.array([0.6, 0.3, 0.1])
    assert base["log_loss"] == pytest.approx(-(shares * np.log(shares)).sum())
    assert base["average_precision"] == pytest.approx(shares.mean())  # each class's share
    values = pd.Series([1.0, 2.0, 3.0, 6.0])
    regression = metrics_mod.baseline_scores("regression", values)
    assert regression["r2"] == 0.0
    assert regression["rmse"] == pytest.approx(values.std(ddof=0))


def test_average_precision_is_the_rare_class_s_of_two() -> None:
    """Defaults in 2 of 40 rows: ranking them first gives 1.0, however the 38 others are
    ranked; a constant model scores their share, 0.05 (accuracy gives it 0.95)."""
    truth = np.array(["no"] * 38 + ["yes"] * 2)
    proba = np.zeros((40, 2))
    proba[:, 1] = np.r_[np.linspace(0.0, 0.5, 38), [0.9, 0.8]]
    proba[:, 0] = 1 - proba[:, 1]
    assert metrics_mod.average_precision(truth, proba, ["no", "yes"]) == 1.0
    proba[36, 1] = 0.95  # a "no" ranked above both defaults
    assert metrics_mod.average_precision(truth, proba, ["no", "yes"]) == pytest.approx(
        (1 / 2 + 2 / 3) / 2
    )
    constant = metrics_mod.baseline_scores("classification", pd.Series(truth))
    assert constant["average_precision"] == pytest.approx(0.05)
    assert constant["accuracy"] == pytest.approx(0.95)


def test_a_class_missing_from_the_rows_still_gives_an_auc() -> None:
    rows = pd.DataFrame({"x": ["a", "b", "a", "b"], "y": ["a", "b", "a", "b"]})
    scores = metrics_mod.score("classification", Echo(["a", "b", "c"]), rows, "y")
    assert scores["roc_auc"] == 1.0


def test_a_held_out_class_the_model_never_saw_leaves_log_loss_out_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rows = pd.DataFrame({"x": ["a", "b", "a", "B "], "y": ["a", "b", "a", "B "]})
    scores = metrics_mod.score("classification", Echo(["a", "b"]), rows, "y")
    assert "log_loss" not in scores and "accuracy" in scores
    assert "('B ')" in caplog.text and "log_loss left out" in caplog.text
    numbers = pd.DataFrame({"x": [1, 2, 1, 3], "y": [1, 2, 1, 3]})
    metrics_mod.score("classification", Echo([1, 2]), numbers, "y")
    assert "never trained on (3)" in caplog.text  # a number, not the text '3'


def test_regression_metrics_and_split() -> None:
    class Mean:
        def predict(self, frame: pd.DataFrame) -> list:
            assert "y" not in frame.columns, "the label reached the model"
            return [3.0] * len(frame)  # the mean of the rows' labels

    rows = pd.DataFrame({"x": [0.0, 0.0, 0.0, 0.0], "y": [1.0, 2.0, 3.0, 6.0]})
    scores = metrics_mod.score("regression", Mean(), rows, "y")
    own, base = metrics_mod.split_baseline(scores)
    assert set(own) == {"rmse", "mae", "r2"}
    assert own == base  # the mean is the baseline
