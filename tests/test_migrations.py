"""The 0.2.0 migration (MLflow store ``mlruns.db`` -> ``.leanops/mlflow.db``): the script alone,
and through ``leanops update`` where Copier must run it exactly once."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from conftest import REPO
from template_repo import git
from test_update import V2, V3, build_template, generate, head

from generator.cli import main

SCRIPT = REPO / "hooks" / "migrations" / "v0_2_0_mlflow_store.py"
OLD_ENV = "MLFLOW_TRACKING_URI=sqlite:///mlruns.db\nOTHER=1\n"


def load_script():
    spec = importlib.util.spec_from_file_location("mlflow_store_migration", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_moves_the_store_with_its_wal_and_rewrites_env(tmp_path: Path) -> None:
    migration = load_script()
    (tmp_path / "mlruns.db").write_bytes(b"runs")
    (tmp_path / "mlruns.db-wal").write_bytes(b"wal")
    (tmp_path / ".env").write_text(OLD_ENV)
    assert migration.move_store(tmp_path)
    assert migration.rewrite_env(tmp_path)
    assert (tmp_path / ".leanops" / "mlflow.db").read_bytes() == b"runs"
    assert (tmp_path / ".leanops" / "mlflow.db-wal").read_bytes() == b"wal"
    assert not (tmp_path / "mlruns.db").exists()
    assert (tmp_path / ".env").read_text() == (
        "MLFLOW_TRACKING_URI=sqlite:///.leanops/mlflow.db\nOTHER=1\n"
    )
    # Idempotent: a second run finds nothing to do.
    assert not migration.move_store(tmp_path)
    assert not migration.rewrite_env(tmp_path)


def test_never_overwrites_an_existing_new_store(tmp_path: Path) -> None:
    migration = load_script()
    (tmp_path / "mlruns.db").write_bytes(b"old")
    (tmp_path / ".leanops").mkdir()
    (tmp_path / ".leanops" / "mlflow.db").write_bytes(b"new")
    assert not migration.move_store(tmp_path)
    assert (tmp_path / "mlruns.db").read_bytes() == b"old"
    assert (tmp_path / ".leanops" / "mlflow.db").read_bytes() == b"new"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("migrations") / "template")


def test_update_runs_the_migration_once(template: Path, tmp_path: Path) -> None:
    project = generate(template, tmp_path / "tracked")
    (project / "mlruns.db").write_bytes(b"history")  # both ignored by git
    (project / ".env").write_text(OLD_ENV)
    assert main(["update", str(project), "--to", V2, "--jobs", "1", "--json"]) == 0
    assert (project / ".leanops" / "mlflow.db").read_bytes() == b"history"
    assert not (project / "mlruns.db").exists()
    assert "sqlite:///.leanops/mlflow.db" in (project / ".env").read_text()

    # Merge the update, then go to 0.3.0: the 0.2.0 migration must not run again.
    assert main(["update", str(project), "--check", "--json"]) == 1
    git(project, "merge", "-q", "--ff-only", "template-update/v0.2.0")
    (project / "mlruns.db").write_bytes(b"a new store")
    before = head(project)
    assert main(["update", str(project), "--to", V3, "--jobs", "1", "--json"]) == 0
    assert head(project) == before
    assert (project / "mlruns.db").read_bytes() == b"a new store"
    assert (project / ".leanops" / "mlflow.db").read_bytes() == b"history"
