"""Read-only look at a project's checkout before anything runs: is an update half done?

An update left in the tree (unmerged paths, Copier's conflict markers, an answers file changed
but not committed) must never pass for "up to date": the answers file may already name the new
version. Nothing here writes; each project costs two or three git commands.

The one rule for an update branch (``template-update/<version>``), shared by ``leanops update``
and ``leanops status``: it is pending while it is not merged into HEAD, while it is the
checked-out branch, or while a worktree holding it has uncommitted work (conflicts being
resolved, resolutions not yet committed). A merged branch nobody works on is not pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .fleet import ANSWERS_FILE, Project
from .gitutil import Repo, committed_markers, conflicts, find_repo, git, run_git, status

BRANCH_PREFIX = "template-update/"


def in_project(paths: list[str] | tuple[str, ...], offset: str) -> list[str]:
    """The repository paths (``paths``) inside the project at ``offset`` (its folder relative to
    the repository's work tree; "" or "." is the whole repository): a monorepo's projects share
    one update branch, and its conflicts are a project's own only in its folder."""
    prefix = "" if offset in ("", ".") else f"{offset.rstrip('/')}/"
    return [path for path in paths if path.startswith(prefix)]


@dataclass(frozen=True)
class Checkout:
    """A project's place in its repository and the state of its folder there."""

    repo: Repo
    offset: str  # the project folder relative to the work tree ("" at the top)
    dirty: tuple[str, ...]  # uncommitted changes under the project folder
    unresolved: tuple[str, ...]  # unmerged paths and files holding conflict markers
    answers_changed: bool  # the answers file differs from the last commit
    untracked: tuple[str, ...] = ()  # the files of ``dirty`` git does not track

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


def shown_dirty(paths: tuple[str, ...], offset: str, untracked: tuple[str, ...] = ()) -> str:
    """The first three of ``paths`` (relative to the repository) as under the project folder at
    ``offset``, the ``untracked`` ones marked (a file git does not track blocks an update as an
    edit does: Copier's rule)."""
    prefix = f"{offset}/" if offset else ""
    shown = [
        path.removeprefix(prefix) + (" (untracked)" if path in untracked else "")
        for path in paths[:3]
    ]
    return ", ".join(shown) + (" ..." if len(paths) > 3 else "")


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
        tuple(current.untracked),
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


@dataclass(frozen=True)
class UpdateBranch:
    """An update branch and what still happens on it."""

    name: str
    worktree: Path | None  # the worktree that has it checked out, if any
    here: bool  # it is the branch checked out in the repository's checkout (its HEAD)
    merged: bool  # its tip is in HEAD
    changes: tuple[str, ...]  # uncommitted changes in its worktree
    conflicts: tuple[str, ...]  # unmerged paths and files holding markers in its worktree

    @property
    def pending(self) -> bool:
        """True while the branch holds an update still to merge or to finish."""
        return not self.merged or self.here or bool(self.changes)


def update_branch(repo: Repo, name: str) -> UpdateBranch | None:
    """The branch ``name`` and its state, or None when it does not exist."""
    if not branch_exists(repo, name):
        return None
    tree = worktree_of(repo, name)
    changes: tuple[str, ...] = ()
    found: tuple[str, ...] = ()
    if tree is not None and tree.is_dir():  # a worktree whose folder is gone holds no work
        current = status(tree)
        changes, found = tuple(current.changed), tuple(conflicts(tree, current))
    ancestor = run_git(repo.top, "merge-base", "--is-ancestor", f"refs/heads/{name}", "HEAD")
    merged = bool(repo.head) and ancestor.returncode == 0
    return UpdateBranch(name, tree, repo.branch == name, merged, changes, found)


def update_branches(repo: Repo) -> list[UpdateBranch]:
    """Every ``template-update/*`` branch of the repository, by name."""
    refs = git(repo.top, "for-each-ref", "--format=%(refname)", f"refs/heads/{BRANCH_PREFIX}")
    names = [ref.removeprefix("refs/heads/") for ref in refs.splitlines() if ref]
    return [branch for name in sorted(names) if (branch := update_branch(repo, name))]
