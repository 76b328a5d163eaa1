"""The tracking store: what a run records, how it is read back, and dataset fingerprints."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _package import NAME, TEAM_PATH, lib, without_cost

tracking = lib("tracking")


@pytest.fixture(autouse=True)
def local_backend(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the local store, whatever backend params.yaml names.

    Depends on ``project``, which clears the package's variables, so it is set after that.
    """
    monkeypatch.setenv(tracking.env_backend(), "local")


@pytest.fixture
def db(project: Path) -> Path:
    return project / "store" / "tracking.db"


def frame(rows: int = 20_000) -> pd.DataFrame:
    """One column of every kind the fingerprint must see."""
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "number": rng.normal(size=rows),
            "count": rng.integers(0, 1_000, rows),
            "text": [f"item-{i % 97}" for i in range(rows)],
            "flag": rng.integers(0, 2, rows).astype(bool),
            "when": pd.date_range("2024-01-01", periods=rows, freq="min"),
            "kind": pd.Categorical(rng.choice(["a", "b", "c"], rows)),
        }
    )


# ------------------------------------------------------------------------------------ recording


def test_run_records_params_metrics_tags_and_environment(project: Path, db: Path) -> None:
    (project / "uv.lock").write_text("version = 1\n")
    prefix = f"{NAME.upper()}_"
    dotenv = f"export {prefix}SEED=3\n# {prefix}TASK=regression\n{prefix}DATA_DIR=/elsewhere\n"
    (project / ".env").write_text(dotenv, "utf-8")
    with tracking.start_run(
        "train", params={"C": 0.5, "layers": [1, 2]}, tags={"stage": "fit"}, db=db
    ) as run:
        run.log_metric("loss", 0.9, step=0)
        run.log_metric("loss", 0.4, step=1)
        run.log_metrics({"accuracy": 0.91, "f1": 0.88})
        run.set_tag("note", "first try")
        assert tracking.current_run() is run
    assert tracking.current_run() is None

    record = tracking.LocalRunStore(db).get_run(run.id)
    assert record["name"] == "train"
    assert record["status"] == "finished"
    assert record["end_time"] >= record["start_time"]
    assert record["params"] == {"C": 0.5, "layers": [1, 2]}
    # The variables that set settings over params.yaml (the fixture's two and .env's seed; not
    # a commented-out line, nor the team's own DATA_DIR), by name: a run's params are not all
    # params.yaml's.
    overrides = ", ".join(
        f"{prefix}{name}" for name in ("SEED", "SKIP_UNCHANGED", "TRACKING_BACKEND")
    )
    assert record["tags"] == {
        "stage": "fit",
        "note": "first try",
        "settings_from_variables": overrides,
    }
    assert without_cost(record["metrics"]) == {"loss": 0.4, "accuracy": 0.91, "f1": 0.88}
    assert [(m["step"], m["value"]) for m in record["metric_history"] if m["key"] == "loss"] == [
        (0, 0.9),
        (1, 0.4),
    ]
    assert record["lock_sha256"] == hashlib.sha256(b"version = 1\n").hexdigest()
    # The same hash `info` prints.
    assert record["lock_sha256"] == lib("tracking.environment").lock_sha256(project)
    assert record["python"] == ".".join(map(str, sys.version_info[:3]))
    assert record["platform"]
    assert record["host"] == os.uname().nodename


def test_a_run_names_the_variables_its_settings_came_from(
    project: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the settings ``load_settings`` made (which read them once), and, for settings
    made any other way, from the environment and ``.env`` as before."""
    settings_mod = lib("settings")
    monkeypatch.setenv(f"{NAME.upper()}_SEED", "9")
    loaded = settings_mod.load_settings(project)
    made = settings_mod.Settings(task="classification", data={"dataset": "d"})
    assert made.from_variables is None
    for settings in (loaded, made):
        with tracking.start_run("train", db=db, settings=settings, root=project) as run:
            pass
        tags = tracking.LocalRunStore(db).get_run(run.id)["tags"]
        assert f"{NAME.upper()}_SEED" in tags["settings_from_variables"].split(", ")


def test_exception_marks_run_failed_and_is_reraised(db: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"), tracking.start_run("train", db=db) as run:
        run.log_metric("loss", 1.0)
        raise RuntimeError("boom\nsecond line")
    record = tracking.LocalRunStore(db).get_run(run.id)
    assert record["status"] == "failed"
    assert record["error"] == "RuntimeError: boom"
    assert without_cost(record["metrics"]) == {"loss": 1.0}


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_commit_and_dirty_flag(project: Path, db: Path) -> None:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=project,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    git("init", "-q")
    (project / ".gitignore").write_text("/store/\n")
    git("add", "-A")
    git("commit", "-q", "-m", "init")
    with tracking.start_run("clean", db=db) as clean:
        pass
    (project / "score.py").write_text("print('a stage of our own, not committed yet')\n")
    with tracking.start_run("untracked", db=db) as untracked:
        pass
    (project / "score.py").unlink()
    (project / "params.yaml").write_text("seed: 1\n")
    with tracking.start_run("dirty", db=db) as dirty:
        pass
    head = git("rev-parse", "HEAD")
    store = tracking.LocalRunStore(db)
    assert store.get_run(clean.id)["git_commit"] == head
    assert store.get_run(clean.id)["git_dirty"] == 0
    assert store.get_run(untracked.id)["git_dirty"] == 1, "a new file may hold the run's code"
    assert store.get_run(dirty.id)["git_dirty"] == 1


def test_no_git_is_tolerated(project: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.parent))
    assert tracking.git_state(project) == (None, None)  # not a checkout
    monkeypatch.setenv("PATH", "")  # no git at all
    assert tracking.git_state(project) == (None, None)
    with tracking.start_run("anywhere", db=db) as run:
        pass
    record = tracking.LocalRunStore(db).get_run(run.id)
    assert (record["status"], record["git_commit"], record["git_dirty"]) == ("finished", None, None)


def test_artifact_size_and_hash(project: Path, db: Path) -> None:
    model = project / "model.bin"
    model.write_bytes(b"\x00weights" * 100)
    with tracking.start_run("train", db=db) as run:
        record = run.log_artifact(model)
        with pytest.raises(tracking.TrackingError, match="artifact not found"):
            run.log_artifact(project / "missing.bin")
    assert record["size"] == 800
    stored = tracking.LocalRunStore(db).get_run(run.id)["artifacts"]
    assert stored == [
        {"path": "model.bin", "size": 800, "sha256": hashlib.sha256(model.read_bytes()).hexdigest()}
    ]


def test_every_run_records_what_it_cost(project: Path, db: Path) -> None:
    model = project / "model.bin"
    model.write_bytes(b"\x00" * 2_500_000)
    with tracking.start_run("train", db=db) as run:
        run.log_artifact(model)
        sum(i * i for i in range(300_000))  # some CPU time to measure
    store = tracking.LocalRunStore(db)
    cost = store.get_run(run.id)["metrics"]
    assert set(cost) == set(tracking.api.COSTS)
    assert cost["cost.written_mb"] == 2.5
    assert cost["cost.wall_s"] > 0 and cost["cost.cpu_s"] > 0
    assert cost["cost.peak_rss_mb"] > 10  # a Python process with pandas loaded
    (summary,) = store.list_runs()
    assert summary["cost"] == cost


def test_a_failed_run_records_its_cost_too(db: Path) -> None:
    with pytest.raises(ValueError), tracking.start_run("train", db=db) as run:
        raise ValueError("boom")
    assert "cost.wall_s" in tracking.LocalRunStore(db).get_run(run.id)["metrics"]


def test_feature_steps_of_a_fitted_pipeline(db: Path) -> None:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    data = frame(200)
    pipeline = Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [
                        ("scale", StandardScaler(with_mean=False), ["number", "count"]),
                        ("onehot", OneHotEncoder(handle_unknown="ignore"), ["kind"]),
                    ]
                ),
            ),
            ("model", LogisticRegression(C=0.25, max_iter=200)),
        ]
    ).fit(data, data["flag"])
    with tracking.start_run("train", db=db) as run:
        run.log_feature_steps(pipeline)
    steps = {s["name"]: s for s in tracking.LocalRunStore(db).get_run(run.id)["feature_steps"]}
    assert {"prep", "prep__scale", "prep__onehot", "model"} <= set(steps)
    assert steps["model"]["params"]["C"] == 0.25
    assert steps["model"]["class"].endswith("LogisticRegression")
    assert steps["prep__scale"]["params"]["with_mean"] is False
    assert steps["prep__scale"]["params"]["columns"] == ["number", "count"]
    assert steps["prep__onehot"]["params"]["handle_unknown"] == "ignore"


def test_dataset_is_recorded_with_contract_version(db: Path) -> None:
    data = frame(500)
    with tracking.start_run("validate", db=db) as run:
        run.log_dataset("train", data, contract_version="1.2")
    (dataset,) = tracking.LocalRunStore(db).get_run(run.id)["datasets"]
    assert dataset["name"] == "train"
    assert dataset["sha256"] == tracking.fingerprint(data)["sha256"]
    assert (dataset["rows"], dataset["columns"], dataset["contract_version"]) == (500, 6, "1.2")
    assert dataset["schema"][0] == ["number", "float64"]


# ---------------------------------------------------------------------------------------- store


def test_store_location_from_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with tracking.start_run("default"):
        pass
    assert (project / ".leanops" / "tracking.db").is_file()

    custom = project / "elsewhere" / "runs.db"
    monkeypatch.setenv(f"{NAME.upper()}_TRACKING_DB", str(custom))
    with tracking.start_run("custom"):
        pass
    assert [run["name"] for run in tracking.LocalRunStore().list_runs()] == ["custom"]
    assert custom.is_file()


def test_store_is_wal_and_versioned_and_reopens(db: Path) -> None:
    tracking.connect(db).close()
    conn = tracking.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == tracking.SCHEMA_VERSION
    conn.execute(f"PRAGMA user_version = {tracking.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(tracking.TrackingError, match="newer"):
        tracking.connect(db)


def test_not_a_database_is_a_one_line_error(project: Path) -> None:
    bad = project / "bad.db"
    bad.write_text("this is not sqlite " * 100)
    with pytest.raises(tracking.TrackingError, match="not usable") as error:
        tracking.connect(bad)
    assert "\n" not in str(error.value)


def test_import_is_stdlib_only() -> None:
    code = (
        "import sys; import leanops_runtime.tracking; "
        "heavy = {'pandas', 'numpy', 'pydantic', 'yaml', 'mlflow'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], cwd=TEAM_PATH, check=True)


# -------------------------------------------------------------------------------------- reading


def test_list_filters_and_orders_newest_first(db: Path) -> None:
    with tracking.start_run("prepare", tags={"team": "a"}, db=db):
        pass
    with pytest.raises(ValueError), tracking.start_run("train", tags={"team": "b"}, db=db):
        raise ValueError("bad")
    with tracking.start_run("train", tags={"team": "a"}, db=db):
        pass
    names = [(run["name"], run["status"]) for run in tracking.LocalRunStore(db).list_runs()]
    assert names == [("train", "finished"), ("train", "failed"), ("prepare", "finished")]
    assert len(tracking.LocalRunStore(db).list_runs(name="train")) == 2
    assert [r["status"] for r in tracking.LocalRunStore(db).list_runs(status="failed")] == [
        "failed"
    ]
    assert [r["name"] for r in tracking.LocalRunStore(db).list_runs(tags=["team=a"])] == [
        "train",
        "prepare",
    ]
    assert len(tracking.LocalRunStore(db).list_runs(tags=["team"])) == 3
    assert tracking.LocalRunStore(db).list_runs(tags=["team=c"]) == []


def test_live_run_reads_as_running(db: Path) -> None:
    with tracking.start_run("long", db=db) as run:
        assert tracking.LocalRunStore(db).get_run(run.id)["status"] == "running"


def test_get_run_by_prefix_and_unknown_id(db: Path) -> None:
    with tracking.start_run("train", db=db) as run:
        pass
    assert tracking.LocalRunStore(db).get_run(run.id[:6])["id"] == run.id
    with pytest.raises(tracking.TrackingError, match="no run with id"):
        tracking.LocalRunStore(db).get_run("zzzz")
    with pytest.raises(tracking.TrackingError, match="no tracking store"):
        tracking.LocalRunStore(db.parent / "other.db").get_run(run.id)


def test_compare_marks_differences(db: Path) -> None:
    with tracking.start_run("a", params={"C": 1.0, "seed": 1}, db=db) as first:
        first.log_metric("accuracy", 0.9)
        first.set_tag("estimator", "random_forest")
        first.log_dataset("train", frame(500))
    with tracking.start_run("b", params={"C": 2.0, "seed": 1}, db=db) as second:
        second.log_dataset("train", frame(700))  # the data: the one difference that matters
        second.log_metric("accuracy", 0.9)
        second.log_metric("f1", 0.5)
        second.set_tag("estimator", "logistic_regression")  # chosen by also_try, say
        second.set_tag("mlflow.note.content", "MLflow's own tags are left out")
    store = tracking.LocalRunStore(db)
    result = tracking.compare([store.get_run(first.id), store.get_run(second.id)])
    assert result["params"] == {"C": [1.0, 2.0], "seed": [1, 1]}
    assert result["params_differ"] == ["C"]
    assert result["tags"]["estimator"] == ["random_forest", "logistic_regression"]
    assert "estimator" in result["tags_differ"]
    assert not any(key.startswith("mlflow.") for key in result["tags"])
    assert without_cost(result["metrics"]) == {"accuracy": [0.9, 0.9], "f1": [None, 0.5]}
    assert [key for key in result["metrics_differ"] if not key.startswith("cost.")] == ["f1"]
    versions = [tracking.fingerprint(frame(n))["sha256"][:12] for n in (500, 700)]
    assert result["data"] == {"train": [f"{versions[0]} (500 rows)", f"{versions[1]} (700 rows)"]}
    assert result["data_differ"] == ["train"]
    with tracking.start_run("train", db=db) as third:  # `train` alone records no dataset
        third.log_metric("accuracy", 0.9)
    alone = tracking.compare([store.get_run(first.id), store.get_run(third.id)])
    assert alone["data"]["train"][1] is None
    assert alone["data_differ"] == []  # unknown is no difference


def test_backend_choice_follows_the_settings(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(tracking.env_backend())
    params = project / "params.yaml"
    text = params.read_text()
    params.write_text(re.sub(r"(?m)^tracking_backend: .*$", "tracking_backend: mlflow", text))
    assert tracking.backend_choice(root=project) == "mlflow"
    monkeypatch.setenv(f"{NAME.upper()}_TRACKING_BACKEND", "local")
    assert tracking.backend_choice(root=project) == "local"
    assert tracking.backend_choice("mlflow") == "mlflow"
    monkeypatch.delenv(f"{NAME.upper()}_TRACKING_BACKEND")
    (project / ".env").write_text(f"# comment\n{NAME.upper()}_TRACKING_BACKEND=local\n")
    assert tracking.backend_choice(root=project) == "local"  # .env before params.yaml
    (project / ".env").unlink()
    with pytest.raises(tracking.TrackingError, match="unknown tracking backend"):
        tracking.backend_choice("neptune")
    params.write_text(re.sub(r"(?m)^tracking_backend: .*\n", "", text))
    assert tracking.backend_choice(root=project) == "local"
    settings = lib("settings").load_settings(project)
    assert tracking.backend_choice(root=project) == settings.tracking_backend
    assert tracking.backend_choice(root=project / "elsewhere") == "local", "no project: local"


def test_artifact_paths_are_relative_to_the_project(project: Path, db: Path) -> None:
    (project / "reports").mkdir()
    (project / "reports" / "a.txt").write_text("a")
    outside = project.parent / f"{project.name}-outside.txt"
    outside.write_text("b")
    with tracking.start_run("paths", db=db, root=project) as run:
        run.log_artifact(project / "reports" / "a.txt")
        run.log_artifact(outside)
    paths = [a["path"] for a in tracking.LocalRunStore(db).get_run(run.id)["artifacts"]]
    assert paths == ["reports/a.txt", str(outside.resolve())]


# ---------------------------------------------------------------------------------- fingerprints


EDITS = {
    "number": 1.5,
    "count": 123_456,
    "text": "edited",
    "flag": None,  # negated
    "when": pd.Timestamp("1999-12-31 23:59"),
    "kind": None,  # another category
}


@pytest.mark.parametrize("column", list(EDITS))
def test_fingerprint_changes_on_one_cell_edit(column: str) -> None:
    data = frame()
    before = tracking.fingerprint(data)["sha256"]
    edited = data.copy()
    row = 15_000  # far beyond the first 10,000 rows MLflow's digest reads
    original = data.loc[row, column]
    if column == "flag":
        new_value = not original
    elif column == "kind":
        new_value = "a" if original != "a" else "b"
    else:
        new_value = EDITS[column]
    edited.loc[row, column] = new_value
    assert edited.dtypes.equals(data.dtypes)
    assert tracking.fingerprint(edited)["sha256"] != before
    edited.loc[row, column] = original
    assert tracking.fingerprint(edited)["sha256"] == before


def test_fingerprint_stable_across_copies_and_rereads(tmp_path: Path) -> None:
    data = frame()
    expected = tracking.fingerprint(data)
    assert tracking.fingerprint(data.copy(deep=True)) == expected
    assert tracking.fingerprint(pd.DataFrame({c: data[c].copy() for c in data})) == expected

    data.to_parquet(tmp_path / "data.parquet")
    for _ in range(2):
        assert tracking.fingerprint(pd.read_parquet(tmp_path / "data.parquet")) == expected

    numeric_text = data[["number", "count", "text"]]
    numeric_text.to_csv(tmp_path / "data.csv", index=False)
    reread = pd.read_csv(tmp_path / "data.csv")
    assert tracking.fingerprint(reread) == tracking.fingerprint(numeric_text)


def test_fingerprint_sees_names_order_and_dtypes() -> None:
    data = frame(1_000)
    base = tracking.fingerprint(data)["sha256"]
    assert tracking.fingerprint(data.rename(columns={"count": "n"}))["sha256"] != base
    assert tracking.fingerprint(data.astype({"count": "float64"}))["sha256"] != base
    assert tracking.fingerprint(data.iloc[::-1])["sha256"] != base
    assert tracking.fingerprint(data.iloc[:-1])["sha256"] != base
    assert tracking.fingerprint(data[list(reversed(data.columns))])["sha256"] != base


def test_metric_values_survive_a_plain_sqlite_reader(db: Path) -> None:
    with tracking.start_run("train", db=db) as run:
        run.log_metrics({f"m{i}": float(i) for i in range(1_000)}, step=3)
    with sqlite3.connect(db) as conn:
        count, total = conn.execute(
            "SELECT COUNT(*), SUM(value) FROM metrics WHERE run_id = ? AND step = 3", (run.id,)
        ).fetchone()
    assert (count, total) == (1_000, sum(range(1_000)))
