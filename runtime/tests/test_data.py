"""The split is seeded and reproducible, and needs its target column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _package import lib

data = lib("data")


def test_split_is_reproducible_and_disjoint() -> None:
    frame = data.load_embedded("breast_cancer")
    train_a, test_a = data.split(frame, target="target", test_size=0.2, seed=3, stratify=True)
    _, test_b = data.split(frame, target="target", test_size=0.2, seed=3, stratify=True)
    pd.testing.assert_frame_equal(test_a, test_b)
    assert set(train_a.index).isdisjoint(test_a.index)
    assert len(train_a) + len(test_a) == len(frame)
    assert len(test_a) == pytest.approx(0.2 * len(frame), abs=1)


def test_another_seed_gives_another_split() -> None:
    frame = data.load_embedded("diabetes")
    _, test_a = data.split(frame, target="target", seed=1)
    _, test_b = data.split(frame, target="target", seed=2)
    assert set(test_a.index) != set(test_b.index)


def test_stratified_split_keeps_class_balance() -> None:
    frame = data.load_embedded("breast_cancer")
    train, test = data.split(frame, target="target", seed=0, stratify=True)
    assert train["target"].mean() == pytest.approx(test["target"].mean(), abs=0.02)


def test_a_class_with_one_row_splits_unstratified_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    frame = pd.DataFrame({"x": range(20), "label": ["a"] * 10 + ["b"] * 9 + ["rare"]})
    train, test = data.split(frame, target="label", seed=0, stratify=True)
    assert len(train) + len(test) == 20
    assert "'rare'" in caplog.text


def test_split_needs_the_target_column() -> None:
    frame = data.load_embedded("diabetes").drop(columns=["target"])
    with pytest.raises(data.DataError, match="target column 'target' not in data"):
        data.split(frame, target="target")


def test_the_machinery_names_no_column() -> None:
    """The id and the target are whatever the contract names: no default in these modules."""
    mlops = Path(lib("data").__file__).parent
    modules = ["data", "predict", "features", "metrics", "gate", "train", "contract/*"]
    for pattern in modules:
        for path in mlops.glob(f"{pattern}.py"):
            source = path.read_text(encoding="utf-8")
            assert "sample_id" not in source, path
            assert "ID_COLUMN" not in source, path
            assert 'TARGET = "' not in source, path


def missing_export() -> pd.DataFrame:
    return pd.read_csv("data/external/orders.csv")


@pytest.mark.parametrize(
    ("loader", "expected"),
    [
        (lambda: None, "datasets.py: the loader 'mine' returned NoneType, not a pandas DataFrame"),
        (missing_export, "datasets.py: the loader 'mine' cannot read data/external/orders.csv: "),
        (pd.DataFrame, "datasets.py: the loader 'mine' returned a table with no rows"),
    ],
)
def test_a_loader_that_returns_no_table_or_reads_no_file_is_one_line(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    loader: object,
    expected: str,
) -> None:
    """The line names the loader (not an unexpected error of the library's), and nothing is
    written: no model, no processed table."""
    monkeypatch.setitem(lib("team").datasets(), "mine", loader)
    dataset = lib("settings").load_settings(project).data.dataset
    contracts = project / "contracts"
    (contracts / "mine.yaml").write_text((contracts / f"{dataset}.yaml").read_text("utf-8"))
    monkeypatch.setenv(f"{lib('settings').env_prefix()}DATA__DATASET", "mine")
    assert lib("cli").main(["pipeline"]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {expected}"), errors
    assert not (project / "models").exists() and not (project / "data" / "processed").exists()


def test_a_dataset_with_both_a_parquet_and_a_csv_file_is_one_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Parquet file restored beside the CSV the new rows go to: which one the pipeline reads
    is not guessed (the other's rows would go unread)."""
    dataset = lib("settings").load_settings(project).data.dataset
    frame = lib("data").load_embedded(dataset)
    raw = project / "data" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    frame.to_csv(raw / f"{dataset}.csv", index=False)
    frame.to_parquet(raw / f"{dataset}.parquet", index=False)
    assert lib("cli").main(["pipeline"]) == 2
    (error,) = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert error == (
        f"error: data/raw holds both {dataset}.parquet and {dataset}.csv: the pipeline reads one "
        "file per dataset; move or delete the one it should not read"
    )
    batch = project / "data" / "new" / "batch.csv"  # checking a batch is no pipeline: it runs
    batch.parent.mkdir(parents=True)
    frame.head(50).to_csv(batch, index=False)
    assert lib("cli").main(["contract", "check", str(batch)]) == 0
    assert (project / "reports" / f"contract_{dataset}_batch.json").is_file()
    (raw / f"{dataset}.parquet").unlink()
    assert lib("cli").main(["pipeline"]) == 0
