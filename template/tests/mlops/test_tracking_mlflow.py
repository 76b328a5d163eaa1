"""The MLflow backend and ``runs export --mlflow`` (skipped when mlflow is not installed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _package import NAME, load

mlflow = pytest.importorskip("mlflow")
tracking = load("mlops.tracking")
tracking_mlflow = load("mlops.tracking_mlflow")
cli = load("mlops.cli")


@pytest.fixture
def mlflow_uri(project: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh MLflow sqlite store inside the scratch project, used as the default store."""
    uri = f"sqlite:///{project / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", f"{NAME}-tests")
    # The `project` fixture pins the local store; these tests choose the backend themselves.
    monkeypatch.delenv(f"{NAME.upper()}_TRACKING_BACKEND")
    return uri


def client(uri: str) -> object:
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def test_same_api_writes_to_mlflow(project: Path, mlflow_uri: str) -> None:
    import pandas as pd

    frame = pd.DataFrame({"x": range(100), "flag": [True, False] * 50})
    (project / "model.bin").write_bytes(b"weights")
    with tracking.start_run(
        "train", params={"C": 0.5}, tags={"stage": "fit"}, backend="mlflow"
    ) as run:
        run.log_metric("loss", 0.7, step=0)
        run.log_metric("loss", 0.2, step=1)
        run.log_metrics({f"m{i}": i for i in range(1_200)})
        run.set_tag("note", "hello")
        record = run.log_dataset("train", frame, contract_version=2)
        run.log_artifact(project / "model.bin")

    stored = client(mlflow_uri).get_run(run.id)
    assert stored.info.status == "FINISHED"
    assert stored.info.run_name == "train"
    assert stored.data.params == {"C": "0.5"}
    assert stored.data.metrics["loss"] == 0.2
    assert len([key for key in stored.data.metrics if key.startswith("m")]) == 1_200
    assert stored.data.tags["stage"] == "fit"
    assert stored.data.tags["note"] == "hello"
    assert stored.data.tags["leanops.dataset.train.sha256"] == record["sha256"]
    assert stored.data.tags["leanops.python"]
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "true"


def test_params_yaml_chooses_mlflow_and_failure_is_recorded(project: Path, mlflow_uri: str) -> None:
    (project / "params.yaml").write_text("seed: 1\ntracking_backend: mlflow\n")
    with pytest.raises(KeyError), tracking.start_run("evaluate") as run:
        raise KeyError("missing column")
    assert isinstance(run, tracking_mlflow.MlflowRun)
    stored = client(mlflow_uri).get_run(run.id)
    assert stored.info.status == "FAILED"
    assert "missing column" in stored.data.tags["leanops.error"]


def test_export_copies_local_runs_once(
    project: Path, mlflow_uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with tracking.start_run("train", params={"C": 1.0}, backend="local") as local:
        for step in range(3):
            local.log_metric("loss", 1.0 / (step + 1), step=step)
    assert cli.main(["runs", "export", "--mlflow", mlflow_uri]) == 0
    assert "exported 1 run(s)" in capsys.readouterr().err

    store = client(mlflow_uri)
    (copied,) = store.search_runs([store.get_experiment_by_name(f"{NAME}-tests").experiment_id])
    assert copied.data.tags["leanops.run_id"] == local.id
    assert copied.data.params == {"C": "1.0"}
    assert copied.info.status == "FINISHED"
    history = store.get_metric_history(copied.info.run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 1.0), (1, 0.5), (2, 1.0 / 3)]

    assert cli.main(["runs", "export", "--mlflow", mlflow_uri]) == 0
    assert "exported 0 run(s)" in capsys.readouterr().err
