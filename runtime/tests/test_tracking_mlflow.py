"""The MLflow backend: runs, the ``runs`` commands and the registry on an MLflow store.

These use a sqlite MLflow store inside the scratch project (no server: seconds, not tens of
seconds); the template repository's ``tests/test_team_mode.py`` runs the same commands against a
real ``mlflow server`` with two teammates. Skipped when mlflow is not installed.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from _package import NAME, lib

mlflow = pytest.importorskip("mlflow")
tracking = lib("tracking")
mlflow_backend = lib("tracking.mlflow_backend")
cli = lib("cli")
config = lib("settings")
registry_mod = lib("registry")
mlflow_registry = lib("registry.mlflow_registry")

EXPERIMENT = f"{NAME}-tests"


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow sqlite store with its schema made once for the whole run, shared by the
    pytest-xdist workers (MLflow's migrations take seconds of CPU per new store)."""
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the folder of this run that every worker's own is in
    path = shared / "mlflow-empty.db"
    with FileLock(f"{path}.lock"):
        if not path.is_file():
            made = path.with_suffix(".new")
            made.unlink(missing_ok=True)
            client(f"sqlite:///{made}").search_experiments()
            made.replace(path)
    return path


@pytest.fixture
def mlflow_uri(project: Path, monkeypatch: pytest.MonkeyPatch, empty_store: Path) -> str:
    """A fresh MLflow sqlite store inside the scratch project, chosen by the settings."""
    shutil.copy(empty_store, project / "mlflow.db")
    uri = f"sqlite:///{project / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", EXPERIMENT)
    # The `project` fixture pins the local store; these tests choose the backend themselves.
    monkeypatch.delenv(f"{NAME.upper()}_TRACKING_BACKEND")
    return uri


@pytest.fixture
def team(project: Path, mlflow_uri: str) -> str:
    """The project switched to the MLflow backend by params.yaml, as a team project is."""
    params = project / "params.yaml"
    text = re.sub(r"(?m)^tracking_backend: .*$", "tracking_backend: mlflow", params.read_text())
    params.write_text(text)
    return mlflow_uri


def client(uri: str) -> object:
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def test_same_api_writes_to_mlflow(project: Path, mlflow_uri: str) -> None:
    import pandas as pd

    frame = pd.DataFrame({"x": range(100), "flag": [True, False] * 50})
    (project / "reports").mkdir()
    (project / "reports" / "model.bin").write_bytes(b"weights")
    with tracking.start_run(
        "train",
        params={"C": 0.5, "estimator": "ridge", "max_iter": 1000},
        tags={"stage": "fit"},
        backend="mlflow",
        root=project,
    ) as run:
        run.log_metric("loss", 0.7, step=0)
        run.log_metric("loss", 0.2, step=1)
        run.log_metrics({f"m{i}": i for i in range(1_200)})
        run.set_tag("note", "hello")
        record = run.log_dataset("train", frame, contract_version=2)
        run.log_artifact(project / "reports" / "model.bin")

    stored = client(mlflow_uri).get_run(run.id)
    assert stored.info.status == "FINISHED"
    assert stored.info.run_name == "train"
    # Text as it is, numbers as MLflow shows them; read back typed.
    assert stored.data.params == {"C": "0.5", "estimator": "ridge", "max_iter": "1000"}
    connection = mlflow_backend.Connection.of(config.load_settings(project), project)
    assert mlflow_backend.MlflowRunStore(connection).get_run(run.id)["params"] == {
        "C": 0.5,
        "estimator": "ridge",
        "max_iter": 1000,
    }
    assert stored.data.tags["mlflow.user"] == stored.data.tags["leanops.user"]  # the UI's User
    assert stored.data.metrics["loss"] == 0.2
    assert len([key for key in stored.data.metrics if key.startswith("m")]) == 1_200
    assert stored.data.tags["stage"] == "fit"
    assert json.loads(stored.data.tags["leanops.dataset.train"])["sha256"] == record["sha256"]
    assert stored.data.tags["leanops.python"]
    assert "leanops.artifact.reports/model.bin" in stored.data.tags
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "true"


def test_pipeline_promote_and_report_read_no_metric_history(
    project: Path, team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each metric's history and the feature steps' file are a request each on a server: the
    commands that only need a run's latest record (the pipeline's cost check, the gate's check
    that the run finished, the report's runs) never read them; ``runs show`` does."""
    from mlflow.tracking import MlflowClient

    reads: list[str] = []
    for name in ("get_metric_history", "list_artifacts"):
        real = getattr(MlflowClient, name)

        def counted(self: object, *args: object, _real: object = real, _name: str = name) -> object:
            reads.append(_name)
            return _real(self, *args)  # type: ignore[operator]

        monkeypatch.setattr(MlflowClient, name, counted)
    for command in (["pipeline"], ["pipeline"], ["promote"], ["report"]):
        assert cli.main(command) == 0, command
    assert reads == []
    newest = tracking.run_store(config.load_settings(project), project).list_runs()[0]["id"]
    assert cli.main(["runs", "show", newest]) == 0
    assert "get_metric_history" in reads and "list_artifacts" in reads


def test_models_and_predict_ask_the_server_each_question_once(
    project: Path, team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each question to the server is a request: reading the registry's state and judging it
    for tampering ask the server once between them (``predict`` made 17 calls, ``models`` 11)."""
    from mlflow.tracking import MlflowClient

    asked: list[tuple[str, str]] = []
    for name in ("get_registered_model", "get_experiment_by_name", "search_runs",
                 "search_model_versions", "get_run"):  # fmt: skip
        real = getattr(MlflowClient, name)

        def counted(self: object, *args: object, _real: object = real, _name: str = name,
                    **kwargs: object) -> object:  # fmt: skip
            asked.append((_name, repr(args)))
            return _real(self, *args, **kwargs)  # type: ignore[operator]

        monkeypatch.setattr(MlflowClient, name, counted)
    for command in (["pipeline"], ["promote"]):
        assert cli.main(command) == 0, command
    batch = project / "batch.csv"
    frame = lib("data").load_embedded("breast_cancer").drop(columns="target")
    frame.head(20).to_csv(batch, index=False)
    # predict's downloads ask for the production run again (MLflow's own calls): its get_run
    # calls are left out there; models downloads nothing, so every question counts.
    for command, counted in (
        (["models"], asked),
        (["predict", str(batch), "-o", "scored.csv"], None),
    ):
        asked.clear()
        assert cli.main(command) == 0, command
        reads = counted or [question for question in asked if question[0] != "get_run"]
        assert any(name == "get_run" for name, _ in reads) == (counted is not None)
        assert len(reads) == len(set(reads)), (command, reads)
    assert asked.count(("get_registered_model", repr((f"{EXPERIMENT}-breast_cancer",)))) == 1


def test_settings_choose_mlflow_and_failure_is_recorded(project: Path, team: str) -> None:
    with pytest.raises(KeyError), tracking.start_run("evaluate", root=project) as run:
        raise KeyError("missing column")
    assert isinstance(run, mlflow_backend.MlflowRun)
    stored = client(team).get_run(run.id)
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
    (copied,) = store.search_runs([store.get_experiment_by_name(EXPERIMENT).experiment_id])
    assert copied.data.tags["leanops.run_id"] == local.id
    assert copied.data.params == {"C": "1.0"}
    assert copied.info.status == "FINISHED"
    history = store.get_metric_history(copied.info.run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 1.0), (1, 0.5), (2, 1.0 / 3)]

    assert cli.main(["runs", "export", "--mlflow", mlflow_uri]) == 0
    assert "exported 0 run(s)" in capsys.readouterr().err


def test_runs_commands_and_the_registry_work_on_mlflow(
    project: Path, team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The ``runs`` commands see the server's runs, and the registry commands work on it."""
    settings = config.load_settings(project)
    dataset = settings.data.dataset
    assert cli.main(["pipeline"]) == 0
    err = capsys.readouterr().err
    assert "uploaded the model's files (model.skops" in err
    assert "uploaded reports/metrics.json" in err  # each upload is said
    assert cli.main(["pipeline"]) == 0
    capsys.readouterr()
    assert cli.main(["runs", "list", "--name", "pipeline"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert [line.split()[1:4] for line in lines[2:]] == [["pipeline", dataset, "finished"]] * 2
    assert cli.main(["runs", "list", "--tag", f"dataset={dataset}", "--status", "finished"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4
    first, second = (line.split()[0] for line in lines[2:])
    assert cli.main(["runs", "show", first]) == 0
    shown = capsys.readouterr().out
    assert "model_version" in shown
    assert f"data/processed/{dataset}.parquet" in shown
    assert cli.main(["runs", "compare", first, second]) == 0
    assert "metric." in capsys.readouterr().out
    assert cli.main(["runs", "export", "--format", "csv"]) == 0
    exported = csv.DictReader(capsys.readouterr().out.splitlines())
    assert [row["name"] for row in exported].count("pipeline") == 2

    registry = registry_mod.open_registry(settings, project)
    assert [entry["version"] for entry in registry.versions()] == [1, 2]
    entry = registry.entry(2)
    run = client(team).get_run(entry["run_id"])
    assert run.data.tags["model_sha256"] == entry["sha256"], "the run names the registry's hash"
    assert run.info.run_name == f"pipeline {dataset}"  # what ran on what, in MLflow's UI
    uploaded = {a.path for a in client(team).list_artifacts(entry["run_id"])}
    assert "data" not in uploaded, "the training table is recorded by its hash, not uploaded"
    assert {"reports", "leanops-model"} <= uploaded
    assert cli.main(["promote", "--version", "1"]) == 0
    assert cli.main(["promote", "--force", "--reason", "second"]) == 0
    mlflow_client = client(team)
    name = f"{EXPERIMENT}-{dataset}"
    assert int(mlflow_client.get_model_version_by_alias(name, "production").version) == 2
    assert cli.main(["rollback", "--reason", "test"]) == 0
    assert int(mlflow_client.get_model_version_by_alias(name, "production").version) == 1
    capsys.readouterr()
    assert cli.main(["models"]) == 0
    assert re.search(r"(?m)^v1\s+production", capsys.readouterr().out)
    assert cli.main(["models", "--audit", "--json"]) == 0
    audit = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["action"] for r in audit] == [
        "register",
        "register",
        "promote",
        "promote",  # forced, but the gate passed: nothing was overridden
        "rollback",
    ]
    assert cli.main(["promote"]) == 1  # v2, the candidate, was rolled back from
    assert "v2 was rolled back by" in capsys.readouterr().err
    assert registry.audit()[-1]["action"] == "refuse"
    assert int(mlflow_client.get_model_version_by_alias(name, "production").version) == 1
    ledger = mlflow_client.get_run(registry.ledger(create=False))
    assert ledger.info.status == "FINISHED"  # not "running" for ever in the MLflow UI
    frame = lib("data").load_embedded(dataset).drop(columns=["target"])
    frame.to_csv(project / "batch.csv", index=False)
    assert cli.main(["predict", "batch.csv"]) == 0
    assert cli.main(["drift", "batch.csv"]) == 0
    assert cli.main(["evaluate"]) == 0


def test_the_server_log_cannot_be_rewritten_and_refuses_a_tampered_model(
    project: Path, team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = config.load_settings(project)
    assert cli.main(["pipeline"]) == 0
    registry = registry_mod.open_registry(settings, project)
    ledger = registry.ledger(create=False)
    with pytest.raises(mlflow.exceptions.MlflowException):  # parameters are immutable
        client(team).log_param(ledger, "change.000001", '{"seq": 1}')
    entry = registry.entry(1)
    run = client(team).get_run(entry["run_id"])
    artifact = Path(run.info.artifact_uri.removeprefix("file://")) / "leanops-model"
    (artifact / "model.skops").write_bytes(b"swapped")
    capsys.readouterr()
    assert cli.main(["promote"]) == 2
    err = capsys.readouterr().err
    assert "SHA-256" in err
    assert err.count("\n") == 1


def test_a_record_the_server_log_cannot_read_is_named_and_stops_nothing(
    project: Path, team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A teammate writes the log's next record by hand, not JSON: MLflow keeps a parameter for
    good, so it keeps its place and changes nothing; models, predict and promote go on, and
    the next change is written after it."""
    settings = config.load_settings(project)
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote"]) == 0
    registry = registry_mod.open_registry(settings, project)
    seq = registry.state().seq + 1
    client(team).log_param(registry.ledger(create=False), f"change.{seq:06d}", "{not json")
    capsys.readouterr()
    assert cli.main(["models"]) == 0
    err = capsys.readouterr().err
    assert f"change.{seq:06d} is not JSON" in err and "is not applied" in err
    assert cli.main(["pipeline", "--force"]) == 0
    state = registry_mod.open_registry(settings, project).state()
    assert state.production == 1 and state.candidate == 2
    assert [r["action"] for r in state.records][-2:] == ["unreadable", "register"]
    assert list(state.not_applied) == [seq]
    capsys.readouterr()
    assert cli.main(["models", "--audit"]) == 0
    assert "unreadable" in capsys.readouterr().out


def test_report_hashes_the_production_files_on_the_server(
    project: Path, team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A production model swapped on the server, outside leanops: the report's page and status
    say so and it exits 2, as on the embedded registry (predict refuses it on reading)."""
    settings = config.load_settings(project)
    assert cli.main(["pipeline"]) == 0 and cli.main(["promote"]) == 0
    entry = registry_mod.open_registry(settings, project).entry(1)
    run = client(team).get_run(entry["run_id"])
    artifact = Path(run.info.artifact_uri.removeprefix("file://")) / "leanops-model"
    (artifact / "holdout.parquet").write_bytes(b"swapped")
    capsys.readouterr()
    assert cli.main(["report"]) == 2
    (error,) = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert "holdout.parquet changed since it was registered" in error
    page = (project / "reports" / "report.html").read_text("utf-8")
    assert "production model damaged" in page


def closed_port() -> int:
    """A port of 127.0.0.1 where nothing listens: a tracking server that is down."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_server_that_is_down_is_one_line_within_a_short_retry_budget(
    team: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = closed_port()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{port}")
    budget = lib("tracking.mlflow_client").HTTP_BUDGET
    for key in budget:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "7")  # one of the user's own wins
    lib("tracking.mlflow_client")._clients.clear()
    assert cli.main(["models"]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == f"error: MLflow at http://127.0.0.1:{port} cannot be reached: is the server running?\n"
    )
    assert (
        os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == budget["MLFLOW_HTTP_REQUEST_MAX_RETRIES"]
    )
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "7"


def test_report_with_the_server_down_says_so_and_keeps_the_last_status(
    team: str, project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["report"]) == 0
    status = project / "reports" / "status.json"
    good = status.read_bytes()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{closed_port()}")
    lib("tracking.mlflow_client")._clients.clear()
    capsys.readouterr()
    assert cli.main(["report"]) == 2
    (error,) = capsys.readouterr().err.splitlines()
    assert "cannot be reached" in error and "reports/status.json was kept" in error
    assert status.read_bytes() == good
    page = (project / "reports" / "report.html").read_text()
    assert "incomplete</span>" in page and "cannot be reached" in page


def commit_all(folder: Path, message: str) -> str:
    """Make ``folder`` a git checkout with one commit; that commit."""
    import subprocess

    def git(*args: str) -> str:
        identity = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]
        done = subprocess.run(
            ["git", "-C", str(folder), *identity, *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", message)
    return git("rev-parse", "HEAD")


def test_two_projects_never_share_an_experiment(
    project: Path,
    team: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rendered with the same package name, two projects would default to one experiment, so
    one model line and one production: the second is refused before it reads anything."""
    other = tmp_path / "other"
    shutil.copytree(project, other, ignore=shutil.ignore_patterns("mlflow.db"))
    ours = commit_all(project, "our project")
    commit_all(other, "another project")
    assert cli.main(["pipeline"]) == 0
    experiment = client(team).get_experiment_by_name(EXPERIMENT)
    assert experiment.tags["leanops.project"] == ours
    capsys.readouterr()
    for command in (["models"], ["runs", "list"], ["pipeline"]):
        assert cli.main([*command, "--root", str(other)]) == 2
        err = capsys.readouterr().err
        assert "belongs to another project" in err
        assert "mlflow.experiment in params.yaml" in err
        assert err.count("\n") == 1
    assert len(client(team).search_runs([experiment.experiment_id])) == 1  # nothing written
    # With an experiment of its own, it works beside the first.
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", f"{EXPERIMENT}-other")
    assert cli.main(["pipeline", "--root", str(other)]) == 0
    assert cli.main(["models", "--root", str(other)]) == 0
    assert re.search(r"(?m)^v1\s+candidate", capsys.readouterr().out)  # its own line, from v1


def test_switching_to_the_server_says_the_embedded_registry_stays(
    project: Path,
    mlflow_uri: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(f"{NAME.upper()}_SKIP_UNCHANGED")  # the stages skip themselves
    assert cli.main(["pipeline"]) == 0  # the embedded registry: v1
    params = project / "params.yaml"
    text = re.sub(r"(?m)^tracking_backend: .*$", "tracking_backend: mlflow", params.read_text())
    params.write_text(text)
    capsys.readouterr()
    assert cli.main(["models"]) == 0
    err = capsys.readouterr().err
    assert "holds 1 version(s) of the embedded registry (production none)" in err
    assert "runs export --mlflow" in err
    assert cli.main(["pipeline"]) == 0  # its stages' earlier runs are in the embedded store
    err = capsys.readouterr().err
    assert "ingest: ran (changed since the last run: store)" in err
    assert "train: ran (changed since the last run: store)" in err


def test_the_embedded_registry_is_carried_to_the_servers_empty_line(
    project: Path, mlflow_uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(3):
        assert cli.main(["pipeline"]) == 0  # v1, v2, v3 in the embedded registry
    assert cli.main(["promote", "--version", "v1"]) == 0
    assert cli.main(["promote", "--version", "v2", "--force", "--reason", "try it"]) == 0
    assert cli.main(["rollback", "--reason", "worse"]) == 0  # v1 again; v3 the candidate
    local = registry_mod.open_registry(config.load_settings(project), project)
    hashes = [entry["sha256"] for entry in local.versions()]
    params = project / "params.yaml"
    text = re.sub(r"(?m)^tracking_backend: .*$", "tracking_backend: mlflow", params.read_text())
    params.write_text(text)
    capsys.readouterr()
    assert cli.main(["models"]) == 0
    assert "models --carry-from-local" in capsys.readouterr().err

    assert cli.main(["models", "--carry-from-local"]) == 0
    server = registry_mod.open_registry(config.load_settings(project), project)
    state = server.state()
    assert [entry["sha256"] for entry in server.versions()] == hashes
    assert (state.production, state.candidate, state.stack) == (1, 3, [])
    reasons = [record["reason"] for record in server.audit()]
    assert reasons[:3] == [f"carried from the embedded registry's v{n}" for n in (1, 2, 3)]
    assert reasons[-1].startswith("carried: rollback of v1 by ") and reasons[-1].endswith("worse")
    _model, entry = server.load("production")  # loads: its files and types check out
    assert entry["sha256"] == hashes[0]
    assert cli.main(["models", "--carry-from-local"]) == 2  # only into an empty line
    assert local.state().production == 1  # the embedded registry stays as it was


def test_a_run_whose_process_died_is_crashed_on_the_server_too(
    project: Path, mlflow_uri: str
) -> None:
    import subprocess
    import sys

    run = tracking.start_run("pipeline", backend="mlflow", root=project)  # never ended
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    client(mlflow_uri).set_tag(run.id, "leanops.pid", gone.stdout.strip())  # killed
    connection = mlflow_backend.Connection.of(config.load_settings(project), project)
    store = mlflow_backend.MlflowRunStore(connection)
    assert [found["status"] for found in store.list_runs()] == ["crashed"]
    assert client(mlflow_uri).get_run(run.id).info.status == "KILLED"  # marked for every reader
    alive = tracking.start_run("evaluate", backend="mlflow", root=project)  # this process
    assert store.get_run(alive.id)["status"] == "running"


def test_a_quiet_promote_puts_moved_aliases_back_and_never_hides_a_deleted_production(
    project: Path, team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`promote` with production already the candidate: nothing to promote (exit 0), after the
    aliases changed by hand are put back; production deleted on the server is said, not hidden."""
    name = f"{EXPERIMENT}-{config.load_settings(project).data.dataset}"
    for command in (["pipeline"], ["promote"], ["pipeline"], ["promote"]):
        assert cli.main(command) == 0  # v2 production and candidate
    store = client(team)
    store.set_registered_model_alias(name, "production", "1")  # by hand, past the gate
    capsys.readouterr()
    assert cli.main(["promote"]) == 0
    err = capsys.readouterr().err
    assert "are where the audit log says again" in err and "nothing to promote" in err
    assert int(store.get_registered_model(name).aliases["production"]) == 2
    store.delete_model_version(name, "2")
    assert cli.main(["promote"]) == 2
    err = capsys.readouterr().err
    assert "nothing to promote" not in err and "outside leanops" in err


def test_what_mlflows_own_tools_change_is_reported_and_the_log_decides(
    project: Path, team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = config.load_settings(project)
    name = f"{EXPERIMENT}-{settings.data.dataset}"
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote"]) == 0  # v1 production
    assert cli.main(["pipeline"]) == 0  # v2 candidate
    store = client(team)

    def models() -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli.main(["models"])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    store.set_registered_model_alias(name, "production", "2")  # by hand, past the gate
    code, out, err = models()
    assert code == 0
    assert re.search(r"(?m)^v1\s+production", out)  # the log decides
    assert f"MLflow's production alias of {name} is v2, the audit log's v1" in err
    assert "(now: promote --version 1)" in err
    capsys.readouterr()
    assert cli.main(["promote", "--version", "1"]) == 0  # puts the alias back, changes nothing
    assert "are where the audit log says again" in capsys.readouterr().err
    assert int(store.get_registered_model(name).aliases["production"]) == 1
    assert "alias" not in models()[2]
    assert cli.main(["promote", "--version", "1"]) == 2  # nothing left to repair
    assert "v1 is already the production version" in capsys.readouterr().err
    ledger = registry_mod.open_registry(settings, project).ledger(create=False)

    store.delete_registered_model_tag(name, "leanops.ledger_run")
    code, out, err = models()
    assert (code, re.search(r"(?m)^v2\s+candidate", out) is not None) == (0, True)
    assert f"its leanops.ledger_run tag was deleted; the audit log is read from run {ledger}" in err
    assert "(now: promote --version 1)" in err
    assert cli.main(["promote", "--version", "1", "--force", "--reason", "x"]) == 0
    assert "--force and --reason ignored" in capsys.readouterr().err
    assert store.get_registered_model(name).tags["leanops.ledger_run"] == ledger

    experiment = store.get_experiment_by_name(f"{EXPERIMENT}.registry").experiment_id
    forged = store.create_run(experiment).info.run_id  # a log of one record: v2 never existed
    first = sorted(store.get_run(ledger).data.params.items())[0]
    store.log_param(forged, *first)
    store.set_registered_model_tag(name, "leanops.ledger_run", forged)
    code, out, err = models()
    assert re.search(r"(?m)^v2\s+candidate", out)  # still the log leanops made
    assert f"tag points at run {forged}, not at the audit log (run {ledger})" in err
    assert cli.main(["promote", "--force", "--reason", "v2 reviewed"]) == 0  # the next change
    assert store.get_registered_model(name).tags["leanops.ledger_run"] == ledger  # set back
    assert "tag points at run" not in models()[2]

    source = store.get_model_version(name, "1").source
    store.create_model_version(name, source=source)  # v3, outside leanops
    code, out, err = models()
    assert f"v3 of {name} is on the server but not in the audit log" in err
    assert "v3" not in out

    store.set_tag(forged, "leanops.ledger_for", name)  # a second run claims to be the log
    code, out, err = models()
    assert code == 2
    assert "2 runs claim to be its audit log" in err
    assert err.count("\n") == 1
    store.delete_run(forged)  # as the message says: the admin deletes the one made by hand
    assert models()[0] == 0


def test_the_training_table_is_uploaded_when_the_settings_say_so(
    project: Path, team: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(f"{NAME.upper()}_MLFLOW__UPLOAD_DATA", "true")
    assert cli.main(["pipeline"]) == 0
    dataset = config.load_settings(project).data.dataset
    assert f"uploaded data/processed/{dataset}.parquet" in capsys.readouterr().err
    (run,) = client(team).search_runs(
        [client(team).get_experiment_by_name(EXPERIMENT).experiment_id]
    )
    assert "data" in {a.path for a in client(team).list_artifacts(run.info.run_id)}


def test_a_version_deleted_on_the_server_is_withdrawn_and_blocks_nothing(
    project: Path, team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A teammate deletes the production version with MLflow's own tools: it is never served
    again, and rollback, promote and the pipeline go on around it."""
    settings = config.load_settings(project)
    dataset = settings.data.dataset
    name = f"{EXPERIMENT}-{dataset}"
    frame = lib("data").load_embedded(dataset).drop(columns=["target"])
    frame.to_csv(project / "batch.csv", index=False)
    for _ in range(2):  # v1, then v2 in production (v1 below it on the stack)
        assert cli.main(["pipeline", "--force"]) == 0
        assert cli.main(["promote", "--force", "--reason", "test"]) == 0
    store = client(team)
    store.delete_model_version(name, "2")
    capsys.readouterr()

    assert cli.main(["models"]) == 0
    captured = capsys.readouterr()
    assert re.search(r"(?m)^v2\s+candidate,production,withdrawn", captured.out)
    assert f"production model v2 of dataset {dataset} was deleted from MLflow model {name}" in (
        captured.err
    )
    assert "rollback: to v1" in captured.err
    assert "moved outside leanops" not in captured.err  # MLflow dropped the alias with it
    assert "promote --version 2" not in captured.err

    assert cli.main(["predict", "batch.csv"]) == 2
    assert "it is withdrawn and never served" in capsys.readouterr().err
    assert not (project / "batch.predictions.csv").exists()
    assert cli.main(["report"]) == 2  # not a clean-looking page: nothing is served
    assert capsys.readouterr().err.count("it is withdrawn and never served") == 1
    assert cli.main(["promote", "--version", "2"]) == 2
    assert "v2 of dataset" in capsys.readouterr().err

    assert cli.main(["rollback", "--reason", "v2 deleted"]) == 0
    assert int(store.get_model_version_by_alias(name, "production").version) == 1
    assert cli.main(["pipeline", "--force"]) == 0  # v3: the aliases no longer wait on v2
    assert int(store.get_model_version_by_alias(name, "candidate").version) == 3
    assert cli.main(["predict", "batch.csv"]) == 0

    store.delete_model_version(name, "1")  # production again: v3 is gated on thresholds alone
    capsys.readouterr()
    assert cli.main(["rollback"]) == 2
    assert "nothing to roll back to: no version was production before v1" in capsys.readouterr().err
    assert cli.main(["promote"]) == 0
    assert "v3 is gated on the thresholds alone" in capsys.readouterr().err
    assert int(store.get_model_version_by_alias(name, "production").version) == 3


def test_a_version_whose_record_was_not_written_is_deleted_again(
    project: Path, team: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The server made the model version, then the audit record failed to be written (the
    server went away, or the log was busy): the version is deleted again, so no command reports
    a version made outside leanops. A failure after the record was written keeps the version."""
    name, _ = in_production(project)
    store = client(team)
    registry_class = mlflow_registry.MlflowRegistry
    written = registry_class.append

    def refused(self: object, record: dict[str, object]) -> None:
        raise registry_mod.RegistryError("the server went away")

    monkeypatch.setattr(registry_class, "append", refused)
    assert cli.main(["pipeline", "--force"]) == 2
    assert "the server went away" in capsys.readouterr().err
    assert held(store, name) == [1]
    monkeypatch.setattr(registry_class, "append", written)
    assert cli.main(["models"]) == 0
    assert "not in the audit log" not in capsys.readouterr().err

    def written_then_lost(self: object, record: dict[str, object]) -> None:
        written(self, record)
        raise registry_mod.RegistryError("the connection dropped after the write")

    monkeypatch.setattr(registry_class, "append", written_then_lost)
    assert cli.main(["pipeline", "--force"]) == 2
    monkeypatch.setattr(registry_class, "append", written)
    capsys.readouterr()
    assert cli.main(["models"]) == 0
    out, err = capsys.readouterr()
    (kept,) = re.findall(r"(?m)^v(\d+)\s+candidate", out)
    assert "not in the audit log" not in err
    assert held(store, name) == [1, int(kept)]

    # The server gone for the log's read too: whether the record landed cannot be told.
    gone: list[bool] = []
    read = registry_class.records

    def unreachable(self: object) -> object:
        if gone:
            raise ConnectionError("the server went away")
        return read(self)  # type: ignore[arg-type]

    def refused_then_gone(self: object, record: dict[str, object]) -> None:
        gone.append(True)
        raise registry_mod.RegistryError("the server went away")

    monkeypatch.setattr(registry_class, "records", unreachable)
    monkeypatch.setattr(registry_class, "append", refused_then_gone)
    assert cli.main(["pipeline", "--force"]) == 2
    assert "could not tell whether v" in capsys.readouterr().err


def held(store: object, name: str) -> list[int]:
    """The numbers of the versions the server holds for registered model ``name``."""
    return sorted(int(v.version) for v in store.search_model_versions(f"name = '{name}'"))


def in_production(project: Path) -> tuple[str, str]:
    """v1 trained and promoted on the store: the registered model's name and its log's run."""
    settings = config.load_settings(project)
    assert cli.main(["pipeline"]) == 0
    assert cli.main(["promote"]) == 0
    registry = registry_mod.open_registry(settings, project)
    ledger = registry.ledger(create=False)
    assert ledger is not None
    return registry.model_name, ledger


def test_a_model_line_deleted_on_the_server_keeps_its_log_and_starts_again(
    project: Path, team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    name, old = in_production(project)
    store = client(team)
    store.delete_registered_model(name)
    capsys.readouterr()

    assert cli.main(["models"]) == 0
    captured = capsys.readouterr()
    assert re.search(r"(?m)^v1\s+candidate,production,withdrawn", captured.out)
    assert f"MLflow model {name} was deleted on the server outside leanops" in captured.err
    assert cli.main(["rollback"]) == 2

    assert cli.main(["pipeline", "--force"]) == 0  # a new line, a new log; the old one kept
    assert f"the old audit log is kept as run {old}" in capsys.readouterr().err
    assert cli.main(["models"]) == 0
    captured = capsys.readouterr()
    assert re.search(r"(?m)^v1\s+candidate\s", captured.out)
    assert "withdrawn" not in captured.out + captured.err
    assert store.get_run(old).data.tags["leanops.retired_ledger_for"] == name
    assert "change.000001" in store.get_run(old).data.params
    assert cli.main(["promote"]) == 0


def test_the_store_is_named_and_a_misspelt_server_variable_refused(
    project: Path,
    team: str,
    empty_store: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``tracking_backend: mlflow`` with the server's variable misspelt in .env: refused, not
    the project's own store used without a word; without any URI, each command says so."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    (project / ".env").write_text("MLFLOW_TRACKING_URL=http://127.0.0.1:5999\n")
    assert cli.main(["models"]) == 2
    err = capsys.readouterr().err
    assert "MLFLOW_TRACKING_URL is no variable MLflow reads: did you mean MLFLOW_TRACKING_URI?" in (
        err
    )
    assert err.count("\n") == 1

    (project / ".env").write_text("MLFLOW_TRACKING_TOKEN=abc\n")  # MLflow's own: not refused
    # The project's own store, its schema already made (test_logs.py makes one from nothing).
    (project / ".leanops").mkdir(exist_ok=True)
    shutil.copy(empty_store, project / ".leanops" / "mlflow.db")
    lib("tracking.mlflow_client")._project_store.cache_clear()
    assert cli.main(["models"]) == 0
    err = capsys.readouterr().err
    assert "MLFLOW_TRACKING_URI is set neither in the environment nor in .env" in err
    dataset = config.load_settings(project).data.dataset
    assert f"no models registered yet for dataset {dataset}" in err
    assert "on sqlite:///" in err and "(experiment " in err

    (project / ".env").write_text("MLFLOW_TRACKING_URI=http://bob:hunter2@127.0.0.1:5999\n")
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"(?m)^tracking\s+mlflow: http://127\.0\.0\.1:5999 \(experiment ", out)
    assert "hunter2" not in out


def test_a_model_made_again_outside_leanops_never_passes_for_the_old_line(
    project: Path, team: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A teammate deletes the model and registers one of their own under the same name: its v1
    is not the log's v1, and leanops never writes a record the log would refuse. An experiment
    name with a quote in it is matched all the same."""
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "bob's team")
    name, _ = in_production(project)
    assert cli.main(["pipeline", "--force"]) == 0  # v2, the candidate
    store = client(team)
    source = store.get_model_version(name, "1").source
    store.delete_registered_model(name)
    store.create_registered_model(name)
    store.create_model_version(name, source=source)  # v1, no run: not leanops' v1
    capsys.readouterr()
    assert cli.main(["models"]) == 0
    assert re.search(r"(?m)^v1\s+production,withdrawn", capsys.readouterr().out)
    assert cli.main(["pipeline", "--force"]) == 2
    err = capsys.readouterr().err
    assert "the server numbered the new version v2, a number the audit log holds already" in err
    assert cli.main(["models"]) == 0  # the log is whole: nothing it would refuse was written


def test_the_logs_run_deleted_is_restored_and_a_renamed_model_is_asked_back(
    project: Path, team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    name, ledger = in_production(project)
    store = client(team)
    store.delete_run(ledger)  # into MLflow's trash, where `mlflow gc` would purge it
    capsys.readouterr()
    assert cli.main(["models"]) == 0
    assert f"its audit log, run {ledger}, was deleted on the server" in capsys.readouterr().err
    assert cli.main(["pipeline", "--force"]) == 0  # the change restores it first
    assert f"run {ledger}, was deleted: restored" in capsys.readouterr().err
    assert store.get_run(ledger).info.lifecycle_stage == "active"
    assert "change.000003" in store.get_run(ledger).data.params

    asked = f"was renamed to renamed on the server outside leanops: rename it back to {name}"
    store.rename_registered_model(name, "renamed")
    for command in (["models"], ["predict", "batch.csv"], ["pipeline", "--force"]):
        assert cli.main(command) == 2
        err = capsys.readouterr().err
        assert asked in err
        assert err.count("\n") == 1
    assert {m.name for m in store.search_registered_models()} == {"renamed"}  # no second line
    # Renamed after the tag that points at the log was deleted: its versions still tell.
    store.delete_registered_model_tag("renamed", mlflow_registry.LEDGER_TAG)
    assert cli.main(["pipeline", "--force"]) == 2
    assert asked in capsys.readouterr().err
    assert {m.name for m in store.search_registered_models()} == {"renamed"}
    store.rename_registered_model("renamed", name)
    assert cli.main(["models"]) == 0
    assert re.search(r"(?m)^v1\s+production", capsys.readouterr().out)

    store.delete_experiment(store.get_experiment_by_name(EXPERIMENT).experiment_id)
    assert cli.main(["pipeline", "--force"]) == 0  # its runs can be written again
    restored = f"MLflow experiment {EXPERIMENT!r} was deleted on the server outside leanops"
    assert f"{restored}: restored, with its runs" in capsys.readouterr().err


def test_runs_purged_on_the_server_are_one_line_each(
    project: Path, team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``mlflow gc`` purges deleted runs: production's run (its files), then the log's."""
    from click.testing import CliRunner
    from mlflow.cli import gc

    settings = config.load_settings(project)
    for _ in range(2):
        assert cli.main(["pipeline", "--force"]) == 0
        assert cli.main(["promote", "--force", "--reason", "test"]) == 0
    registry = registry_mod.open_registry(settings, project)
    store = client(team)

    def purge(run_id: str) -> None:
        store.delete_run(run_id)
        done = CliRunner().invoke(gc, ["--backend-store-uri", team, "--run-ids", run_id])
        assert done.exit_code == 0, done.output

    purge(registry.entry(2)["run_id"])
    capsys.readouterr()
    assert cli.main(["models"]) == 0
    err = capsys.readouterr().err
    assert "production v2's run" in err
    assert "was purged from the server: nothing can be served until you rollback (to v1)" in err

    purge(registry.ledger(create=False))
    for command in (["models"], ["promote", "--version", "1"]):
        assert cli.main(command) == 2
        err = capsys.readouterr().err
        assert "its audit log, run" in err and "is gone from the server (purged" in err
        assert err.count("\n") == 1
