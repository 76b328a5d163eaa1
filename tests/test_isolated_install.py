"""F5, end to end: a generated project locks, installs and passes its own tests in isolation.

Copier runs as a user would (the post-copy hook locks for real and commits uv.lock and
requirements.lock); the project gets its own ``.venv`` from ``uv sync --locked`` and runs its own
``nox -s tests`` (uv backend). Nothing of this repository's environment leaks in: VIRTUAL_ENV,
UV_PROJECT_ENVIRONMENT, PYTHONPATH and LEANOPS_SKIP_LOCK are removed. Needs the package index.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, REPO

pytestmark = pytest.mark.slow

LEAKS = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "LEANOPS_SKIP_LOCK", "UV_LOCKED")


def isolated(cwd: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run with uv/copier/git reachable but no trace of this repository's virtual environment."""
    env = {key: value for key, value in os.environ.items() if key not in LEAKS}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (
        f"{result.args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


def test_lock_sync_and_project_tests_in_an_isolated_environment(tmp_path: Path) -> None:
    project = tmp_path / "iso-project"
    ok(
        isolated(
            tmp_path,
            str(BIN / "copier"),
            "copy",
            "--defaults",
            "--trust",
            "--vcs-ref=HEAD",
            "--quiet",
            "--data=project_name=iso-project",
            str(REPO),
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
    assert "\npytest==" not in requirements  # runtime pins only

    ok(isolated(project, "uv", "sync", "--locked"))
    assert (project / ".venv" / "bin" / "python").exists()
    info = ok(isolated(project, "uv", "run", "--no-sync", "iso-project", "info"))
    assert __import__("hashlib").sha256((project / "uv.lock").read_bytes()).hexdigest() in info

    tests = isolated(project, "uv", "run", "--no-sync", "nox", "-s", "tests", "--", "-q")
    ok(tests)
    assert " passed" in tests.stdout + tests.stderr
    assert (project / ".nox" / "tests").is_dir()

    # The lock session is idempotent on a fresh lock: nothing changes.
    ok(isolated(project, "uv", "run", "--no-sync", "nox", "-s", "lock"))
    assert ok(isolated(project, "git", "status", "--porcelain")) == ""

    # A dependency added without relocking: every locked install refuses it.
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace('  "numpy>=2",', '  "numpy>=2",\n  "tabulate>=0.9",', 1))
    assert "tabulate" in pyproject.read_text(encoding="utf-8")
    refused = isolated(project, "uv", "sync", "--locked")
    assert refused.returncode != 0
    assert "lock" in refused.stderr.lower()
