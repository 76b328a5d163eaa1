"""Every output option refuses what the project keeps: the registry, its audit log, the held-out
rows, model files, the tracking stores, the settings and the allowlist, the project's code,
data, tooling and documents, and any file git tracks (one line, exit 2, the file untouched),
through a symbolic link too, whichever backend and ``models_dir``. A file a command wrote itself
may be written again, even once committed, unless it was edited since."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import pytest
from _models import fit, open_line, register, training_data
from _package import lib

cli = lib("cli")
config = lib("settings")

OUTPUTS = {
    "predict": ["predict", "batch.csv", "-o"],
    "drift": ["drift", "batch.csv", "--report"],
    "runs export": ["runs", "export", "--format", "csv", "-o"],
    "report": ["report", "-o"],
}
SUFFIX = {"predict": ".csv", "drift": ".json", "runs export": ".csv", "report": ".html"}


@pytest.fixture
def kept(project: Path) -> dict[str, Path]:
    """A registry with a production model, a tracked run and a batch; what must never change."""
    settings = config.load_settings(project)
    registry = open_line(project)
    register(registry, settings, fit(settings))
    registry.set_production(1)
    with lib("tracking").start_run("run", db=settings.tracking_db):
        pass
    _, test = training_data(settings)
    test.drop(columns=["target"]).to_csv(project / "batch.csv", index=False)
    line = registry.dir
    return {
        "audit log": line / "audit.jsonl",
        "held-out rows": line / "v1" / "holdout.parquet",
        "model file": line / "v1" / "model.skops",
        "reference": line / "v1" / "reference.json",
        "tracking store": settings.tracking_db,
        "settings": project / "params.yaml",
        "allowlist": project / "trusted-types.txt",
        "input": project / "batch.csv",
    }


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


KEPT = ["audit log", "held-out rows", "model file", "reference", "tracking store", "settings"]
CASES = [
    (command, target)
    for command in OUTPUTS
    for target in [*KEPT, "allowlist", *(["input"] if command in ("predict", "drift") else [])]
]


@pytest.mark.parametrize(("command", "target"), CASES)
def test_outputs_never_replace_what_the_project_keeps(
    project: Path,
    kept: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    command: str,
    target: str,
) -> None:
    path = kept[target]
    before = digest(path)
    capsys.readouterr()
    assert cli.main([*OUTPUTS[command], str(path.relative_to(project))]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: refusing to write output to"), err
    assert err.count("\n") == 1
    assert digest(path) == before


@pytest.mark.parametrize("command", list(OUTPUTS))
def test_a_symbolic_link_cannot_smuggle_an_output_into_the_registry(
    project: Path, kept: dict[str, Path], capsys: pytest.CaptureFixture[str], command: str
) -> None:
    (project / "reports").mkdir(exist_ok=True)
    link = project / "reports" / "out.csv"
    link.symlink_to(kept["held-out rows"])
    before = digest(kept["held-out rows"])
    assert cli.main([*OUTPUTS[command], "reports/out.csv"]) == 2
    assert "refusing to write output" in capsys.readouterr().err
    assert digest(kept["held-out rows"]) == before


def test_a_moved_models_dir_is_guarded_too(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(f"{config.ENV_PREFIX}MODELS_DIR", "shared/registry")
    settings = config.load_settings(project)
    registry = open_line(project)
    register(registry, settings, fit(settings))
    registry.set_production(1)
    _, test = training_data(settings)
    test.drop(columns=["target"]).to_csv(project / "batch.csv", index=False)
    target = registry.dir / "audit.jsonl"
    before = digest(target)
    assert cli.main(["predict", "batch.csv", "-o", str(target)]) == 2
    assert "shared/registry is kept by the project" in capsys.readouterr().err
    assert digest(target) == before


def test_team_mode_guards_the_same_places(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the MLflow backend the registry is on the server; local places stay guarded."""
    monkeypatch.setenv(f"{config.ENV_PREFIX}TRACKING_BACKEND", "mlflow")
    args: Any = type("Args", (), {"root": project})()
    output_path = lib("cli.app").output_path
    refused = lib("files").OutputRefusedError
    for target in ("models/x.csv", ".leanops/mlflow.db", "params.yaml", "trusted-types.txt"):
        with pytest.raises(refused):
            output_path(args, project / target)
    assert output_path(args, project / "reports" / "ok.csv") == project / "reports" / "ok.csv"


# The project's own files, each a kind of path an output must never replace: its documents and
# tooling (tracked or not: the project may not be a git repository yet), code, contracts, data.
PROJECT_FILES = [
    "README.md",
    ".gitignore",
    "noxfile.py",
    "Dockerfile",
    "LICENSE",
    ".pre-commit-config.yaml",
    ".github/workflows/ci.yml",
    "pyproject.toml",
    "src/pkg/module.py",
    "tests/test_mine.py",
    "contracts/other.yaml",
    "data/new/other.csv",
    "data/raw/export.csv",
]


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(folder), *args],
        check=True,
        capture_output=True,
    )


@pytest.mark.parametrize("command", list(OUTPUTS))
def test_outputs_never_replace_the_projects_own_files(
    project: Path, kept: dict[str, Path], capsys: pytest.CaptureFixture[str], command: str
) -> None:
    for name in PROJECT_FILES:
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"the team's {name}\n")
    for name in PROJECT_FILES:
        capsys.readouterr()
        assert cli.main([*OUTPUTS[command], name]) == 2, name
        err = capsys.readouterr().err
        assert err.startswith("error: refusing to write output to"), err
        assert err.count("\n") == 1, err
        assert (project / name).read_text() == f"the team's {name}\n", name


@pytest.mark.parametrize("command", list(OUTPUTS))
def test_outputs_never_replace_the_reports_other_commands_read(
    project: Path, kept: dict[str, Path], capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """The metrics a version was registered with, the project's status and a contract check's
    report are read by other commands (report, status, leanops status): given by hand as an
    output, each is refused, there or not yet."""
    (project / "reports").mkdir(exist_ok=True)
    (project / "reports" / "metrics.json").write_text('{"model_version": 1}\n')
    for name in ("metrics.json", "status.json", "contract_churn.json"):
        capsys.readouterr()
        assert cli.main([*OUTPUTS[command], f"reports/{name}"]) == 2, name
        err = capsys.readouterr().err
        assert err.startswith(f"error: refusing to write output to reports/{name}: other "), err
        assert err.count("\n") == 1, err
    assert (project / "reports" / "metrics.json").read_text() == '{"model_version": 1}\n'
    assert not (project / "reports" / "status.json").exists()


@pytest.mark.parametrize("command", list(OUTPUTS))
def test_a_tracked_file_is_refused_unless_the_command_wrote_it(
    project: Path,
    kept: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    git(project, "init", "-q")
    notes = project / "docs" / "notes.md"
    notes.parent.mkdir()
    notes.write_text("the team's notes\n")
    other = tmp_path_factory.mktemp("other-repo")  # another project's tracked file
    git(other, "init", "-q")
    (other / "README.md").write_text("another project\n")
    git(other, "add", "README.md")
    git(project, "add", "docs/notes.md")
    for target in (str(notes), str(other / "README.md")):
        assert cli.main([*OUTPUTS[command], target]) == 2
        assert "git tracks it and no command wrote it" in capsys.readouterr().err
    assert notes.read_text() == "the team's notes\n"
    assert (other / "README.md").read_text() == "another project\n"

    name = f"docs/output{SUFFIX[command]}"  # an output the team commits
    assert cli.main([*OUTPUTS[command], name]) == 0
    git(project, "add", name)
    assert cli.main([*OUTPUTS[command], name]) == 0, "its own output, rewritten"
    kept_output = project / name
    kept_output.write_text("edited by hand\n")
    capsys.readouterr()
    assert cli.main([*OUTPUTS[command], name]) == 2, "changed since: refused"
    assert "git tracks it" in capsys.readouterr().err
    assert kept_output.read_text() == "edited by hand\n"
