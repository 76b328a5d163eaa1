"""Your datasets (``datasets.py``): the embedded ones load offline, as one tidy frame each."""

from __future__ import annotations

import pytest
from _package import load
from leanops_runtime import data

datasets = load("datasets")


@pytest.mark.parametrize(("name", "rows"), [("breast_cancer", 569), ("diabetes", 442)])
def test_embedded_dataset_loads_as_one_frame(name: str, rows: int) -> None:
    frame = datasets.DATASETS[name]()
    assert len(frame) == rows
    assert frame.columns[0] == "sample_id"
    assert frame.columns[-1] == "target"
    assert frame["sample_id"].is_unique
    assert all(column == datasets.snake_case(column) for column in frame.columns)
    assert not frame.isna().any().any()


def test_unknown_dataset_is_a_clear_error() -> None:
    with pytest.raises(data.DataError, match=r"no loader for dataset 'iris' in datasets\.py"):
        data.load_embedded("iris")


def test_snake_case_makes_identifiers() -> None:
    assert datasets.snake_case("mean radius") == "mean_radius"
    assert datasets.snake_case("Worst  Concave-Points ") == "worst_concave_points"
