"""Batch prediction: production model only, contract-checked input, model version recorded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _models import fit, names, open_line, register, training_data
from _package import lib

cli = lib("cli")
config = lib("settings")
data = lib("data")
registry_mod = lib("registry")


@pytest.fixture
def settings(project: Path) -> Any:
    return config.load_settings(project)


@pytest.fixture
def production(project: Path, settings: Any) -> Any:
    """A registry with v1 in production and v2 as candidate (predict must use v1)."""
    registry = open_line(project)
    for strength in ("good", "weak"):
        register(registry, settings, fit(settings, strength))
    registry.set_production(1)
    return registry


@pytest.fixture
def new_rows(settings: Any) -> pd.DataFrame:
    """New data as it arrives for scoring: the held-out rows without their target."""
    _, test = training_data(settings)
    return test.drop(columns=[names(settings)[1]]).reset_index(drop=True)


def test_predict_csv_records_the_production_version(
    project: Path, production: Any, new_rows: pd.DataFrame, settings: Any
) -> None:
    new_rows.to_csv(project / "batch.csv", index=False)
    assert cli.main(["predict", "batch.csv"]) == 0
    out = pd.read_csv(project / "reports" / "predictions-batch.csv")
    id_column = names(settings)[0]
    assert len(out) == len(new_rows)
    assert out[id_column].tolist() == new_rows[id_column].tolist()
    assert set(out["model_version"]) == {"v1"}
    model, _ = production.load("v1")
    expected = model.predict(new_rows)
    assert out["prediction"].to_numpy() == pytest.approx(expected)
    if settings.task == "classification":
        columns = [f"probability_{label}" for label in model.classes_]
        assert out[columns].sum(axis=1).to_numpy() == pytest.approx(1.0)


def test_predict_parquet_to_a_chosen_path(
    project: Path, production: Any, new_rows: pd.DataFrame
) -> None:
    new_rows.to_parquet(project / "batch.parquet")
    assert cli.main(["predict", "batch.parquet", "-o", "out/scored.parquet"]) == 0
    out = pd.read_parquet(project / "out" / "scored.parquet")
    assert set(out["model_version"]) == {"v1"}
    assert out.attrs["model_version"] == "v1"
    assert len(out.attrs["model_sha256"]) == 64
    assert not list((project / "out").glob(".*")), "no temporary file left behind"


def test_predict_follows_a_rollback(project: Path, production: Any, new_rows: pd.DataFrame) -> None:
    production.set_production(2)
    new_rows.to_csv(project / "batch.csv", index=False)
    assert cli.main(["predict", "batch.csv", "-o", "a.csv"]) == 0
    assert set(pd.read_csv(project / "a.csv")["model_version"]) == {"v2"}
    production.rollback()
    assert cli.main(["predict", "batch.csv", "-o", "b.csv"]) == 0
    assert set(pd.read_csv(project / "b.csv")["model_version"]) == {"v1"}


def test_predict_needs_a_production_model(
    project: Path, settings: Any, new_rows: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    register(open_line(project), settings, fit(settings))
    new_rows.to_csv(project / "batch.csv", index=False)
    assert cli.main(["predict", "batch.csv"]) == 2
    assert "no production model yet (run: promote)" in capsys.readouterr().err
    assert not (project / "reports").exists()


@pytest.mark.parametrize(
    "case",
    [
        ("missing.csv", None, "not found"),
        ("empty.csv", "", "is empty"),
        ("notes.txt", "x", ".csv or .parquet"),
    ],
)
def test_unreadable_input_is_a_one_line_error(
    project: Path, production: Any, case: tuple, capsys: pytest.CaptureFixture[str]
) -> None:
    name, content, message = case
    if content is not None:
        (project / name).write_text(content)
    assert cli.main(["predict", name]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_a_bad_batch_gets_the_contract_report_and_exit_1(
    project: Path,
    production: Any,
    new_rows: pd.DataFrame,
    settings: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    id_column = names(settings)[0]
    column = next(c for c in new_rows.columns if c != id_column)
    bad = new_rows.drop(columns=[column]).astype({new_rows.columns[-1]: object})
    bad.loc[3, new_rows.columns[-1]] = "n/a"
    bad.to_csv(project / "batch.csv", index=False)
    assert cli.main(["predict", "batch.csv"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0].startswith("error: batch.csv breaks contract")
    assert f"missing column {column!r}" in err
    assert "'n/a' row 4" in err  # the fourth data row, index 3
    dataset = settings.data.dataset
    report = project / "reports" / f"contract_{dataset}_batch.json"
    failures = json.loads(report.read_text("utf-8"))["failures"]
    assert {"column": new_rows.columns[-1], "row": 4} in [  # as the message counts
        {"column": f["column"], "row": f["row"]} for f in failures
    ]
    assert not (project / "reports" / "predictions-batch.csv").exists()
    # One failure, which the message names already, is not listed again below it.
    new_rows.drop(columns=[column]).to_csv(project / "batch.csv", index=False)
    capsys.readouterr()
    assert cli.main(["predict", "batch.csv"]) == 1
    err = capsys.readouterr().err
    assert err.count(f"missing column {column!r}") == 1, err


def test_bad_rows_are_set_aside_with_their_reasons_and_the_rest_predicted(
    project: Path,
    production: Any,
    new_rows: pd.DataFrame,
    settings: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    id_column = names(settings)[0]
    column = next(c for c in new_rows.columns if c != id_column)
    bad = new_rows.astype({column: object})
    bad.loc[[2, 5], column] = ["n/a", "4,5"]  # two rows a number column cannot hold
    bad.to_csv(project / "batch.csv", index=False)
    capsys.readouterr()
    assert cli.main(["predict", "batch.csv"]) == 1  # predictions written, and someone must look
    err = capsys.readouterr().err
    assert "2 row(s) break the contract and were set aside" in err
    out = pd.read_csv(project / "reports" / "predictions-batch.csv")
    assert out[id_column].tolist() == new_rows[id_column].drop(index=[2, 5]).tolist()
    refused = pd.read_csv(
        project / "reports" / "predictions-batch.refused.csv", keep_default_na=False
    )
    assert refused["row"].tolist() == [3, 6]  # 1 for the first data row
    assert refused[id_column].tolist() == new_rows[id_column].iloc[[2, 5]].tolist()
    assert ["'n/a'" in reason for reason in refused["reasons"]] == [True, False]
    assert all(column in reason for reason in refused["reasons"])
    assert [
        reason.endswith(f"row {row}")
        for reason, row in zip(refused["reasons"], refused["row"], strict=True)
    ] == [True, True]  # one count of rows
    assert refused[column].tolist() == ["n/a", "4,5"]  # as the batch gives them, to fix there

    (project / "reports" / "predictions-batch.csv").unlink()
    assert cli.main(["predict", "batch.csv", "--on-bad-rows", "refuse"]) == 1
    assert not (project / "reports" / "predictions-batch.csv").exists()
    # The batch fixed: every row predicted, and the rows an earlier run set aside are not left
    # to be taken for this run's.
    new_rows.to_csv(project / "batch.csv", index=False)
    capsys.readouterr()
    assert cli.main(["predict", "batch.csv"]) == 0
    assert len(pd.read_csv(project / "reports" / "predictions-batch.csv")) == len(new_rows)
    assert not (project / "reports" / "predictions-batch.refused.csv").exists()
    assert "removed reports/predictions-batch.refused.csv" in capsys.readouterr().err


def test_a_run_that_fails_after_setting_rows_aside_writes_neither_file(
    project: Path, production: Any, new_rows: pd.DataFrame, settings: Any
) -> None:
    """The rows set aside are written with the predictions or not at all: a model that fails
    on the kept rows leaves no refused-rows file behind to be taken for a finished run."""

    class Failing:
        def predict(self, frame: pd.DataFrame) -> Any:
            raise RuntimeError("the model cannot score these rows")

    column = next(c for c in new_rows.columns if c != names(settings)[0])
    bad = new_rows.astype({column: object})
    bad.loc[2, column] = "n/a"
    bad.to_csv(project / "batch.csv", index=False)
    contract = lib("contract").load_contract(settings.data.dataset, project)
    with pytest.raises(RuntimeError, match="cannot score"):
        lib("predict").run(
            project / "batch.csv",
            project / "reports" / "out.csv",
            model=Failing(),
            entry={"version": 1, "sha256": "0" * 64},
            contract=contract,
            root=project,
        )
    assert not (project / "reports" / "out.csv").exists()
    assert not (project / "reports" / "out.refused.csv").exists()


def test_a_batch_of_bad_rows_only_is_refused_whole(
    project: Path, production: Any, new_rows: pd.DataFrame, settings: Any
) -> None:
    column = next(c for c in new_rows.columns if c != names(settings)[0])
    bad = new_rows.head(3).astype({column: object})
    bad[column] = "n/a"
    bad.to_csv(project / "batch.csv", index=False)
    assert cli.main(["predict", "batch.csv"]) == 1
    assert not (project / "reports" / "predictions-batch.csv").exists()
    assert not (project / "reports" / "predictions-batch.refused.csv").exists()


def test_a_value_the_contract_encoding_cannot_hold_is_one_error_and_no_file(
    tmp_path: Path,
) -> None:
    """A Parquet batch can hold text a cp1252 contract cannot write back: the CSV is refused with
    the character and the way out, and nothing is left half-written."""
    predict = lib("predict")
    rules = lib("contract").ReadingRules(delimiter=";", decimal=",", encoding="cp1252")
    frame = pd.DataFrame({"city": ["Łódź"], "prediction": [0.5]})
    target = tmp_path / "predictions.csv"
    with pytest.raises(predict.PredictError, match=r"'Ł' cannot be written in cp1252"):
        predict.write_predictions(frame, target, reading=rules)
    assert list(tmp_path.iterdir()) == []
    written = predict.write_predictions(frame.assign(city="Köln"), target, reading=rules)
    assert written.read_bytes().decode("cp1252") == "city;prediction\nKöln;0,5\n"


def test_a_csv_is_written_as_its_contract_reads_it_missing_values_and_dates_included() -> None:
    """Dates in the contract's strftime format (ISO for pandas' own ``ISO8601``), a missing
    value as the first of ``na_values`` when an empty cell is not one of them."""
    import pandas as pd

    reading = lib("contract").ReadingRules(delimiter=";", na_values=("n/a",), decimal=",")
    frame = pd.DataFrame(
        {
            "day": pd.to_datetime(["2025-01-31", None]),
            "seen": pd.to_datetime(["2025-02-01", "2025-02-02"]),
            "amount": [1.5, None],
        }
    )
    formats = {"day": "%d.%m.%Y", "seen": "ISO8601"}
    text = lib("predict").encoded(frame, "x.csv", reading=reading, formats=formats).decode()
    assert text.splitlines() == [
        "day;seen;amount",
        "31.01.2025;2025-02-01;1,5",
        "n/a;2025-02-02;n/a",
    ]
