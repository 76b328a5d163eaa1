"""Linked git worktrees: every update runs in one of its own, never in the user's checkout.

A worktree shares the repository's objects, so making one costs a checkout of the files, not a
clone. Changes to refs and worktree metadata are serialised per repository (``repo_lock``), so
projects of one repository can be updated in parallel. Each worker only ever removes the
worktree it made.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from . import scratch
from .gitutil import Repo, git, repo_lock

PERSISTENT_FOLDER = "leanops-worktrees"


def add_detached(repo: Repo, commit: str) -> Path:
    """A new worktree at ``commit`` (detached HEAD) in a temporary folder."""
    holder = Path(tempfile.mkdtemp(prefix="leanops-update-", dir=scratch.DISK))
    path = holder / "work"
    try:
        with repo_lock(repo.common_dir):
            git(repo.top, "worktree", "add", "-q", "--detach", str(path), commit)
    except BaseException:
        shutil.rmtree(holder, ignore_errors=True)
        raise
    return path


def add_on_branch(repo: Repo, branch: str, path: Path) -> Path:
    """A worktree with ``branch`` checked out at ``path`` (which must not exist)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with repo_lock(repo.common_dir):
        git(repo.top, "worktree", "add", "-q", str(path), branch)
    return path


def remove(repo: Repo, path: Path) -> None:
    """Remove a worktree this run made, and its temporary holder folder; never raises."""
    with repo_lock(repo.common_dir):
        git(repo.top, "worktree", "remove", "--force", "--force", str(path), check=False)
    if path.parent.name.startswith("leanops-update-"):
        shutil.rmtree(path.parent, ignore_errors=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


def persistent_path(repo: Repo, branch: str) -> Path:
    """Where a worktree with conflicts waits for the user: inside the repository's git folder,
    where no file of the user's can be in the way."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", branch)
    return repo.common_dir / PERSISTENT_FOLDER / slug
