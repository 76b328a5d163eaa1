"""The split is seeded and reproducible, and needs its target column."""

from __future__ import annotations

import pandas as pd
import pytest
from _package import load

data = load("mlops.data")


def test_split_is_reproducible_and_disjoint() -> None:
    frame = data.load_embedded("breast_cancer")
    train_a, test_a = data.split(frame, test_size=0.2, seed=3, stratify=True)
    _, test_b = data.split(frame, test_size=0.2, seed=3, stratify=True)
    pd.testing.assert_frame_equal(test_a, test_b)
    assert set(train_a.index).isdisjoint(test_a.index)
    assert len(train_a) + len(test_a) == len(frame)
    assert len(test_a) == pytest.approx(0.2 * len(frame), abs=1)


def test_another_seed_gives_another_split() -> None:
    frame = data.load_embedded("diabetes")
    _, test_a = data.split(frame, seed=1)
    _, test_b = data.split(frame, seed=2)
    assert set(test_a.index) != set(test_b.index)


def test_stratified_split_keeps_class_balance() -> None:
    frame = data.load_embedded("breast_cancer")
    train, test = data.split(frame, seed=0, stratify=True)
    assert train[data.TARGET].mean() == pytest.approx(test[data.TARGET].mean(), abs=0.02)


def test_split_needs_the_target_column() -> None:
    frame = data.load_embedded("diabetes").drop(columns=[data.TARGET])
    with pytest.raises(data.DataError, match="target column 'target' not in data"):
        data.split(frame)
