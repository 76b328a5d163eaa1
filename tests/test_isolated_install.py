"""A generated project locks, installs and passes its own tests in isolation, by its README.

Copier runs as a user would (the post-copy hook locks for real and commits uv.lock and
requirements.lock); then every install command the generated README shows runs as written:
``uv sync``, ``uv run pre-commit install``, ``uv run nox -s tests`` (its own suite, in its own
locked environment), ``uv sync --locked``, the lock sessions and the plain-pip route. Nothing of
this repository's environment leaks in: VIRTUAL_ENV, UV_PROJECT_ENVIRONMENT, PYTHONPATH and
LEANOPS_SKIP_LOCK are removed. Needs the package index.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BIN, NESTED_TIMEOUT
from readme import Command, commands, project_docs
from template_repo import make_template_repo

from generator.relock import exported_in_step

pytestmark = pytest.mark.slow

LEAKS = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "LEANOPS_SKIP_LOCK", "UV_LOCKED")


def isolated(
    cwd: Path, *args: str, timeout: float = NESTED_TIMEOUT, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run with uv/copier/git reachable but no trace of this repository's virtual environment."""
    env = {key: value for key, value in os.environ.items() if key not in LEAKS}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env |= extra or {}
    return subprocess.run(
        list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (
        f"{result.args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


PROJECT, PACKAGE = "iso-project", "iso_project"
# The generated README's commands this test runs as written, in the README's order.
INSTALL_PREFIXES = ("uv sync", "uv run pre-commit", "uv run nox", "pip install")


def runs_here(command: Command) -> bool:
    """An install command of the generated README (``uv run <project> info`` too)."""
    return command.text.startswith(INSTALL_PREFIXES) or command.text == f"uv run {PROJECT} info"


def test_the_readme_install_commands_in_an_isolated_environment(tmp_path: Path) -> None:
    """The regression project (the generated suite's run for that task): copy as a user does,
    then every install command of its README as written; the suite passes in that environment."""
    project = tmp_path / PROJECT
    # A committed copy of this working tree: the project pins the runtime to a commit uv can fetch.
    template = make_template_repo(tmp_path / "template", tag="v0.4.0")
    ok(
        isolated(
            tmp_path,
            str(BIN / "copier"),
            "copy",
            "--defaults",
            "--trust",
            "--quiet",
            f"--data=project_name={PROJECT}",
            "--data=ml_task=regression",
            str(template),
            str(project),
        )
    )
    # The hook locked, exported and committed both lock files: the tree is clean.
    tracked = ok(isolated(project, "git", "ls-files")).split()
    assert {"uv.lock", "requirements.lock"} <= set(tracked)
    assert ok(isolated(project, "git", "status", "--porcelain")) == ""
    requirements = (project / "requirements.lock").read_text(encoding="utf-8")
    assert "--hash=sha256:" in requirements
    assert "\nscikit-learn==" in requirements
    # The runtime is a git pin (pip cannot hash one): installed after these, from the commit.
    assert not any(line.startswith("leanops-runtime") for line in requirements.splitlines())
    assert "\npytest==" not in requirements  # runtime pins only
    assert exported_in_step(project) is True  # leanops check LO203, on a real export

    shown = commands(project_docs(project))
    install = [c.text for c in shown if runs_here(c)]
    assert install[:3] == ["uv sync", "uv run pre-commit install", "uv run nox -s tests"]
    # A virtual environment with pip, for the plain-pip route (the README starts there). uv seeds
    # pip from its cache; `python -m venv` would unpack and byte-compile its bundled pip (6 s).
    fallback = tmp_path / "pip-venv"
    ok(
        isolated(
            tmp_path, "uv", "venv", "--quiet", "--seed", "--python", sys.executable, str(fallback)
        )
    )
    for text in install:
        if text.startswith("pip install"):  # the plain-pip route, in a virtual environment
            env = {"PATH": f"{fallback / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
            # No bytecode compiled at install: this environment only runs `info`. pip gives the
            # variable's truth to the option `--no-compile` negates ("compile"): "0" is
            # --no-compile; "1" compiled all 4,600 modules (14 s of CPU).
            env["PIP_NO_COMPILE"] = "0"
            ok(isolated(project, "bash", "-c", text, extra=env))
            assert not any(fallback.glob("lib/*/site-packages/pandas/__pycache__")), text
            continue
        # No bytecode compiled at install, whatever this machine's uv is told: .venv runs nox,
        # pre-commit and `info` only, and the nox sessions write theirs on first import.
        quick = {"UV_COMPILE_BYTECODE": "0"} if text.startswith("uv ") else None
        result = isolated(project, "bash", "-c", text, extra=quick)
        ok(result)
        if text == "uv run nox -s tests":
            assert " passed" in result.stdout + result.stderr
            assert (project / ".nox" / "tests").is_dir()
        if text.endswith(" info"):
            digest = hashlib.sha256((project / "uv.lock").read_bytes()).hexdigest()
            assert digest in result.stdout
        if text == "uv run nox -s lock":  # idempotent on a fresh lock
            assert ok(isolated(project, "git", "status", "--porcelain")) == ""
    assert (project / ".git" / "hooks" / "pre-commit").is_file()
    # The pip route gave a working install of the project (its CLI runs).
    ok(isolated(project, str(fallback / "bin" / "python"), "-m", PACKAGE, "info"))

    # A dependency added without relocking: every locked install refuses it.
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    added = text.replace('  "pandas>=2.2",', '  "pandas>=2.2",\n  "tabulate>=0.9",', 1)
    pyproject.write_text(added)
    assert "tabulate" in pyproject.read_text(encoding="utf-8")
    refused = isolated(project, "uv", "sync", "--locked")
    assert refused.returncode != 0
    assert "lock" in refused.stderr.lower()
