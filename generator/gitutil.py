"""Git through ``subprocess``: one-line errors, the status split the updater needs, conflicts.

Every helper takes the folder to run in; nothing here changes a work tree except the commands a
caller passes to :func:`git`.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LeanopsError

UNMERGED = frozenset({"DD", "AU", "UD", "UA", "DU", "AA", "UU"})
# Copier's inline conflicts: "<<<<<<< before updating" ... ">>>>>>> after updating".
MARKERS = re.compile(rb"^<<<<<<< .*^>>>>>>> ", re.MULTILINE | re.DOTALL)
COPIER_MARKER_LINES = ("^<<<<<<< before updating$", "^>>>>>>> after updating$")
MAX_SCANNED_BYTES = 5_000_000
# Options for every command: no signing prompt, and no hook of the user's runs in our worktrees.
BASE_OPTIONS = ("-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null")


class GitError(LeanopsError):
    """A git command failed; the message is git's first error line."""


def first_line(text: str, fallback: str) -> str:
    """The first non-empty line of ``text`` (git's ``fatal: `` prefix removed)."""
    for line in text.splitlines():
        if line.strip():
            return line.strip().removeprefix("fatal: ").removeprefix("error: ")
    return fallback


def run_git(
    repo: Path, *args: str, input_text: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``git -C repo args``; a missing git is a one-line error."""
    try:
        return subprocess.run(
            ["git", *BASE_OPTIONS, "-C", str(repo), *args],
            capture_output=True,
            text=True,
            input=input_text,
            env=env,
            check=False,
        )
    except FileNotFoundError as error:
        raise GitError("git is not installed; leanops needs it") from error


def git(repo: Path, *args: str, check: bool = True, input_text: str | None = None) -> str:
    """Run ``git -C repo args`` and return stdout; a failure raises :class:`GitError`."""
    result = run_git(repo, *args, input_text=input_text)
    if check and result.returncode != 0:
        reason = first_line(result.stderr, f"exit {result.returncode}")
        raise GitError(f"git {' '.join(args[:2])} failed in {repo}: {reason}")
    return result.stdout


def git_bytes(repo: Path, spec: str) -> bytes | None:
    """A blob's bytes (``git show REV:path``), or None when there is no such blob."""
    result = subprocess.run(
        ["git", "-C", str(repo), "show", spec], capture_output=True, check=False
    )
    return result.stdout if result.returncode == 0 else None


@dataclass(frozen=True)
class Repo:
    """The git repository holding a project: its work tree, shared git folder and HEAD."""

    top: Path
    common_dir: Path
    head: str  # the commit HEAD points at ("" in a repository without commits)
    branch: str  # the checked-out branch, "" when HEAD is detached


def find_repo(path: Path) -> Repo | None:
    """The repository whose work tree holds ``path``, or None outside git."""
    result = run_git(path, "rev-parse", "--show-toplevel", "--git-common-dir")
    if result.returncode != 0:
        return None
    top_text, common_text = result.stdout.splitlines()[:2]
    top = Path(top_text)
    common = Path(common_text)
    common = (path / common if not common.is_absolute() else common).resolve()
    head = run_git(top, "rev-parse", "-q", "--verify", "HEAD^{commit}").stdout.strip()
    branch = run_git(top, "symbolic-ref", "-q", "--short", "HEAD").stdout.strip()
    return Repo(top.resolve(), common, head, branch)


def identity_options(repo: Path) -> list[str]:
    """``-c`` options giving a commit an author when git has none configured."""
    found = git(repo, "config", "--get-regexp", r"^user\.(name|email)$", check=False)
    keys = {line.split(" ", 1)[0] for line in found.splitlines()}
    options = []
    if "user.name" not in keys:
        options += ["-c", "user.name=leanops"]
    if "user.email" not in keys:
        options += ["-c", "user.email=leanops@localhost"]
    return options


@dataclass
class Status:
    """``git status`` of a work tree, split the way the updater needs it."""

    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)  # untracked or newly staged
    untracked: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unmerged: list[str] = field(default_factory=list)


def status(repo: Path, *paths: str) -> Status:
    """Paths (relative to the work tree) that differ from HEAD, untracked files included; a
    rename is its deletion and its addition (git pairs a deleted file with any new one alike,
    which would hide the deletion)."""
    out = git(
        repo,
        "status",
        "--porcelain=v1",
        "-z",
        "--no-renames",
        "--untracked-files=all",
        "--",
        *paths,
    )
    entries = iter(out.split("\0"))
    result = Status()
    for entry in entries:
        if not entry:
            continue
        code, path = entry[:2], entry[3:]
        if code[0] in "RC":
            next(entries, None)  # the rename's source path
        result.changed.append(path)
        if code in UNMERGED:
            result.unmerged.append(path)
        elif "D" in code:
            result.deleted.append(path)
        elif code in {"??", "A ", "AM"}:
            result.added.append(path)
            if code == "??":
                result.untracked.append(path)
    return result


def has_markers(file: Path) -> bool:
    """True when ``file`` holds a conflict block (``<<<<<<<`` ... ``>>>>>>>``)."""
    try:
        if not file.is_file() or file.stat().st_size > MAX_SCANNED_BYTES:
            return False
        return MARKERS.search(file.read_bytes()) is not None
    except OSError:
        return False


def conflicts(repo: Path, current: Status) -> list[str]:
    """Files left in conflict: unmerged paths, ``.rej`` files and files holding markers."""
    found = set(current.unmerged)
    for path in current.changed:
        if path.endswith(".rej") or has_markers(repo / path):
            found.add(path)
    return sorted(found)


def committed_markers(top: Path, folder: str) -> list[str]:
    """Tracked files under ``folder`` holding a line of Copier's conflict markers.

    Catches an update whose conflicts were committed unresolved (``git commit -a`` after a plain
    ``copier update``): the answers file then says "up to date" while the markers stay.
    """
    args = ["grep", "-l", "-I", "-z", "-E"]
    for pattern in COPIER_MARKER_LINES:
        args += ["-e", pattern]
    result = run_git(top, *args, "--", folder or ".")
    return sorted(path for path in result.stdout.split("\0") if path)


@contextmanager
def repo_lock(common_dir: Path) -> Iterator[None]:
    """Serialise leanops' changes to one repository's refs and worktrees across processes:
    every run on this machine, each worker of a run, takes the same lock.

    The lock file lives in the system's temporary folder as it was when leanops started (keyed
    by the repository), not in ``.git``, and never in a run's private scratch folder, where
    another run would not see it.
    """
    from .scratch import DISK

    key = hashlib.sha256(str(common_dir.resolve()).encode()).hexdigest()[:16]
    lock_path = DISK / f"leanops-{key}.lock"
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
