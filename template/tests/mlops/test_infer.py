"""``contract infer``: what a messy sample holds, as a commented contract a person reviews."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from _frames import customers, iris, write
from _package import load

cli = load("mlops.cli")
contract_mod = load("mlops.contract")
inference = load("mlops.contract.inference")
writing = load("mlops.contract.writing")


def _infer(tmp_path: Path, frame: pd.DataFrame, target: str, **kwargs: object):
    path = write(frame, tmp_path / "sample.csv", **kwargs.pop("csv", {}))  # type: ignore[arg-type]
    inferred = inference.infer(path, "sample", target=target, **kwargs)
    text = writing.render(inferred)
    contract = contract_mod.from_mapping(yaml.safe_load(text), "sample")
    return inferred, contract, text


def test_infer_detects_every_kind_of_column(tmp_path: Path) -> None:
    frame = customers().assign(constant="same", empty=np.nan)
    inferred, contract, text = _infer(tmp_path, frame, "churned")
    assert contract.roles == {
        "Unnamed: 0": "ignore",  # a row number
        "customer_key": "id",  # unique, named like an id
        "tenure_months": "feature_numeric",
        "monthly_spend": "feature_numeric",
        "plan": "feature_categorical",
        "region_code": "feature_categorical",
        "signup_date": "feature_datetime",
        "churned": "target",
        "constant": "ignore",
        "empty": "ignore",
    }
    assert contract.encodings == {"region_code": "target"}
    assert contract.formats == {"signup_date": "%Y-%m-%d"}
    assert inferred.task == "classification"
    detected = {c.name: c.detected for c in inferred.columns}
    assert detected["Unnamed: 0"] == "row_number"
    assert detected["constant"] == "constant"
    assert detected["region_code"] == "high_cardinality"
    # Every column says why, in a comment right above it.
    for name in ("Unnamed: 0", "region_code", "signup_date", "constant"):
        block = text.split(f"\n  {name!r}:" if " " in name else f"\n  {name}:")[0]
        assert block.rstrip().splitlines()[-1].lstrip().startswith("#"), name
    assert "row number" in text and "high cardinality" in text and "dates (format" in text


def test_features_are_nullable_and_the_target_never(tmp_path: Path) -> None:
    frame = customers()
    frame.loc[[3, 9], "churned"] = None
    inferred, contract, text = _infer(tmp_path, frame, "churned")
    assert inferred.missing_target == 2
    assert contract.missing_target == "refuse"
    assert "2 row(s) have no target" in text
    columns = contract.schema.columns
    assert not columns["churned"].nullable
    assert all(columns[name].nullable for name in contract.features)


def test_an_id_named_on_the_command_line_and_a_task_given(tmp_path: Path) -> None:
    frame = iris()
    _, contract, _ = _infer(tmp_path, frame, "species", id_column="flower_id")
    assert contract.ids == ["flower_id"]
    raw = contract_mod.to_mapping(contract)
    assert raw["columns"]["species"]["isin"] == ["setosa", "versicolor", "virginica"]
    numbers = customers().assign(score=np.arange(240) % 7)
    inferred, _, _ = _infer(tmp_path, numbers, "score", task="regression")
    assert inferred.task == "regression"


def test_markers_and_delimiter_are_detected(tmp_path: Path) -> None:
    frame = customers().astype({"monthly_spend": object, "tenure_months": object})
    frame.loc[[1, 2], "monthly_spend"] = "n/a"
    frame.loc[5, "tenure_months"] = "?"
    frame.loc[7, "plan"] = "NA"  # a text column: NA could be a real value there
    _, contract, text = _infer(tmp_path, frame, "churned", csv={"sep": ";"})
    assert contract.reading.delimiter == ";"
    assert set(contract.reading.na_values) == {"", "n/a", "?"}
    assert "'n/a' read as missing" in text
    assert contract.roles["monthly_spend"] == "feature_numeric"


def test_the_sample_must_have_the_named_columns(tmp_path: Path) -> None:
    path = write(customers(), tmp_path / "sample.csv")
    with pytest.raises(contract_mod.ContractError, match=r"no column 'target'.*its columns:"):
        inference.infer(path, "sample", target="target")
    with pytest.raises(contract_mod.ContractError, match="--id"):
        inference.infer(path, "sample", target="churned", id_column="nope")


def test_infer_never_overwrites_without_force(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = write(customers(), project / "data" / "raw" / "churn.csv")
    out = project / "contracts" / "churn.yaml"
    args = ["contract", "infer", str(sample), "--target", "churned", "-o", str(out)]
    assert cli.main(args) == 0
    reviewed = out.read_text(encoding="utf-8") + "# reviewed by me\n"
    out.write_text(reviewed, encoding="utf-8")
    assert cli.main(args) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == reviewed
    assert cli.main([*args, "--force"]) == 0
    assert "reviewed by me" not in out.read_text(encoding="utf-8")
    # Other kept places stay off limits.
    assert cli.main([*args[:-1], "params.yaml"]) == 2
    assert cli.main([*args[:-1], "contracts/sub/x.yaml"]) == 2


def test_infer_prints_to_stdout_by_default(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = write(iris(), project / "iris.parquet")
    assert cli.main(["contract", "infer", str(sample), "--target", "species"]) == 0
    out = capsys.readouterr().out
    assert contract_mod.from_mapping(yaml.safe_load(out), "iris").target == "species"
