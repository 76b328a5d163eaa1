"""The 0.2.0 migration (MLflow store ``mlruns.db`` -> ``.leanops/mlflow.db``): the script alone,
and through ``leanops update`` where Copier must run it exactly once."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest
from conftest import REPO
from template_repo import git
from test_update import V2, V3, build_template, generate

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


def checkout_bytes(project: Path) -> dict[str, bytes]:
    """Every file of the checkout (ignored ones included), outside .git."""
    return {
        str(path.relative_to(project)): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(project).parts
    }


def test_leanops_update_defers_the_store_move_to_each_checkout(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The migration runs in the update's worktree: the checkout, ignored files included, stays
    byte-identical until the merge; the follow-up it leaves moves the store afterwards."""
    project = generate(template, tmp_path / "tracked")
    (project / "mlruns.db").write_bytes(b"history")  # both ignored by git
    (project / ".env").write_text(OLD_ENV)
    before = checkout_bytes(project)
    assert main(["update", str(project), "--to", V2, "--jobs", "1", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)["projects"]
    assert checkout_bytes(project) == before  # nothing moved before the merge
    (note,) = result["notes"]
    assert "mkdir -p .leanops && mv -n mlruns.db .leanops/mlflow.db" in note
    assert note.endswith("(this checkout has it)")
    body = git(project, "log", "-1", "--format=%b", "template-update/v0.2.0")
    assert "Follow-up: 0.2.0 moved the MLflow store: after merging" in body

    # Abandoning the update leaves the checkout exactly as it was.
    git(project, "branch", "-D", "template-update/v0.2.0")
    assert checkout_bytes(project) == before

    # Merged: the follow-up, run as printed, moves the store; .env is edited as it says.
    assert main(["update", str(project), "--to", V2, "--jobs", "1", "--json"]) == 0
    capsys.readouterr()
    git(project, "merge", "-q", "--ff-only", "template-update/v0.2.0")
    command = note.split("`")[1]
    subprocess.run(["sh", "-c", command], cwd=project, check=True)
    assert (project / ".leanops" / "mlflow.db").read_bytes() == b"history"
    assert not (project / "mlruns.db").exists()

    # Going on to 0.3.0 does not run the 0.2.0 migration again.
    assert main(["update", str(project), "--to", V3, "--jobs", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["projects"][0]["notes"] == []


def test_plain_copier_update_still_moves_the_store(tmp_path: Path, monkeypatch) -> None:
    """Without leanops (no LEANOPS_CHECKOUT) the migration acts in place, as before."""
    migration = load_script()
    (tmp_path / "mlruns.db").write_bytes(b"runs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEANOPS_CHECKOUT", raising=False)
    assert migration.main() == 0
    assert (tmp_path / ".leanops" / "mlflow.db").read_bytes() == b"runs"
