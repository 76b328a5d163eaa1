"""Stages that skip themselves: each runs again only when something it reads changed, says
why, and a skipped pipeline is still a run that points at what it reused."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest
from _frames import set_params
from _package import NAME, lib

cli = lib("cli")
config = lib("settings")
tracking = lib("tracking")


@pytest.fixture
def skipping(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``project`` with the default: unchanged stages are skipped."""
    monkeypatch.delenv(f"{NAME.upper()}_SKIP_UNCHANGED")
    return project


def pipeline(caplog: pytest.LogCaptureFixture, *args: str) -> list[str]:
    """Run the pipeline; the stage lines it logged (``ingest: ran (...)``), without what a
    stage that ran read (``, read data/raw/x.csv``: ``caplog.messages`` keeps it)."""
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert cli.main(["pipeline", *args]) == 0
    return [
        r.getMessage().split(", read ")[0]
        for r in caplog.records
        if r.getMessage().startswith(("ingest:", "train:"))
    ]


def versions(project: Path) -> list[int]:
    registry = lib("registry").open_registry(config.load_settings(project), project)
    return sorted(registry.state().versions)


def test_an_unchanged_pipeline_skips_both_stages_and_records_what_it_reused(
    skipping: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = pipeline(caplog)
    assert first == [
        "ingest: ran (no earlier run recorded)",
        "train: ran (no earlier run recorded)",
    ]
    dataset = config.load_settings(skipping).data.dataset
    assert f"ingest: ran (no earlier run recorded), read datasets.py:{dataset}" in caplog.messages
    metrics = json.loads((skipping / "reports" / "metrics.json").read_text("utf-8"))
    second = pipeline(caplog)
    assert [line.split(" (")[0] for line in second] == ["ingest: skipped", "train: skipped"]
    assert versions(skipping) == [1]
    assert json.loads((skipping / "reports" / "metrics.json").read_text("utf-8")) == metrics
    store = tracking.run_store(config.load_settings(skipping), skipping)
    newest, trained = store.list_runs()[:2]
    run = store.get_run(newest["id"])
    assert run["tags"]["skipped"] == "ingest,train"
    assert run["tags"]["reused_run"] == trained["id"]
    assert run["tags"]["model_version"] == "v1"
    assert run["tags"]["estimator"] == store.get_run(trained["id"])["tags"]["estimator"]
    assert run["datasets"][0]["sha256"] == store.get_run(trained["id"])["datasets"][0]["sha256"]
    assert run["metrics"]["accuracy" if "accuracy" in run["metrics"] else "rmse"] == pytest.approx(
        metrics["metrics"]["accuracy" if "accuracy" in run["metrics"] else "rmse"]
    )


def test_each_input_reruns_what_reads_it(skipping: Path, caplog: pytest.LogCaptureFixture) -> None:
    pipeline(caplog)
    params = skipping / "params.yaml"
    params.write_text(params.read_text("utf-8").replace("seed: 42", "seed: 7"), "utf-8")
    assert pipeline(caplog) == [
        "ingest: skipped (nothing it reads changed since run "
        + pipeline_run_prefix(skipping, 1)
        + ")",
        "train: ran (changed since the last run: params.seed)",
    ]
    dataset = config.load_settings(skipping).data.dataset
    raw = skipping / "data" / "raw" / f"{dataset}.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)
    lib("data").load_embedded(dataset).head(300).to_csv(raw, index=False)
    ingest, train = pipeline(caplog)
    assert ingest == "ingest: ran (changed since the last run: data)"  # loader -> file
    read = f"read data/raw/{dataset}.csv"  # the file, not the loader: a file comes first
    assert f"ingest: ran (changed since the last run: data), {read}" in caplog.messages
    assert train == "train: ran (changed since the last run: data)"
    assert versions(skipping) == [1, 2, 3]
    before = len(lib("data").load_embedded(dataset))
    shrunk = f"the table has 300 rows, {100 * (1 - 300 / before):.0f}% fewer than the {before}"
    assert shrunk in caplog.text  # an export that lost rows still meets its contract


def test_a_bad_export_put_back_leaves_no_failed_check_in_the_report(
    skipping: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A bad export stops the pipeline and its check fails; the good file put back, ingest is
    skipped (the same table as before), and the contract report, which ``report`` and
    ``status.json`` show, says the data the pipeline uses passes again."""
    dataset = config.load_settings(skipping).data.dataset
    raw = skipping / "data" / "raw" / f"{dataset}.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)
    good = lib("data").load_embedded(dataset)
    good.to_csv(raw, index=False)
    pipeline(caplog)
    good.drop(columns=[good.columns[1]]).to_csv(raw, index=False)  # a column lost
    assert cli.main(["pipeline"]) == 1
    report = lib("contract").report_path(dataset, skipping)
    assert json.loads(report.read_text("utf-8"))["passed"] is False
    good.to_csv(raw, index=False)
    assert [line.split(" (")[0] for line in pipeline(caplog)] == [
        "ingest: skipped",
        "train: skipped",
    ]
    checked = json.loads(report.read_text("utf-8"))
    source = f"data/raw/{dataset}.csv"  # as the ingest that checked it names it
    assert (checked["passed"], checked["rows"], checked["source"]) == (True, len(good), source)
    assert cli.main(["report"]) == 0
    status = json.loads((skipping / "reports" / "status.json").read_text("utf-8"))
    assert status["contract"]["passed"] is True


def test_the_gates_metrics_retrain_only_when_they_choose_the_estimator(
    skipping: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The gate's first metric chooses among ``also_try``'s estimators; without them it changes
    no model, so editing the gate's metrics trains nothing again."""
    pipeline(caplog)
    metric = "roc_auc" if config.load_settings(skipping).task == "classification" else "rmse"
    set_params(skipping, promotion={"baseline": {"metrics": [metric]}})
    assert [line.split(" (")[0] for line in pipeline(caplog)][1] == "train: skipped"
    itself = config.load_settings(skipping).train.estimator  # no choice: one candidate
    set_params(skipping, train={"also_try": [itself]})
    pipeline(caplog)
    set_params(skipping, promotion={"baseline": {"metrics": []}})
    assert [line.split(" (")[0] for line in pipeline(caplog)][1] == "train: skipped"
    set_params(skipping, promotion={"baseline": {"metrics": [metric]}})
    set_params(skipping, train={"also_try": ["random_forest"]})
    # The gate's metrics choose from now on, but nobody edited them: also_try is the change.
    assert pipeline(caplog)[1] == "train: ran (changed since the last run: params.also_try)"
    set_params(skipping, promotion={"baseline": {"metrics": []}})
    reason = "train: ran (changed since the last run: params.promotion.baseline.metrics)"
    assert pipeline(caplog)[1] == reason


def test_a_quiet_week_pipeline_then_promote_succeeds_and_changes_nothing(
    skipping: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A scheduled `pipeline && promote` on a week with no new data: nothing to train, nothing
    to promote, exit 0 (a failure every quiet week would teach the team to ignore the job)."""
    pipeline(caplog)
    assert cli.main(["promote"]) == 0
    audit = next(skipping.glob("models/*/audit.jsonl"))
    before = audit.read_bytes()
    assert "reused v1 (production)" in " ".join(pipeline(caplog)) + caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert cli.main(["promote"]) == 0
    assert "nothing to promote: the candidate v1 is production already" in caplog.text
    assert audit.read_bytes() == before


def test_a_reused_version_says_which_candidate_promote_gates(
    skipping: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline(caplog)
    assert cli.main(["promote"]) == 0
    assert cli.main(["train"]) == 0  # v2, the candidate, outside the pipeline's stages
    pipeline(caplog)
    assert "reused v1 (production): nothing it reads changed since run " in caplog.text
    assert "; the candidate is v2, made by another run: promote --version names" in caplog.text
    caplog.clear()
    assert cli.main(["promote"]) == 2  # which one is meant: the pipeline reported v1
    assert "the last pipeline reused v1 (production), and the candidate is v2" in caplog.text
    assert cli.main(["promote", "--version", "2", "--force", "--reason", "chosen"]) == 0
    caplog.clear()
    assert cli.main(["promote"]) == 0  # the candidate is production now: nothing to do
    assert "the last pipeline reused" not in caplog.text
    assert "nothing to promote: the candidate v2 is production already" in caplog.text
    assert cli.main(["promote", "--version", "v2"]) == 2  # named on purpose: an error
    assert "v2 is already the production version" in caplog.text
    assert cli.main(["train"]) == 0  # v3, registered after the pipeline: the one to gate
    caplog.clear()
    assert cli.main(["promote"]) in (0, 1)  # gated: promoted or refused, no question asked
    assert "the last pipeline reused" not in caplog.text


def test_a_comment_in_the_contract_is_no_change_a_rule_is(
    skipping: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline(caplog)
    dataset = config.load_settings(skipping).data.dataset
    contract = skipping / "contracts" / f"{dataset}.yaml"
    text = contract.read_text("utf-8")
    contract.write_text("# reviewed by Ana, 2026-12-06\n" + text, "utf-8")
    assert [line.split(" (")[0] for line in pipeline(caplog)] == [
        "ingest: skipped",
        "train: skipped",
    ]
    contract.write_text(text.replace("version: 1", "version: 2", 1), "utf-8")
    assert pipeline(caplog) == [
        "ingest: ran (changed since the last run: contract)",
        "train: ran (changed since the last run: contract)",
    ]


def test_the_team_code_and_the_runtime_are_inputs_of_train(
    skipping: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline(caplog)
    pipeline_module = lib("pipeline")
    monkeypatch.setattr(pipeline_module, "team_digest", lambda: "after an edit of features.py")
    ingest, train = pipeline(caplog)
    assert ingest.startswith("ingest: skipped")  # the loader returned the same table
    assert train == "train: ran (changed since the last run: code)"
    monkeypatch.setattr(pipeline_module, "runtime_digest", lambda: "after leanops update")
    assert pipeline(caplog) == [
        "ingest: ran (changed since the last run: runtime)",
        "train: ran (changed since the last run: runtime)",
    ]


def test_what_a_loader_reads_is_seen_changing(
    skipping: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loader of ``datasets.py`` that joins exports: when an export changes, and nothing of
    the team's code does, ingest and train run again (the loader runs each time; its table is
    what ingest reads). The same table again skips both."""
    dataset = config.load_settings(skipping).data.dataset
    export = skipping / "data" / "external" / "export.csv"
    export.parent.mkdir(parents=True)
    lib("data").load_embedded(dataset).head(400).to_csv(export, index=False)
    monkeypatch.setitem(lib("team").datasets(), dataset, lambda: pd.read_csv(export))
    assert pipeline(caplog)[0] == "ingest: ran (no earlier run recorded)"
    assert [line.split(" (")[0] for line in pipeline(caplog)] == [
        "ingest: skipped",
        "train: skipped",
    ]
    lib("data").load_embedded(dataset).head(380).to_csv(export, index=False)
    assert pipeline(caplog) == [
        "ingest: ran (changed since the last run: data)",
        "train: ran (changed since the last run: data)",
    ]


def test_going_back_to_a_dataset_finds_its_own_last_stages(
    skipping: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A, then B, then A again: A's stages are skipped, as nothing A reads changed."""
    dataset = config.load_settings(skipping).data.dataset
    contracts = skipping / "contracts"
    (contracts / "other.yaml").write_text((contracts / f"{dataset}.yaml").read_text("utf-8"))
    raw = skipping / "data" / "raw" / "other.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)
    lib("data").load_embedded(dataset).head(400).to_csv(raw, index=False)
    pipeline(caplog)
    monkeypatch.setenv(f"{NAME.upper()}_DATA__DATASET", "other")
    assert [line.split(" (")[0] for line in pipeline(caplog)] == ["ingest: ran", "train: ran"]
    monkeypatch.delenv(f"{NAME.upper()}_DATA__DATASET")
    assert [line.split(" (")[0] for line in pipeline(caplog)] == [
        "ingest: skipped",
        "train: skipped",
    ]


def test_a_code_digest_follows_every_python_file_of_the_package(tmp_path: Path) -> None:
    stages = lib("pipeline")
    (tmp_path / "features.py").write_text("def build_features(): ...\n", "utf-8")
    before = stages.digest_tree(tmp_path)
    (tmp_path / "helpers.py").write_text("SCALE = 2\n", "utf-8")  # a module features imports
    added = stages.digest_tree(tmp_path)
    (tmp_path / "helpers.py").write_text("SCALE = 3\n", "utf-8")
    assert len({before, added, stages.digest_tree(tmp_path)}) == 3


def pipeline_run_prefix(project: Path, back: int) -> str:
    """The id prefix (12) of the pipeline run ``back`` runs before the newest one."""
    store = tracking.run_store(config.load_settings(project), project)
    return store.list_runs()[back]["id"][:12]


def test_force_and_a_gone_output_run_the_stage_again(
    skipping: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline(caplog)
    assert pipeline(caplog, "--force") == ["ingest: ran (--force)", "train: ran (--force)"]
    assert versions(skipping) == [1, 2]
    dataset = config.load_settings(skipping).data.dataset
    (skipping / "data" / "processed" / f"{dataset}.parquet").unlink()
    ingest, _ = pipeline(caplog)
    assert ingest == "ingest: ran (its outputs changed or are gone)"
    assert (skipping / "data" / "processed" / f"{dataset}.parquet").is_file()


def test_a_pruned_model_is_trained_again(
    skipping: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline(caplog)
    pipeline(caplog, "--force")  # v2 is the candidate: v1 may go
    prefix = f"{NAME.upper()}_RETENTION__"
    for key, value in (("KEEP_RUNS", "1"), ("KEEP_VERSIONS", "1"), ("KEEP_DAYS", "0")):
        monkeypatch.setenv(prefix + key, value)
    assert cli.main(["prune"]) == 0
    stages = json.loads((skipping / ".leanops" / "stages.json").read_text("utf-8"))
    dataset = config.load_settings(skipping).data.dataset
    stages[f"{dataset}/train"]["outputs"]["model_version"] = 1  # as if v1 were the last trained
    (skipping / ".leanops" / "stages.json").write_text(json.dumps(stages), "utf-8")
    _, train = pipeline(caplog)
    assert train == "train: ran (the model it registered is gone)"


def test_an_unreadable_record_runs_every_stage(
    skipping: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline(caplog)
    (skipping / ".leanops" / "stages.json").write_text("{not json", "utf-8")
    assert pipeline(caplog) == [
        "ingest: ran (no earlier run recorded)",
        "train: ran (no earlier run recorded)",
    ]


def test_a_parameter_added_or_removed_is_named(
    skipping: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lib("pipeline"), "EARLIER", 0)  # no earlier run to go back to
    pipeline(caplog)
    params = skipping / "params.yaml"
    plain = params.read_text("utf-8")
    params.write_text(plain.replace("also_try: []", "also_try: [random_forest]"), "utf-8")
    # With estimators to choose among, train reads the metric that chooses too: an input that
    # comes with also_try, named as also_try alone (nobody edited the metrics).
    assert pipeline(caplog)[1] == "train: ran (changed since the last run: params.also_try)"
    params.write_text(plain, "utf-8")  # removed again: a change as well
    assert pipeline(caplog)[1] == "train: ran (changed since the last run: params.also_try)"


def test_one_server_spelt_two_ways_is_one_store() -> None:
    """The stages' store is the server, not how the URL was typed: a trailing slash, capitals,
    credentials, the default port or another name of this machine register no second copy of an
    unchanged model."""
    same = lib("pipeline").same_server
    spellings = [
        "http://team-server:5000",
        "HTTP://Team-Server:5000/",
        "http://u:p@team-server:5000",
    ]
    assert {same(uri) for uri in spellings} == {"http://team-server:5000"}
    here = ["http://localhost:5000", "http://127.0.0.1:5000/", "http://[::1]:5000"]
    assert {same(uri) for uri in here} == {"http://127.0.0.1:5000"}
    assert same("https://team-server/") == same("https://team-server:443")
    assert same("http://[fe80::1]:5000") == "http://[fe80::1]:5000"
    assert same("sqlite:////srv/MLflow/mlflow.db") == "sqlite:////srv/MLflow/mlflow.db"
    assert same("http://team-server:5001") != same("http://team-server:5000")
    assert same("http://team-server") != same("https://team-server")


def test_the_team_code_train_reads_is_what_its_modules_import(tmp_path: Path) -> None:
    """A stage of the team's own that training never imports is no input of train; a helper
    that features.py imports, directly or through another, is."""
    package = tmp_path / "team_pkg"
    (package / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "features.py": "from .helpers import ratio\nimport numpy\n",
        "helpers.py": "from . import sub\nfrom team_pkg.units import metres\n",
        "units.py": "metres = 1\n",
        "sub/__init__.py": "from .deep import value\n",
        "sub/deep.py": "value = 2\n",
        "estimators.py": "from ..elsewhere import nothing\n",
        "datasets.py": "def broken(:\n",  # counted, though it cannot be read
        "residuals.py": "from .features import ratio  # a stage of the team's own\n",
    }
    for name, text in files.items():
        (package / name).write_text(text, encoding="utf-8")
    found = lib("pipeline").imported_modules(
        package, "team_pkg", ("features", "estimators", "datasets")
    )
    expected = set(files) - {"residuals.py"}
    assert {path.relative_to(package).as_posix() for path in found} == expected
    # The packages Python runs on the way to a module count too, and a package wins over a
    # module of the same name, as in Python.
    (package / "features.py").write_text("import team_pkg.nested.leaf\nfrom . import units\n")
    (package / "nested").mkdir()
    (package / "nested" / "__init__.py").write_text("")
    (package / "nested" / "leaf.py").write_text("")
    (package / "units").mkdir()
    (package / "units" / "__init__.py").write_text("")
    found = lib("pipeline").imported_modules(package, "team_pkg", ("features",))
    assert {path.relative_to(package).as_posix() for path in found} == {
        "__init__.py",
        "features.py",
        "nested/__init__.py",
        "nested/leaf.py",
        "units/__init__.py",
    }


@pytest.mark.parametrize("in_git", [True, False])
def test_a_data_file_of_the_package_is_an_input_of_train(tmp_path: Path, in_git: bool) -> None:
    """A mapping the features read from the package's folder is training's input, whoever
    reads it; in a git checkout, what git would commit (a cache the code writes, ignored, is
    not); caches and hidden files never."""
    import subprocess

    package = tmp_path / "team_pkg"
    (package / "maps" / "__pycache__").mkdir(parents=True)
    (package / "cache").mkdir()
    files = {
        "__init__.py": "",
        "features.py": "",
        "maps/regions.json": '{"north": 1}',
        "maps/new.csv": "a,b\n",  # not committed yet: git would commit it
        "maps/__pycache__/features.cpython-311.pyc": "cache",
        "cache/run-1.pkl": "written at run time",  # ignored in the checkout
        ".DS_Store": "finder",
        "residuals.py": "",  # code: counted only when training imports it
    }
    for name, text in files.items():
        (package / name).write_text(text, encoding="utf-8")
    expected = {"maps/regions.json", "maps/new.csv"}
    if in_git:
        (tmp_path / ".gitignore").write_text("cache/\n")
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
        subprocess.run(
            ["git", "-C", str(tmp_path), "add", "team_pkg/maps/regions.json"], check=True
        )
    else:
        expected.add("cache/run-1.pkl")
    found = lib("pipeline").package_data(package)
    assert {path.relative_to(package).as_posix() for path in found} == expected


def test_the_packages_data_files_are_in_trains_code_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline_module = lib("pipeline")
    before = pipeline_module.team_digest()
    # A file training never imports, standing in for a data file of the package.
    monkeypatch.setattr(pipeline_module, "package_data", lambda folder: {folder / "__main__.py"})
    assert pipeline_module.team_digest() != before


def test_a_team_estimator_module_estimators_py_names_is_code_train_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ESTIMATORS names a team's own estimator by its module's name, imported only when chosen:
    that module is an input of train all the same."""
    pipeline_module, team = lib("pipeline"), lib("team")
    before = pipeline_module.team_digest()
    listed = team.estimators()
    own = {"mine": (f"{NAME}.__main__", "Mine")}  # a module training never imports otherwise
    monkeypatch.setattr(team, "estimators", lambda: {**listed, "classification": own})
    assert pipeline_module.team_digest() != before


def test_a_setting_tried_and_put_back_reuses_the_model_made_before(
    skipping: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A test_size tried, then put back: the pipeline reuses the version the run before made
    with those very inputs, rather than registering a copy of it."""
    pipeline(caplog)  # v1
    plain = (skipping / "params.yaml").read_text("utf-8")
    set_params(skipping, data={"test_size": 0.3})
    assert pipeline(caplog)[1] == "train: ran (changed since the last run: params.test_size)"
    (skipping / "params.yaml").write_text(plain, "utf-8")
    train = pipeline(caplog)[1]
    assert train.startswith("train: skipped (it read exactly this in run "), train
    assert "reused v1: it read exactly this in run " in caplog.text
    assert versions(skipping) == [1, 2]
    metrics = json.loads((skipping / "reports" / "metrics.json").read_text("utf-8"))
    assert metrics["model_version"] == 1
    assert cli.main(["report"]) == 0  # it rewrites the status file, and keeps what promote reads
    caplog.clear()
    assert cli.main(["promote"]) == 2  # v2, the tried setting's model, is the candidate
    assert "`promote --version 1` what the pipeline reported" in caplog.text
    lib("registry").open_registry(config.load_settings(skipping), skipping).prune(1, reason="t")
    assert pipeline(caplog)[1] == "train: ran (the model it registered is gone)"


def test_a_version_number_that_names_another_model_now_is_not_reused(
    skipping: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The registry made again (models/ deleted): v1 is now the model of other settings. Going
    back to the first settings trains again rather than reusing that v1 as theirs."""
    import shutil

    pipeline(caplog)  # v1 of the plain settings
    plain = (skipping / "params.yaml").read_text("utf-8")
    shutil.rmtree(skipping / "models")
    set_params(skipping, data={"test_size": 0.3})
    pipeline(caplog)  # v1 again: the model of test_size 0.3
    (skipping / "params.yaml").write_text(plain, "utf-8")
    assert pipeline(caplog)[1] == "train: ran (the model it registered is gone)"
    assert versions(skipping) == [1, 2]
