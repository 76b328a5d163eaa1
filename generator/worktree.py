"""Linked git worktrees: every update runs in one of its own, never in the user's checkout.

A worktree shares the repository's objects, so making one costs a checkout of the files, not a
clone. Changes to refs and worktree metadata are serialised per repository (``repo_lock``), so
projects of one repository can be updated in parallel. Each worker only ever removes the
worktree it made.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from . import scratch
from .gitutil import Repo, git, repo_lock

PERSISTENT_FOLDER = "leanops-worktrees"
HOLDER_PREFIX = "leanops-update-"  # a temporary folder holding one run's worktree


def add_detached(repo: Repo, commit: str) -> Path:
    """A new worktree at ``commit`` (detached HEAD) in a temporary folder. Worktrees left by a
    run that was killed are removed first (their folders, then git's record of them)."""
    path = Path()
    try:
        with repo_lock(repo.common_dir):
            path = scratch.owned_folder(HOLDER_PREFIX, scratch.DISK) / "work"
            prune_abandoned(repo)
            git(repo.top, "worktree", "add", "-q", "--detach", str(path), commit)
    except BaseException:
        if path.parent.name.startswith(HOLDER_PREFIX):
            shutil.rmtree(path.parent, ignore_errors=True)
        raise
    return path


def prune_abandoned(repo: Repo) -> None:
    """Forget the worktrees of killed runs whose folders are gone (unlocking one a kill left
    locked mid-``worktree add``), so their branches can be checked out again."""
    listing = git(repo.top, "worktree", "list", "--porcelain")
    for block in listing.split("\n\n"):
        lines = block.splitlines()
        if not lines or not lines[0].startswith("worktree "):
            continue
        path = Path(lines[0].removeprefix("worktree "))
        locked = any(line == "locked" or line.startswith("locked ") for line in lines)
        if locked and path.parent.name.startswith(HOLDER_PREFIX) and not path.exists():
            git(repo.top, "worktree", "unlock", str(path), check=False)
    git(repo.top, "worktree", "prune")


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
    if path.parent.name.startswith(HOLDER_PREFIX):
        shutil.rmtree(path.parent, ignore_errors=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


def persistent_path(repo: Repo, branch: str) -> Path:
    """Where a worktree with conflicts waits for the user: inside the repository's git folder,
    where no file of the user's can be in the way."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", branch)
    return repo.common_dir / PERSISTENT_FOLDER / slug
