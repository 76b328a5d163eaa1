"""Bad data stops the pipeline: each kind has its own message, and no model is written."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _package import lib

cli = lib("cli")
config = lib("settings")
contract_mod = lib("contract")
data = lib("data")


def _setup(project: Path) -> tuple[str, pd.DataFrame, object]:
    settings = config.load_settings(project)
    dataset = settings.data.dataset
    return dataset, data.load_embedded(dataset), contract_mod.load_contract(dataset, project)


def _allowed_values_contract(project: Path, dataset: str, frame: pd.DataFrame, contract) -> str:
    """Give the first numeric feature an isin check (its observed values); return the column."""
    column = contract.columns("feature_numeric")[0]
    raw = contract_mod.to_mapping(contract)
    raw["columns"][column].pop("in_range", None)
    raw["columns"][column]["isin"] = sorted(float(v) for v in frame[column].unique())
    text = contract_mod.dump_contract(contract_mod.from_mapping(raw, dataset))
    contract_mod.contract_path(dataset, project).write_text(text, encoding="utf-8")
    return column


def _write_csv(project: Path, dataset: str, frame: pd.DataFrame) -> Path:
    path = project / "data" / "raw" / f"{dataset}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


CORRUPTIONS = {
    "missing column": lambda f, c, i: f.drop(columns=[c]),
    "unexpected column": lambda f, c, i: f.assign(surprise=1),
    "wrong dtype": lambda f, c, i: f.assign(**{c: f[c].astype(object).where(f.index != 2, "abc")}),
    "out of range": lambda f, c, i: f.assign(**{c: f[c].where(f.index != 4, 1e9)}),
    "null values": lambda f, c, i: f.assign(**{c: f[c].where(f.index != 3)}),
    "duplicate values": lambda f, c, i: f.assign(**{i: f[i].where(f.index != 1, 0)}),
}


@pytest.mark.parametrize("kind", [*CORRUPTIONS, "value not allowed"])
def test_contract_violation_stops_before_training(
    project: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset, frame, contract = _setup(project)
    column = contract.columns("feature_numeric")[0]
    if kind == "value not allowed":
        column = _allowed_values_contract(project, dataset, frame, contract)
        bad = frame.assign(**{column: frame[column].where(frame.index != 5, 123.25)})
    else:
        bad = CORRUPTIONS[kind](frame, column, contract.ids[0])
    _write_csv(project, dataset, bad)
    assert cli.main(["pipeline"]) == 1
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert kind in first, first
    assert not (project / "models").exists()
    assert not (project / "data" / "processed" / f"{dataset}.parquet").exists()
    report = json.loads((project / "reports" / f"contract_{dataset}.json").read_text("utf-8"))
    assert report["passed"] is False
    assert {"column", "check", "value", "row"} <= set(report["failures"][0])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "data file is empty: "),
        (b"a,b\n1,2\n3,4,5,6\n", "line 3 has 4 fields, the header 2: a value holding the "),
        (b'a,b\n1,"2\n3,4\n', "the quote opened on line 2 is never closed"),
        (bytes(range(256)) * 8, "it is not a text file"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "it is not a text file"),  # a workbook
    ],
)
def test_empty_or_unreadable_file_is_one_line(
    project: Path, content: bytes, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset, _, _ = _setup(project)
    path = project / "data" / "raw" / f"{dataset}.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert cli.main(["pipeline"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(("error: data file is empty", "error: cannot read"))
    assert message in err
    assert "Error tokenizing" not in err
    assert err.count("\n") == 1
    assert not (project / "models").exists()


def test_bad_data_leaves_the_previous_outputs_untouched(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset, frame, _ = _setup(project)
    assert cli.main(["pipeline"]) == 0
    outputs = [
        project / "models" / dataset / "audit.jsonl",
        project / "models" / dataset / "v1" / "model.skops",
        project / "reports" / "metrics.json",
        project / "data" / "processed" / f"{dataset}.parquet",
    ]
    before = [p.read_bytes() for p in outputs]
    _write_csv(project, dataset, frame.assign(surprise=1))
    assert cli.main(["pipeline"]) == 1
    assert [p.read_bytes() for p in outputs] == before


def test_a_table_train_refuses_leaves_the_processed_data_as_it_was(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset, frame, contract = _setup(project)
    assert cli.main(["pipeline"]) == 0
    processed = project / "data" / "processed" / f"{dataset}.parquet"
    before = processed.read_bytes()
    capsys.readouterr()
    target = contract.target
    if config.load_settings(project).task == "classification":  # one class: nothing to learn
        one = frame[frame[target] == frame[target].iloc[0]]
    else:  # a regression target a classifier would need: refused by task
        one = frame.head(50)
        raw = contract_mod.to_mapping(contract)
        raw["columns"][target]["dtype"] = "str"
        raw["columns"][target].pop("in_range", None)
        text = contract_mod.dump_contract(contract_mod.from_mapping(raw, dataset))
        contract_mod.contract_path(dataset, project).write_text(text, encoding="utf-8")
        one = one.assign(**{target: "a"})
    _write_csv(project, dataset, one)
    assert cli.main(["pipeline"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert [line for line in lines if line.startswith("error:")] == lines[-1:]
    assert "fewer than the" in lines[0]  # the shrink that explains the refusal is said first
    assert processed.read_bytes() == before


def test_contract_check_exits_1_and_lists_failures(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, frame, contract = _setup(project)
    column = contract.columns("feature_numeric")[0]
    path = _write_csv(project, "other", frame.assign(**{column: frame[column] + 1e9}))
    assert cli.main(["contract", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{column}: in_range" in err
    assert "row " in err


def test_contract_check_of_a_new_file_uses_its_own_contract(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from _frames import customers, write

    sample = write(customers(), project / "data" / "raw" / "churn.csv")
    infer = ["contract", "infer", str(sample), "--target", "churned"]
    assert cli.main([*infer, "-o", "contracts/churn.yaml"]) == 0
    assert cli.main(["contract", "check", str(sample)]) == 0
    assert "meet contract churn v1" in capsys.readouterr().err
    assert (project / "reports" / "contract_churn.json").is_file()
    # --contract names the report after that contract's dataset.
    assert cli.main([*infer, "-o", "other.yaml"]) == 0
    assert cli.main(["contract", "check", str(sample), "--contract", "other.yaml"]) == 0
    report = json.loads((project / "reports" / "contract_other_churn.json").read_text("utf-8"))
    assert report["dataset"] == "other"
    dataset, _, _ = _setup(project)
    assert not (project / "reports" / f"contract_{dataset}.json").exists()


def test_missing_targets_are_refused_with_a_count_or_dropped_when_the_contract_says_so(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from _frames import customers, project_for

    frame = customers()
    frame.loc[[4, 8, 15], "churned"] = None
    project_for(project, frame, "churn", target="churned", task="classification")
    capsys.readouterr()
    assert cli.main(["pipeline"]) == 1
    first = capsys.readouterr().err.splitlines()[0]
    assert "3 row(s) have no target 'churned'" in first
    assert "missing_target: drop" in first
    assert not (project / "models").exists()
    path = project / "contracts" / "churn.yaml"
    path.write_text(
        path.read_text("utf-8").replace("missing_target: refuse", "missing_target: drop"), "utf-8"
    )
    assert cli.main(["pipeline"]) == 0
    assert "dropped 3 row(s) without a target" in capsys.readouterr().err
    report = json.loads((project / "reports" / "contract_churn.json").read_text("utf-8"))
    assert report["rows_dropped_without_target"] == 3

    # A failure after the dropped rows names its row in the file, not its place among the kept.
    frame.loc[20, "plan"] = "gold-plus"
    frame.to_csv(project / "data" / "raw" / "churn.csv", index=False)
    assert cli.main(["contract", "check"]) == 1
    assert "'gold-plus' row 21" in capsys.readouterr().err


def test_a_wrong_delimiter_is_one_line_with_the_fix(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset, frame, _ = _setup(project)
    path = project / "data" / "raw" / f"{dataset}.csv"
    path.parent.mkdir(parents=True)
    frame.to_csv(path, index=False, sep=";")
    assert cli.main(["pipeline"]) == 1
    first = capsys.readouterr().err.splitlines()[0]
    assert "hint: the file looks ';'-delimited: set reading: {delimiter: ';'}" in first
    assert not (project / "models").exists()


def test_contract_check_with_another_contract_reports_under_that_contract(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--contract contracts/other.yaml``: the report is that contract's, never the dataset's."""
    from _frames import customers, write

    dataset, _, _ = _setup(project)
    assert cli.main(["contract", "check"]) == 0
    own = project / "reports" / f"contract_{dataset}.json"
    before = own.read_bytes()
    assert json.loads(before)["contract"] == f"contracts/{dataset}.yaml"
    sample = write(customers(), project / "data" / "raw" / "churn.csv")
    other = "contracts/other.yaml"
    assert cli.main(["contract", "infer", str(sample), "--target", "churned", "-o", other]) == 0
    assert cli.main(["contract", "check", str(sample), "--contract", other]) == 0
    assert own.read_bytes() == before
    report = json.loads((project / "reports" / "contract_other_churn.json").read_text("utf-8"))
    assert (report["dataset"], report["contract"]) == ("other", other)
    assert report["source"] == str(sample)


def test_checking_a_new_batch_keeps_the_training_data_result(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A batch gets ``contract_<dataset>_<file>.json``; the dataset's own report, the one
    ``report`` shows, still holds the training data's result."""
    dataset, frame, contract = _setup(project)
    assert cli.main(["contract", "check"]) == 0
    own = project / "reports" / f"contract_{dataset}.json"
    before = own.read_bytes()
    column = contract.columns("feature_numeric")[0]
    batch = _write_csv(project, "batch", frame.assign(**{column: frame[column] + 1e9}))
    assert cli.main(["contract", "check", str(batch)]) == 1
    assert own.read_bytes() == before
    result = json.loads((project / "reports" / f"contract_{dataset}_batch.json").read_text())
    assert (result["passed"], result["source"]) == (False, str(batch))
    raw = _write_csv(project, dataset, frame)
    assert cli.main(["contract", "check", str(raw)]) == 0  # the dataset's own file: its report
    assert json.loads(own.read_text("utf-8"))["source"] == str(raw)


@pytest.mark.parametrize("ranged", [True, False])
def test_infinite_numbers_are_contract_failures_in_one_line(
    project: Path, capsys: pytest.CaptureFixture[str], ranged: bool
) -> None:
    dataset, frame, contract = _setup(project)
    column = contract.columns("feature_numeric")[0]
    if not ranged:  # a column without a range: only the finite check sees it
        raw = contract_mod.to_mapping(contract)
        raw["columns"][column].pop("in_range", None)
        text = contract_mod.dump_contract(contract_mod.from_mapping(raw, dataset))
        contract_mod.contract_path(dataset, project).write_text(text, encoding="utf-8")
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote"]) == 0
    bad = frame.astype({column: "float64"})
    bad.loc[3, column], bad.loc[5, column] = float("inf"), float("-inf")
    path = _write_csv(project, dataset, bad)
    assert cli.main(["contract", "check", str(path)]) == 1
    report = json.loads((project / "reports" / f"contract_{dataset}.json").read_text())
    assert [(f["column"], f["value"], f["row"]) for f in report["failures"]] == [
        (column, "inf", 4),  # rows count from 1, as in the messages: index 3
        (column, "-inf", 6),
    ]
    assert ("in_range" if ranged else "finite") in report["failures"][0]["check"]
    assert cli.main(["report"]) == 0  # the page counts rows as the message and the JSON do
    page = (project / "reports" / "report.html").read_text("utf-8")
    assert "<td>inf</td><td>4</td>" in page and "<td>-inf</td><td>6</td>" in page
    assert cli.main(["pipeline"]) == 1  # the raw file now holds these rows
    batch = project / "batch.csv"
    bad.drop(columns=[contract.target]).to_csv(batch, index=False)
    assert cli.main(["predict", str(batch)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "not JSON compliant" not in err


def test_duplicate_column_names_are_named_as_such(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, frame, contract = _setup(project)
    first, second = contract.columns("feature_numeric")[:2]
    path = project / "twice.csv"
    frame.rename(columns={second: first}).to_csv(path, index=False)
    assert cli.main(["contract", "check", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"error: cannot read {path}: duplicate column name(s) {first!r}: rename them at the "
        "source so each column has its own name\n"
    )


def test_a_feature_missing_in_nearly_every_row_is_named_in_a_warning(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dataset, frame, contract = _setup(project)
    column = contract.columns("feature_numeric")[0]
    raw = contract_mod.to_mapping(contract)
    raw["columns"][column]["nullable"] = True
    text = contract_mod.dump_contract(contract_mod.from_mapping(raw, dataset))
    contract_mod.contract_path(dataset, project).write_text(text, encoding="utf-8")
    _write_csv(
        project, dataset, frame.assign(**{column: frame[column].where(frame.index % 200 == 0)})
    )
    assert cli.main(["pipeline"]) == 0
    warned = [r.getMessage() for r in caplog.records if "of the training rows" in r.getMessage()]
    assert len(warned) == 1 and warned[0].startswith(f"feature {column!r} is missing in 99.")


@pytest.mark.parametrize("marker", ["#DIV/0!", "#N/A", '"1\n2"'])
def test_drift_leaves_out_the_rows_the_contract_cannot_read(
    project: Path, capsys: pytest.CaptureFixture[str], marker: str
) -> None:
    """Spreadsheet errors and a quoted multi-line number in a number column are left out of the
    drift and counted (exit 1, as predict sets such rows aside), never measured as missing values
    (values out of range are drift, and reported as such: see test_drift). The partial check has
    its own report: the batch's full contract report, from predict, is not replaced."""
    dataset, frame, contract = _setup(project)
    assert cli.main(["pipeline"]) == 0
    column = contract.columns("feature_numeric")[0]
    batch = frame.drop(columns=[contract.target]).astype({column: object})
    batch.loc[7, column] = marker
    path = project / "batch.csv"
    batch.to_csv(path, index=False)
    full = project / "reports" / f"contract_{dataset}_batch.json"
    full.write_text("the batch's full check\n", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["drift", str(path)]) == 1
    captured = capsys.readouterr()
    assert f"({len(frame) - 1} rows, 1 left out)" in captured.out
    warned = [line for line in captured.err.splitlines() if "left out of the drift" in line]
    assert len(warned) == 1 and f"{column}:" in warned[0] and "row 8" in warned[0]
    report = json.loads((project / "reports" / "drift-batch.json").read_text("utf-8"))
    assert (report["rows"], report["rows_left_out"]) == (len(frame) - 1, 1)
    assert full.read_text("utf-8") == "the batch's full check\n"
    partial = json.loads((project / "reports" / f"contract_{dataset}_batch-drift.json").read_text())
    assert partial["passed"] is False


def test_drift_refuses_a_batch_missing_a_feature(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset, frame, contract = _setup(project)
    assert cli.main(["pipeline"]) == 0
    column = contract.columns("feature_numeric")[0]
    path = project / "batch.csv"
    frame.drop(columns=[contract.target, column]).to_csv(path, index=False)
    capsys.readouterr()
    assert cli.main(["drift", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path} breaks contract {dataset}")
    assert not (project / "reports" / "drift-batch.json").exists()


def test_a_text_file_with_a_stray_control_byte_is_text(project: Path) -> None:
    dataset, frame, _ = _setup(project)
    path = project / "data" / "raw" / f"{dataset}.csv"
    path.parent.mkdir(parents=True)
    looks_like_text = lib("contract.reading").looks_like_text
    path.write_bytes(b"a,b\n1,\x072\n")  # one stray byte in a short file
    assert looks_like_text(path)
    text = frame.to_csv(index=False).encode()
    path.write_bytes(text[:3000] + b"\x00\x1a" + text[3000:])  # two in a long one
    assert looks_like_text(path)
    path.write_bytes(bytes(range(256)))
    assert not looks_like_text(path)


def test_a_file_cut_short_is_refused_or_warned_about(
    project: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """An interrupted copy: a last line without its line break and fields is refused with one
    line; one with every field but no line break (maybe cut inside its last value) is read,
    with a warning."""
    dataset, frame, _ = _setup(project)
    whole = frame.to_csv(index=False)
    path = project / "data" / "raw" / f"{dataset}.csv"
    path.parent.mkdir(parents=True)
    lines = whole.splitlines()
    cut = len(whole) - len(lines[-1]) // 2 - 1  # half of the last line
    path.write_text(whole[:cut], "utf-8")
    assert cli.main(["contract", "check"]) == 2  # unreadable, as an empty file is
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"its last line has {whole[:cut].splitlines()[-1].count(',') + 1} of" in err
    assert "cut short" in err
    path.write_text(whole + '"12', "utf-8")  # cut inside a quoted value
    assert cli.main(["contract", "check"]) == 2
    assert "looks cut short" in capsys.readouterr().err.splitlines()[0]
    path.write_text(whole.rstrip("\n"), "utf-8")  # complete, or cut inside its last value?
    assert cli.main(["contract", "check"]) == 0
    warned = f"does not end with a line break: if it was cut short, its last row (row {len(frame)})"
    assert warned in caplog.text


def test_text_in_a_number_column_does_not_hide_its_other_failures(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``n/a`` in one row and a value out of range in another, in one column: one check names
    both, so one fix is enough (pandera alone cannot range-check a column of text)."""
    dataset, frame, contract = _setup(project)
    column = contract.columns("feature_numeric")[0]
    broken = frame.astype({column: object})
    broken.loc[5, column] = "n/a"
    broken.loc[0, column] = -1e9
    path = _write_csv(project, "batch", broken)
    assert cli.main(["contract", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "'n/a' row 6" in err
    assert f"{column}: in_range" in err and "-1000000000.0 row 1" in err
    report = json.loads((project / "reports" / f"contract_{dataset}_batch.json").read_text())
    assert report["failure_count"] == 2
