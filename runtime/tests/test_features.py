"""The machinery's feature steps: target encoders are told the task, never left to guess it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _package import lib

machinery = lib("features")


def _encoders() -> tuple[object, object, object]:
    """A ColumnTransformer with a target encoder nested in a pipeline, as a team may write."""
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler, TargetEncoder

    auto, fixed = TargetEncoder(), TargetEncoder(target_type="multiclass")
    features = make_column_transformer(
        (make_pipeline(auto, StandardScaler()), ["code"]), (fixed, ["other"])
    )
    return features, auto, fixed


@pytest.mark.parametrize(
    ("task", "target", "expected"),
    [
        ("regression", [100, 200, 300, 400] * 50, "continuous"),  # whole numbers: a quantity
        ("classification", ["no", "yes"] * 100, "binary"),
        ("classification", [0, 1, 2, 3] * 50, "multiclass"),
    ],
)
def test_target_encoders_take_the_tasks_type(task: str, target: list, expected: str) -> None:
    features, auto, fixed = _encoders()
    machinery.adapt_to_task(features, task, pd.Series(target))
    assert auto.target_type == expected
    assert fixed.target_type == "multiclass", "a type set by hand is kept"


def test_a_whole_number_regression_target_gives_one_column_per_code() -> None:
    rng = np.random.default_rng(0)
    rows = 1000
    frame = pd.DataFrame(
        {
            "code": rng.choice([f"Z{i:04d}" for i in range(300)], rows),
            "other": rng.choice(["a", "b"], rows),
        }
    )
    price = pd.Series(rng.integers(500, 5000, rows) * 100)  # 450 distinct whole numbers
    features, _, fixed = _encoders()
    fixed.set_params(target_type="auto")
    machinery.adapt_to_task(features, "regression", price)
    assert features.fit_transform(frame, price).shape == (rows, 2)
