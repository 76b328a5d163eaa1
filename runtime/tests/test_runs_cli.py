"""The ``runs`` command: list, show, compare and export runs of the tracking store."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from _package import lib

cli = lib("cli")
tracking = lib("tracking")


@pytest.fixture(autouse=True)
def local_backend(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the local store, whatever backend params.yaml names.

    Depends on ``project``, which clears the package's variables, so it is set after that.
    """
    monkeypatch.setenv(tracking.env_backend(), "local")


@pytest.fixture
def runs(project: Path) -> list[str]:
    """Three runs in the project's default store: two finished, one failed."""
    ids = []
    for name, c, accuracy in (("train", 1.0, 0.90), ("train", 2.0, 0.95)):
        with tracking.start_run(name, params={"C": c, "seed": 42}, tags={"team": "a"}) as run:
            run.log_metric("accuracy", accuracy)
            run.log_metric("loss", 0.3)
        ids.append(run.id)
    with pytest.raises(RuntimeError), tracking.start_run("evaluate", tags={"team": "b"}) as run:
        raise RuntimeError("no model")
    ids.append(run.id)
    return ids


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_newest_first_with_filters(
    runs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, "runs", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["id", "name", "dataset", "status"]
    assert "CPU s" in lines[0] and "peak MB" in lines[0] and "wrote MB" in lines[0]
    assert [line.split()[0] for line in lines[2:]] == [run_id[:8] for run_id in reversed(runs)]
    assert "failed" in lines[2]

    _, out, _ = run_cli(capsys, "runs", "list", "--status", "finished")
    assert len(out.splitlines()) == 4
    _, out, _ = run_cli(capsys, "runs", "list", "--name", "evaluate")
    assert len(out.splitlines()) == 3
    _, out, _ = run_cli(capsys, "runs", "list", "--tag", "team=b")
    assert out.splitlines()[2].startswith(runs[2][:8])
    _, out, err = run_cli(capsys, "runs", "list", "--name", "nothing")
    assert (out, err.strip()) == ("", "no runs match")


def test_list_names_the_dataset_each_run_is_about(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Runs of a project with several datasets: each row says which one ("-": a run about
    none, such as a notebook's)."""
    for dataset in ("churn", "iris"):
        with tracking.start_run("pipeline", tags={"dataset": dataset}):
            pass
    with tracking.start_run("notebook"):
        pass
    _, out, _ = run_cli(capsys, "runs", "list")
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["id", "name", "dataset", "status"]
    shown = sorted(tuple(line.split()[1:3]) for line in lines[2:])
    assert shown == [("notebook", "-"), ("pipeline", "churn"), ("pipeline", "iris")]
    _, out, _ = run_cli(capsys, "runs", "export", "--format", "csv")
    exported = sorted((row["name"], row["dataset"]) for row in csv.DictReader(out.splitlines()))
    assert exported == [("notebook", ""), ("pipeline", "churn"), ("pipeline", "iris")]


def test_list_without_store(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "runs", "list")
    assert code == 0
    assert "no runs tracked yet" in err


def test_show_prints_everything(runs: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "runs", "show", runs[1][:8])
    assert code == 0
    assert runs[1] in out
    assert "accuracy" in out
    assert "0.95" in out
    assert "team" in out
    code, out, _ = run_cli(capsys, "runs", "show", runs[2])
    assert "RuntimeError: no model" in out


def test_compare_marks_differences(runs: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "runs", "compare", runs[0][:8], runs[1][:8])
    assert code == 0
    rows = {
        line.split()[1] if line.startswith("*") else line.split()[0]: line
        for line in out.splitlines()
        if line.strip()
    }
    assert rows["param.C"].startswith("*")
    assert rows["metric.accuracy"].startswith("*")
    assert not rows["param.seed"].startswith("*")
    assert not rows["metric.loss"].startswith("*")
    assert rows["tag.team"].split()[1:] == ["a", "a"]  # what was fitted, beside the params


def test_unknown_run_id_is_one_line_exit_2(
    runs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (("show", "nosuchrun"), ("compare", runs[0], "nosuchrun")):
        code, out, err = run_cli(capsys, "runs", *args)
        assert code == 2
        assert err.strip() == "error: no run with id 'nosuchrun'"
        assert out == ""


def test_export_json_and_csv(
    runs: list[str], project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, "runs", "export", "--format", "json")
    assert code == 0
    exported = json.loads(out)
    assert [run["id"] for run in exported] == list(reversed(runs))
    assert exported[1]["params"] == {"C": 2.0, "seed": 42}

    target = project / "runs.csv"
    code, _, err = run_cli(capsys, "runs", "export", "--format", "csv", "-o", str(target))
    assert code == 0
    assert "3 run(s)" in err
    with target.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["id"] for row in rows] == list(reversed(runs))
    started = dt.datetime.fromisoformat(rows[0]["start_time"])
    assert started.tzinfo is not None, "ISO 8601 times in UTC, not epoch floats"
    assert abs((dt.datetime.now(dt.UTC) - started).total_seconds()) < 600
    assert rows[1]["param.C"] == "2.0"
    assert float(rows[1]["metric.accuracy"]) == 0.95
    assert rows[0]["status"] == "failed"
    assert [row["tag.team"] for row in rows] == ["b", "a", "a"]


def test_the_csv_export_names_the_estimator_fitted_not_the_stores_own_tags(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``also_try`` chose ridge over the estimator params.yaml names: ``tag.estimator`` says so;
    the tags a store keeps for itself are not columns."""
    tags = {"estimator": "ridge", "leanops.user": "ana", "mlflow.user": "ana"}
    with tracking.start_run("pipeline", params={"estimator": "hist_gradient_boosting"}, tags=tags):
        pass
    code, out, _ = run_cli(capsys, "runs", "export", "--format", "csv")
    assert code == 0
    (row,) = csv.DictReader(out.splitlines())
    assert (row["param.estimator"], row["tag.estimator"]) == ("hist_gradient_boosting", "ridge")
    assert not [column for column in row if column.startswith(("tag.leanops.", "tag.mlflow."))]


def test_export_to_mlflow_without_mlflow(
    runs: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)  # as if it were not installed
    code, _, err = run_cli(capsys, "runs", "export", "--mlflow", "sqlite:///elsewhere.db")
    assert "Traceback" not in err
    assert code == 2
    assert err.strip().endswith("install the mlflow extra: uv sync --extra mlflow")
    assert len(err.strip().splitlines()) == 1


def test_help_lists_runs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["runs", "--help"])
    out = capsys.readouterr().out
    for action in ("list", "show", "compare", "export"):
        assert action in out


@pytest.mark.parametrize(
    "target", ["models/x.csv", "params.yaml", ".leanops/runs.csv", "trusted-types.txt", "."]
)
def test_export_never_overwrites_what_the_project_keeps(
    runs: list[str], project: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    (project / "models").mkdir(exist_ok=True)
    code, _, err = run_cli(capsys, "runs", "export", "--format", "csv", "-o", target)
    assert code == 2
    assert err.startswith("error: refusing to write output to"), err
    assert err.count("\n") == 1
