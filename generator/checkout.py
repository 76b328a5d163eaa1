"""Read-only look at a project's checkout before anything runs: is an update half done?

An update left in the tree (unmerged paths, Copier's conflict markers, an answers file changed
but not committed) must never pass for "up to date": the answers file may already name the new
version. Nothing here writes; each project costs two or three git commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .fleet import ANSWERS_FILE, Project
from .gitutil import Repo, committed_markers, conflicts, find_repo, git, status


@dataclass(frozen=True)
class Checkout:
    """A project's place in its repository and the state of its folder there."""

    repo: Repo
    offset: str  # the project folder relative to the work tree ("" at the top)
    dirty: tuple[str, ...]  # uncommitted changes under the project folder
    unresolved: tuple[str, ...]  # unmerged paths and files holding conflict markers
    answers_changed: bool  # the answers file differs from the last commit

    def attention(self) -> str:
        """Why this checkout must not be called up to date, or "" when nothing is wrong."""
        if self.unresolved:
            shown = ", ".join(self.unresolved[:3]) + (" ..." if len(self.unresolved) > 3 else "")
            return (
                f"unresolved conflicts in your checkout ({shown}): an update is half done; "
                "resolve the markers, `git add` the files and commit"
            )
        if self.answers_changed:
            return (
                f"{ANSWERS_FILE} differs from the last commit (an update started and not "
                "committed?): commit the update once its files are right, or restore the file "
                f"with `git restore {ANSWERS_FILE}`"
            )
        return ""


def inspect(project: Project) -> Checkout | str:
    """The project's checkout state, or a message when it is not in a usable git repository."""
    repo = find_repo(project.path)
    if repo is None:
        return "not in a git repository; run `git init && git add -A && git commit -m init` first"
    if not repo.head:
        return "the repository has no commit yet; commit the project first"
    offset = project.path.resolve().relative_to(repo.top).as_posix()
    offset = "" if offset == "." else offset
    current = status(repo.top, offset or ".")
    unresolved = set(conflicts(repo.top, current)) | set(committed_markers(repo.top, offset))
    answers = f"{offset}/{ANSWERS_FILE}" if offset else ANSWERS_FILE
    return Checkout(
        repo,
        offset,
        tuple(current.changed),
        tuple(sorted(unresolved)),
        answers in current.changed,
    )


def branch_exists(repo: Repo, branch: str) -> bool:
    """True when ``refs/heads/<branch>`` exists."""
    out = git(repo.top, "rev-parse", "--verify", "-q", f"refs/heads/{branch}", check=False)
    return bool(out.strip())


def worktree_of(repo: Repo, branch: str) -> Path | None:
    """The linked worktree that has ``branch`` checked out, if any."""
    out = git(repo.top, "worktree", "list", "--porcelain")
    path = None
    for line in out.splitlines():
        if line.startswith("worktree "):
            path = Path(line.removeprefix("worktree "))
        elif line == f"branch refs/heads/{branch}" and path is not None:
            return path
    return None
