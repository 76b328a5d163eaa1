"""The post-copy hook: commits a new project, leaves an existing repository alone, and fails only
when the project could never find its template again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import copier
import pytest
from conftest import REPO
from copier.errors import TaskError

HOOK = REPO / "hooks" / "post_copy.py"


def run_hook(
    project: Path, path: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    # The caller's git identity variables would name the commit's author over the answers'
    # (as git should); each test sets what it checks.
    identity = {"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"}
    inherited = {k: v for k, v in os.environ.items() if k not in identity | {"EMAIL"}}
    environment = {**inherited, "LEANOPS_SKIP_LOCK": "1", **env}
    if path is not None:
        environment["PATH"] = path
    return subprocess.run(
        [sys.executable, str(HOOK), "--author-name=Ann", "--author-email=ann@example.com"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_new_folder_gets_a_first_commit(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("hi\n")
    result = run_hook(tmp_path, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_SYSTEM="/dev/null")
    assert result.returncode == 0, result.stderr
    log = subprocess.run(
        ["git", "log", "--format=%an <%ae>|%s"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert log.stdout.startswith("Ann <ann@example.com>|Generate project from the leanops template")
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=tmp_path, capture_output=True, check=True
    )
    assert status.stdout == b""


def test_inside_an_existing_repository_nothing_is_committed(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    project = tmp_path / "sub"
    project.mkdir()
    (project / "README.md").write_text("hi\n")
    result = run_hook(project)
    assert result.returncode == 0
    assert "inside an existing git repository" in result.stderr
    assert not (project / ".git").exists()


def test_without_git_the_hook_says_how_and_succeeds(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    project = tmp_path / "p"
    project.mkdir()
    result = run_hook(project, path=str(bin_dir))
    assert result.returncode == 0
    assert "git not found" in result.stderr
    assert not (project / ".git").exists()


def test_without_uv_the_hook_says_how_to_lock(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    git = shutil.which("git")
    assert git is not None
    (bin_dir / "git").symlink_to(git)
    environment = {**os.environ, "PATH": str(bin_dir)}
    environment.pop("LEANOPS_SKIP_LOCK", None)
    project = tmp_path / "p"
    project.mkdir()
    result = subprocess.run(
        [sys.executable, str(HOOK)],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "uv not found" in result.stderr
    assert "uv lock" in result.stderr


def test_a_pin_to_a_commit_the_template_checkout_lacks_is_named_with_the_fix(
    tmp_path: Path,
) -> None:
    """A dirty local template is rendered from Copier's temporary commit: uv could not fetch
    the runtime at it, so the hook says why and how, and does not try to lock."""
    checkout = tmp_path / "template"
    checkout.mkdir()
    git = ["git", "-C", str(checkout), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q", str(checkout)], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "one"], check=True)
    head = subprocess.run(
        [*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    project = tmp_path / "p"
    project.mkdir()
    pin = 'leanops-runtime = {{ git = "file://{}", rev = "{}", subdirectory = "runtime" }}\n'
    pyproject = project / "pyproject.toml"
    pyproject.write_text("[tool.uv.sources]\n" + pin.format(checkout, "0" * 40))
    result = run_hook(project, LEANOPS_SKIP_LOCK="")
    assert result.returncode == 0
    assert (
        f"the runtime is pinned to {'0' * 12}, which is not a commit of {checkout}" in result.stderr
    )
    assert f"render its last commit: --vcs-ref {head} " in result.stderr
    assert "uv lock" not in result.stderr  # not tried: it would fail with "not our ref"
    pyproject.write_text("[tool.uv.sources]\n" + pin.format(checkout, head))
    result = run_hook(project, LEANOPS_SKIP_LOCK="1")
    assert "not a commit of" not in result.stderr


def test_a_relative_source_is_refused_and_the_new_folder_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``copier copy leanops p`` from the checkout's parent records ``leanops``: uv cannot
    install the runtime from ``file://leanops``. The task fails, naming the absolute path, and
    Copier removes the folder it made."""
    monkeypatch.chdir(REPO.parent)
    monkeypatch.setenv("PWD", str(REPO.parent))
    monkeypatch.setenv("LEANOPS_SKIP_LOCK", "1")
    project = tmp_path / "p"
    with pytest.raises(TaskError):
        copier.run_copy(REPO.name, project, defaults=True, unsafe=True, quiet=True)
    assert not project.exists()


@pytest.mark.parametrize("given", ["leanops", "../leanops"])
def test_the_refusal_names_the_absolute_path_and_commits_nothing(
    tmp_path: Path, given: str
) -> None:
    """From another folder, or from the project folder itself (``copier copy ../leanops .``):
    either way the pin would be a relative file URL."""
    checkout = tmp_path / "leanops"
    checkout.mkdir()
    (checkout / "copier.yml").write_text("_subdirectory: template\n")
    project = tmp_path / "p"
    project.mkdir()
    pin = 'leanops-runtime = { git = "file://%s", rev = "%s", subdirectory = "runtime" }\n'
    (project / "pyproject.toml").write_text("[tool.uv.sources]\n" + pin % (given, "0" * 40))
    shell = tmp_path if given == "leanops" else project
    result = run_hook(project, PWD=str(shell))
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"leanops: the template was given as the relative path {given!r}"
    )
    assert len(result.stderr.splitlines()) == 1
    assert f"the checkout's absolute path ({checkout})" in result.stderr
    assert not (project / ".git").exists()
    # Without the shell's folder the refusal stands, without a path to suggest.
    result = run_hook(project, PWD="")
    assert result.returncode == 1
    assert "the checkout's absolute path, or use leanops new" in result.stderr
    # Copier run by a program in another folder than its shell's (``cwd=``, ``make -C``): the
    # folder of the process that runs the task, not a stale PWD, is where the path starts.
    parent = (
        "import subprocess, sys; sys.exit(subprocess.run(sys.argv[2:], cwd=sys.argv[1]).returncode)"
    )
    result = subprocess.run(
        [sys.executable, "-c", parent, str(project), sys.executable, str(HOOK)],
        cwd=shell,
        env={**os.environ, "LEANOPS_SKIP_LOCK": "1", "PWD": "/"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert f"the checkout's absolute path ({checkout})" in result.stderr


@pytest.mark.parametrize(
    ("printed", "reason"),
    [
        (
            [
                "Using CPython 3.11",
                "error: Failed to download CPython 3.15.2",
                "  Caused by: failed to lookup address information: Name or service not known",
            ],
            "Failed to download CPython 3.15.2",
        ),
        (
            [
                "Using CPython 3.11.7 interpreter at: /usr/bin/python3",
                "  \N{MULTIPLICATION SIGN} No solution found when resolving dependencies:",
                "  ╰─▶ Because pandas>=9 was not found in the package registry",
            ],
            "No solution found when resolving dependencies:",
        ),
    ],
)
def test_a_failed_lock_is_named_by_uvs_error_line(
    tmp_path: Path, printed: list[str], reason: str
) -> None:
    """uv ends with the tail of what failed under it (a DNS lookup, git's advice) and starts
    with progress: the message quotes uv's own ``error:`` line (or the one it marks with a
    cross)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    echoes = "".join(f"echo '{line}' >&2\n" for line in printed)
    (bin_dir / "uv").write_text(f"#!/bin/sh\n{echoes}exit 2\n")
    (bin_dir / "uv").chmod(0o755)
    git = shutil.which("git")
    assert git is not None
    (bin_dir / "git").symlink_to(git)
    project = tmp_path / "p"
    project.mkdir()
    result = run_hook(project, path=str(bin_dir), LEANOPS_SKIP_LOCK="")
    assert result.returncode == 0
    assert f"uv lock failed ({reason}); fix it" in result.stderr
