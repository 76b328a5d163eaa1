"""The whole pipeline through the CLI, on the embedded data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _frames import set_params
from _package import lib, load, without_cost

cli = lib("cli")
config = lib("settings")

FLOORS = {"classification": ("accuracy", 0.9), "regression": ("r2", 0.3)}


def test_pipeline_runs_every_stage(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = config.load_settings(project)
    assert cli.main(["pipeline"]) == 0
    dataset = settings.data.dataset
    assert (project / "data" / "processed" / f"{dataset}.parquet").is_file()
    assert (project / "models" / dataset / "v1" / "model.skops").is_file()
    assert sorted(path.name for path in (project / "models").rglob("*.skops")) == ["model.skops"]
    report = json.loads((project / "reports" / f"contract_{dataset}.json").read_text("utf-8"))
    assert report["passed"] is True
    metrics = json.loads((project / "reports" / "metrics.json").read_text("utf-8"))["metrics"]
    name, floor = FLOORS[settings.task]
    assert metrics[name] > floor
    assert "pipeline done" in capsys.readouterr().err


def test_stages_run_one_by_one(project: Path, caplog: pytest.LogCaptureFixture) -> None:
    for command in (["contract", "check"], ["ingest"], ["train"], ["evaluate"]):
        assert cli.main(command) == 0, command
    assert "registered v1 as candidate (next: promote)" in caplog.text  # said by train


@pytest.mark.parametrize("command", ["ingest", "train", "evaluate", "pipeline"])
def test_each_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main([command, "--help"])
    assert caught.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_contract_infer_writes_a_contract_check_accepts(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = config.load_settings(project)
    raw = project / "sample.csv"
    lib("data").load_embedded(settings.data.dataset).to_csv(raw, index=False)
    out = project / "contracts" / "inferred.yaml"
    assert cli.main(["contract", "infer", str(raw), "--target", "target", "-o", str(out)]) == 0
    assert cli.main(["contract", "check", str(raw), "--contract", str(out)]) == 0


@pytest.mark.parametrize(("given", "meant"), [("nope", ""), ("random_fores", "random_forest")])
def test_unknown_estimator_exits_2_with_one_line_before_the_data_is_read(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    given: str,
    meant: str,
) -> None:
    monkeypatch.setenv(f"{config.ENV_PREFIX}TRAIN__ESTIMATOR", given)
    assert cli.main(["pipeline"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: unknown estimator {given!r}")
    assert (f"did you mean {meant!r}?" in err) == bool(meant)
    assert err.count("\n") == 1  # nothing was read: no warning about the data before it
    assert not list(project.glob("data/processed/*"))
    assert not list(project.glob("models/**/model.skops"))
    assert cli.main(["runs", "list"]) == 0
    assert "no runs tracked yet" in capsys.readouterr().err


def test_an_estimators_py_without_the_tasks_estimators_is_named_before_the_data_is_read(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    task = config.load_settings(project).task
    listed = dict(load("estimators").ESTIMATORS)
    monkeypatch.setattr(load("estimators"), "ESTIMATORS", {**listed, task: {}})
    assert cli.main(["pipeline"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: estimators.py lists no {task} estimator: add one to ESTIMATORS[{task!r}] "
        "(the first of a task is its default)\n"
    )
    assert not list(project.glob("data/processed/*"))


MALFORMED = {
    "an estimator as one dotted string": (
        "estimators",
        "sklearn.neighbors.KNeighborsClassifier",
        "estimators.py: ESTIMATORS[{task!r}]['mine'] is 'sklearn.neighbors.KNeighborsClassifier',"
        " not a (module, class) pair",
    ),
    "a loader called where it is listed": (
        "datasets",
        None,  # what a loader returning nothing gives, called in the mapping
        "datasets.py: DATASETS['mine'] is a NoneType, not a loader",
    ),
}


@pytest.mark.parametrize("case", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_entry_of_an_extension_point_is_one_line_naming_it(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: tuple[str, object, str],
) -> None:
    """They were unexpected errors of the library's (exit 70), found only when used."""
    module, value, expected = case
    task = config.load_settings(project).task
    if module == "estimators":
        listed = load("estimators").ESTIMATORS
        mapping = {**listed, task: {**listed[task], "mine": value}}
        monkeypatch.setattr(load("estimators"), "ESTIMATORS", mapping)
    else:
        monkeypatch.setattr(
            load("datasets"), "DATASETS", {**load("datasets").DATASETS, "mine": value}
        )
    assert cli.main(["pipeline"]) == 2
    err = capsys.readouterr().err
    assert expected.format(task=task) in err and err.count("\n") == 1, err


def test_a_contract_pipeline_cannot_read_is_one_line_and_a_failed_run(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = config.load_settings(project)
    contract = Path("contracts") / f"{settings.data.dataset}.yaml"  # as the errors name it
    (project / contract).write_text("columns: [unclosed\n", encoding="utf-8")
    assert cli.main(["pipeline"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {contract} is not valid YAML (line ")
    assert err.count("\n") == 1
    (project / contract).unlink()
    assert cli.main(["pipeline"]) == 2
    assert capsys.readouterr().err.startswith(f"error: contract not found: {contract}")
    runs = lib("tracking").LocalRunStore(settings.tracking_db).list_runs(name="pipeline")
    assert [run["status"] for run in runs] == ["failed", "failed"]
    assert not list(project.glob("models/**/model.skops"))


def test_pipeline_run_is_tracked_with_its_lineage(project: Path) -> None:
    tracking = lib("tracking")
    settings = config.load_settings(project)
    assert cli.main(["pipeline"]) == 0
    store = tracking.LocalRunStore(settings.tracking_db)
    (run,) = store.list_runs(name="pipeline", tags=[f"dataset={settings.data.dataset}"])
    assert store.list_runs(tags=["stage=pipeline"]) == [run]
    record = store.get_run(run["id"])
    assert record["status"] == "finished"
    assert record["params"]["estimator"] == settings.train.estimator
    assert record["params"]["seed"] == settings.seed
    metrics = json.loads((project / "reports" / "metrics.json").read_text("utf-8"))["metrics"]
    assert without_cost(record["metrics"]) == pytest.approx(metrics)
    (dataset,) = record["datasets"]
    assert dataset["name"] == settings.data.dataset
    assert dataset["contract_version"] is not None
    assert any(step["name"].startswith("features") for step in record["feature_steps"])
    artifacts = {artifact["path"]: artifact["sha256"] for artifact in record["artifacts"]}
    dataset = settings.data.dataset
    assert set(artifacts) == {
        f"data/processed/{dataset}.parquet",
        "reports/metrics.json",
        f"models/{dataset}/v1/model.skops",
    }, "paths relative to the project"
    # One hash for the model: the run, the registry and the audit log name the same one.
    entry = lib("registry").open_registry(settings, project).entry(1)
    assert artifacts[f"models/{dataset}/v1/model.skops"] == entry["sha256"]
    assert record["tags"]["model_sha256"] == entry["sha256"]
    assert record["tags"]["estimator"] == entry["estimator"]  # the one fitted, also_try or not
    assert entry["run_id"] == run["id"]


def test_an_estimator_of_the_other_task_in_also_try_is_named_as_such(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = config.load_settings(project)
    other = "ridge" if settings.task == "classification" else "logistic_regression"
    train = {"estimator": settings.train.estimator, "also_try": [other], "hyperparameters": {}}
    set_params(project, train=train)
    assert cli.main(["pipeline"]) == 2
    err = capsys.readouterr().err
    kind = "regression" if settings.task == "classification" else "classification"
    assert err.startswith(
        f"error: estimator {other!r} is a {kind} estimator; {settings.task} takes:"
    )
    assert err.count("\n") == 1


def test_failed_pipeline_is_tracked_as_failed(project: Path) -> None:
    tracking = lib("tracking")
    settings = config.load_settings(project)
    raw = project / "data" / "raw" / f"{settings.data.dataset}.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text("not_a_column\n1\n", encoding="utf-8")  # breaks the contract at ingest
    assert cli.main(["pipeline"]) == 1
    (run,) = tracking.LocalRunStore(settings.tracking_db).list_runs()
    assert run["status"] == "failed"


def test_runs_and_model_versions_name_the_template_version(project: Path) -> None:
    (project / ".copier-answers.yml").write_text(
        "# Changes here will be overwritten by Copier\n_commit: 0.4.0-3-g1a2b3c4\n"
        "_src_path: gh:leanops/leanops\n",
        encoding="utf-8",
    )
    assert cli.main(["pipeline"]) == 0
    settings = config.load_settings(project)
    store = lib("tracking").run_store(settings, project)
    run = store.get_run(store.list_runs()[0]["id"])
    assert run["tags"]["template_commit"] == "0.4.0-3-g1a2b3c4"
    entry = lib("registry").open_registry(settings, project).entry(1)
    assert entry["template_commit"] == "0.4.0-3-g1a2b3c4"
