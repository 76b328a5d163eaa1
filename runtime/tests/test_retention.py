"""``prune``: deletes what the retention policy lets go, audited, and never what production,
the candidate or a rollback needs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _package import NAME, lib

cli = lib("cli")
config = lib("settings")
registry_package = lib("registry")
tracking = lib("tracking")


def policy(monkeypatch: pytest.MonkeyPatch, runs: int, versions: int, days: float) -> None:
    prefix = f"{NAME.upper()}_RETENTION__"
    monkeypatch.setenv(f"{prefix}KEEP_RUNS", str(runs))
    monkeypatch.setenv(f"{prefix}KEEP_VERSIONS", str(versions))
    monkeypatch.setenv(f"{prefix}KEEP_DAYS", str(days))


def train_on(project: Path, rows: int) -> None:
    """Run the pipeline on the first ``rows`` rows of the embedded data (a data version each)."""
    dataset = config.load_settings(project).data.dataset
    raw = project / "data" / "raw" / f"{dataset}.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)
    lib("data").load_embedded(dataset).head(rows).to_csv(raw, index=False)
    assert cli.main(["pipeline"]) == 0


@pytest.fixture
def history(project: Path) -> Path:
    """v1 production then rolled past (on the stack), v2 production, v3 neither, v4 candidate;
    each trained on its own data version."""
    for rows in (400, 380, 360):
        train_on(project, rows)
    assert cli.main(["promote", "--version", "v1"]) == 0
    assert cli.main(["promote", "--version", "v2", "--force", "--reason", "test"]) == 0
    train_on(project, 340)
    return project


def registry(project: Path) -> object:
    return registry_package.open_registry(config.load_settings(project), project)


def test_nothing_younger_than_keep_days_goes(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(str(path) for path in history.rglob("*") if path.is_file())
    capsys.readouterr()
    assert cli.main(["prune"]) == 0
    assert "nothing to prune" in capsys.readouterr().err
    assert sorted(str(path) for path in history.rglob("*") if path.is_file()) == before


def test_dry_run_lists_what_would_go_and_changes_nothing(
    history: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    policy(monkeypatch, runs=1, versions=1, days=0)
    audit = (history / "models").rglob("audit.jsonl")
    before = [path.read_bytes() for path in audit]
    store = tracking.run_store(config.load_settings(history), history)
    runs_before = len(store.list_runs())
    capsys.readouterr()
    assert cli.main(["prune", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    models = [line.split()[1:3] for line in out.splitlines() if line.startswith("model")]
    dataset = config.load_settings(history).data.dataset
    assert models == [[dataset, "v3"]]
    assert "would delete" in err
    assert [path.read_bytes() for path in (history / "models").rglob("audit.jsonl")] == before
    assert len(store.list_runs()) == runs_before


def test_prune_deletes_only_what_nothing_kept_needs_and_audits_it(
    history: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    policy(monkeypatch, runs=1, versions=1, days=0)
    line = registry(history)
    state = line.state()
    assert (state.production, state.candidate, state.stack) == (2, 4, [1])
    kept_runs = {line.entry(number)["run_id"] for number in (1, 2, 4)}
    doomed_run = line.entry(3)["run_id"]
    kept_data = {line.entry(number)["data_fingerprint"]["sha256"] for number in (1, 2, 4)}
    doomed_data = line.entry(3)["data_fingerprint"]["sha256"]

    assert cli.main(["prune", "--reason", "storage bill"]) == 0

    state = line.state()
    assert state.pruned == {3}
    assert not (line.dir / "v3").exists()
    assert all((line.dir / f"v{number}" / "model.skops").is_file() for number in (1, 2, 4))
    record = line.audit()[-1]
    assert (record["action"], record["to"], record["reason"]) == ("prune", 3, "storage bill")
    store = tracking.run_store(config.load_settings(history), history)
    ids = {run["id"] for run in store.list_runs()}
    assert kept_runs <= ids and doomed_run not in ids
    prune_run = store.list_runs(name="prune")[0]
    assert "v3" in json.dumps(store.get_run(prune_run["id"])["params"]["deleted"])
    data = {path.stem for path in (history / ".leanops" / "data").glob("*.parquet")}
    assert kept_data <= data and doomed_data not in data

    capsys.readouterr()
    assert cli.main(["runs", "show", doomed_run[:8]]) == 2  # gone, and it says by what
    assert f"run {doomed_run[:8]} was deleted by prune on " in capsys.readouterr().err
    assert cli.main(["runs", "show", "f" * 12]) == 2  # never there: as before
    assert "no run with id" in capsys.readouterr().err
    assert cli.main(["data", "restore", doomed_run[:8]]) == 2
    assert f"run {doomed_run[:8]} was deleted by prune on " in capsys.readouterr().err
    assert cli.main(["models"]) == 0
    assert "files pruned" in capsys.readouterr().out
    assert cli.main(["models", "--audit", "1"]) == 0  # the version pruned, not a move
    assert re.search(r"prune\s+\S*\s*v3 \(files deleted\)\s+storage bill", capsys.readouterr().out)
    assert cli.main(["promote", "--version", "v3", "--force", "--reason", "x"]) == 2
    assert "deleted by prune" in capsys.readouterr().err
    assert cli.main(["rollback", "--to", "v3"]) == 2  # not "promote it instead"
    err = capsys.readouterr().err
    assert (
        "its files were deleted by prune, so it can be neither rolled back to nor promoted" in err
    )
    assert cli.main(["data", "restore", "v3"]) == 2  # its data went with it, and it says why
    assert "(model v3 was pruned by retention: `models --audit` shows when)" in (
        capsys.readouterr().err
    )
    assert cli.main(["rollback"]) == 0  # production's rollback target was never at risk
    assert line.state().production == 1

    assert cli.main(["prune"]) == 0  # v2, rolled back from, is needed by nothing any more
    assert line.state().pruned == {2, 3}
    assert cli.main(["models"]) == 0  # production v1 still loads, and its files are checked


def test_pruning_again_deletes_nothing_more(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """prune's own runs are not among the newest keep_runs: they would push real runs out."""
    policy(monkeypatch, runs=1, versions=1, days=0)
    assert cli.main(["evaluate"]) == 0  # the newest run, and nothing else needs it
    store = tracking.run_store(config.load_settings(history), history)
    newest = store.list_runs()[0]["id"]
    assert cli.main(["prune"]) == 0
    work = {run["id"] for run in store.list_runs() if run["name"] != "prune"}
    assert newest in work
    assert cli.main(["prune"]) == 0
    assert {run["id"] for run in store.list_runs() if run["name"] != "prune"} == work


def test_prune_refuses_an_mlflow_project_in_one_line(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(tracking.env_backend(), "mlflow")
    assert cli.main(["prune", "--dry-run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "mlflow gc" in err[0]


def test_a_prune_record_of_an_aliased_version_is_refused_and_one_of_the_stack_leaves_it() -> None:
    records = lib("registry.records")
    state = records.State(production=2, candidate=3, stack=[1], versions={1: {}, 2: {}, 3: {}})
    for version in (2, 3):
        assert state.keeps(version, rollbacks=0)
        record = {"action": "prune", "alias": "", "from": 2, "to": version}
        with pytest.raises(records.RegistryError, match="cannot be pruned"):
            records.apply(state, record, "record 9")
    assert state.keeps(1) and not state.keeps(1, rollbacks=0)
    records.apply(state, {"action": "prune", "alias": "", "from": 2, "to": 1}, "record 9")
    assert (state.pruned, state.stack, state.fallback()) == ({1}, [], None)
    assert state.dropped == {1}  # a rollback target prune took: rollback names it
    state.versions[4] = {}
    records.apply(state, {"action": "prune", "alias": "", "from": 2, "to": 4}, "record 10")
    assert state.dropped == {1}  # never a rollback target: not named by rollback


def test_data_list_marks_a_pruned_model_beside_a_kept_one_of_the_same_data(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for rows in (400, 400, 380):  # v1 and v2 on the same table
        train_on(project, rows)
    for version in ("v1", "v2", "v3"):
        assert cli.main(["promote", "--version", version, "--force", "--reason", "w"]) == 0
    policy(monkeypatch, runs=1, versions=1, days=0)
    monkeypatch.setenv(f"{NAME.upper()}_RETENTION__KEEP_ROLLBACKS", "1")
    assert cli.main(["prune"]) == 0
    assert registry(project).state().pruned == {1}
    capsys.readouterr()
    assert cli.main(["data", "list"]) == 0
    assert re.search(r"v1 \(pruned\), v2\b", capsys.readouterr().out)


def test_keep_rollbacks_counts_distinct_versions_from_the_latest() -> None:
    state = lib("registry.records").State(production=5, stack=[1, 2, 3])
    assert all(state.keeps(version, rollbacks=5) for version in (1, 2, 3))  # fewer than 5
    assert [v for v in (1, 2, 3) if state.keeps(v, rollbacks=2)] == [2, 3]
    state.stack = [3, 2, 1, 2]  # v2 was production twice
    assert [v for v in (1, 2, 3) if state.keeps(v, rollbacks=3)] == [1, 2, 3]
    assert [v for v in (1, 2, 3) if state.keeps(v, rollbacks=2)] == [1, 2]


def test_only_the_latest_keep_rollbacks_earlier_productions_are_kept(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A year of weekly promotions would otherwise keep every model that was ever production."""
    for rows in (400, 380, 360, 340):
        train_on(project, rows)
    for version in ("v1", "v2", "v3", "v4"):
        assert cli.main(["promote", "--version", version, "--force", "--reason", "w"]) == 0
    line = registry(project)
    assert (line.state().production, line.state().stack) == (4, [1, 2, 3])
    policy(monkeypatch, runs=1, versions=1, days=0)
    monkeypatch.setenv(f"{NAME.upper()}_RETENTION__KEEP_ROLLBACKS", "2")
    capsys.readouterr()
    assert cli.main(["prune", "--dry-run"]) == 0
    assert "/ 2 rollbacks" in capsys.readouterr().err
    assert line.state().pruned == set()

    assert cli.main(["prune"]) == 0
    state = line.state()
    assert (state.pruned, state.stack) == ({1}, [2, 3])
    assert not (line.dir / "v1").exists()
    assert cli.main(["rollback", "--to", "v1", "--reason", "x"]) == 2
    assert "its files were deleted by prune" in capsys.readouterr().err
    assert cli.main(["rollback", "--reason", "x"]) == 0  # the kept ones still serve
    assert cli.main(["rollback", "--reason", "x"]) == 0
    assert line.state().production == 2
    assert cli.main(["models"]) == 0
    capsys.readouterr()
    assert cli.main(["rollback", "--reason", "x"]) == 2  # v1 was, but its files are gone
    err = capsys.readouterr().err
    assert "nothing to roll back to: v1 was production before v2, and prune deleted its" in err
