"""The pre-check: which projects are behind, which are up to date, which need attention first.

Reads answers files and asks each template source for its refs once (``git ls-remote``), so an
up-to-date fleet is inspected in a fraction of a second without rendering anything. Every
project's checkout is looked at too (read-only): a half-done update is never "up to date".
The one write, in update mode only, just before a project's update is queued: an update
branch of the same name already merged into HEAD, that nobody works on, is deleted
(``clear_merged``) so that the new update can be made on it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .checkout import (
    BRANCH_PREFIX,
    Checkout,
    UpdateBranch,
    in_project,
    inspect,
    shown_dirty,
    update_branch,
    update_branches,
)
from .errors import LeanopsError
from .fleet import Project
from .gitutil import Repo, first_line, git_bytes, repo_lock, run_git
from .results import BEHIND, CONFLICTS, FAILED, UP_TO_DATE, UPDATED, Result
from .source import Source, resolve_source
from .versions import Refs, Target, choose_target, is_current, list_refs, unreleased_head

CHECK, UPDATE, PREVIEW = "check", "update", "preview"
INSPECT_THREADS = 8


@dataclass(frozen=True)
class Job:
    """An update to run: a project that is behind, where it lives and where it goes."""

    project: Project
    source: Source
    target: Target
    repo: Repo
    offset: str  # the project folder relative to the repository's work tree
    uncommitted: tuple[str, ...] = ()  # changes a preview leaves out: it runs from the last commit

    @property
    def branch(self) -> str:
        """The branch the update lands on: one per repository and target."""
        return BRANCH_PREFIX + self.target.label

    @property
    def group(self) -> tuple[str, str]:
        """Jobs sharing a repository and a branch end up in one branch together."""
        return str(self.repo.common_dir), self.branch

    def result(self, **fields: object) -> Result:
        """A result for this project's move from its version to the target."""
        project = self.project
        result = Result(str(project.path), project.src_path, project.commit, self.target.label)
        for key, value in fields.items():
            setattr(result, key, value)
        return result


def inspect_all(projects: list[Project]) -> list[Checkout | str]:
    """Every project's checkout state; git runs in a few threads (it is the slow part)."""
    if len(projects) < 4:
        return [inspect(project) for project in projects]
    with ThreadPoolExecutor(max_workers=INSPECT_THREADS) as pool:
        return list(pool.map(inspect, projects))


def pending_update(job: Job, mode: str) -> Result | None:
    """The job's result when an earlier update waits: on the job's branch, or in conflict on
    another (a second update beside it would be a second conflicted worktree); None when
    none does (no such branch, or one already merged that nobody works on: see ``checkout``)."""
    repo, branch = job.repo, job.branch
    found = update_branch(repo, branch)
    if found is None or not found.pending:
        return waiting_elsewhere(job, mode)
    waiting = found.worktree
    if waiting is not None and found.conflicts and not in_project(found.conflicts, job.offset):
        # A monorepo's branch in conflict in its other projects only: none of them is this one's.
        return job.result(
            status=BEHIND if mode == CHECK else FAILED,
            branch=branch,
            worktree=str(waiting),
            message=(
                f"nothing was changed here: the repository's update waits in {waiting} with "
                f"conflicts of another project ({', '.join(found.conflicts)}): resolve them, "
                f"`git add` and `git commit --no-edit`, `git merge {branch}` and `git worktree "
                f"remove {waiting}`, then update this project again if it is still behind"
            ),
        )
    if waiting is not None and found.conflicts:
        return job.result(
            status=CONFLICTS,
            branch=branch,
            worktree=str(waiting),
            conflicts=list(found.conflicts),
            message=(
                f"an update waits in {waiting} with conflicts (the rest of it is staged there): "
                f"resolve them, `git add` and `git commit --no-edit`, then `git merge {branch}` "
                f"here and `git worktree remove {waiting}`"
            ),
        )
    status, message = earlier_update(job, mode, found)
    return job.result(status=status, message=message, branch=branch)


def waiting_elsewhere(job: Job, mode: str) -> Result | None:
    """The result of a job whose repository has another update waiting in conflict (a preview
    is made all the same: it changes nothing)."""
    if mode == PREVIEW:
        return None
    for other in update_branches(job.repo):
        if other.name != job.branch and other.pending and other.worktree and other.conflicts:
            status, todo = (BEHIND, "finish it") if mode == CHECK else (FAILED, "finish it first")
            return job.result(
                status=status,
                branch=other.name,
                worktree=str(other.worktree),
                conflicts=list(other.conflicts),
                message=(
                    f"an earlier update waits in {other.worktree} with conflicts on branch "
                    f"{other.name}: {todo} (resolve, `git add`, `git commit --no-edit`, `git "
                    f"merge {other.name}`), or abandon it (`git worktree remove --force "
                    f"{other.worktree}` and `git branch -D {other.name}`); nothing was changed"
                ),
            )
    return None


def earlier_update(job: Job, mode: str, found: UpdateBranch) -> tuple[str, str]:
    """(status, message) for an earlier update waiting on the job's branch, not in conflict."""
    branch, waiting = job.branch, found.worktree
    where = f" (checked out in {waiting})" if waiting is not None else ""
    if mode == CHECK:
        return BEHIND, f"an update waits on branch {branch}{where}: merge it"
    if not found.changes and made_here(job):  # an earlier run's very update: done, not failed
        return UPDATED, (
            f"updated by an earlier run on branch {branch}{where}: merge with: git merge {branch}"
        )
    remove = f"`git worktree remove --force {waiting}` and " if waiting is not None else ""
    held = "uncommitted changes" if found.changes else "commits of its own"
    if not found.changes and holds_other_projects(job):  # a monorepo's earlier run
        return FAILED, (
            f"branch {branch} already exists{where} with commits of its own (in this "
            f"repository, the updates of the other projects an earlier run made): merge it, "
            f"then run the update again for {job.offset}, which lands on it afresh (deleting "
            f"it drops those updates too; nothing was changed)"
        )
    return FAILED, (
        f"branch {branch} already exists{where} with {held}, an earlier update: finish and "
        f"merge it, or delete it with {remove}`git branch -D {branch}` and retry "
        "(nothing was changed)"
    )


def holds_other_projects(job: Job) -> bool:
    """Whether the job's branch changes files outside the job's project folder since it left
    the checked-out commit (a monorepo's update branch holding its other projects')."""
    if not job.offset:
        return False
    done = run_git(job.repo.top, "diff", "--name-only", f"HEAD...refs/heads/{job.branch}")
    prefix = f"{job.offset}/"
    return done.returncode == 0 and any(
        not path.startswith(prefix) for path in done.stdout.split("\n") if path
    )


def made_here(job: Job) -> bool:
    """Whether the job's branch holds this project updated to the job's target: its answers
    file there records the target (as ``leanops update`` leaves it)."""
    import yaml

    answers = job.offset + "/.copier-answers.yml" if job.offset else ".copier-answers.yml"
    blob = git_bytes(job.repo.top, f"refs/heads/{job.branch}:{answers}")
    try:
        recorded = yaml.safe_load(blob) if blob is not None else None
    except yaml.YAMLError:
        return False
    commit = recorded.get("_commit") if isinstance(recorded, dict) else None
    return commit is not None and str(commit) in (job.target.label, job.target.ref)


def clear_merged(repo: Repo, branch: str) -> str:
    """Delete ``branch`` when it is an update already merged into HEAD that nobody works on, so
    the new update can be made on it; "" when done (or nothing to do), else why not.

    Only ``git branch -d`` (which refuses an unmerged branch) deletes it; a clean worktree of
    leanops' own that still holds it is removed first (``git worktree remove``, which refuses
    a worktree with changes), one of the user's never is.
    """
    from .worktree import persistent_path

    with repo_lock(repo.common_dir):
        found = update_branch(repo, branch)
        if found is None or found.pending:
            return ""
        tree, unchanged = found.worktree, " (nothing was changed)"
        if tree is not None and tree.is_dir():
            ignored = run_git(tree, "status", "--porcelain", "--ignored").stdout.strip()
            if tree.resolve() != persistent_path(repo, branch).resolve() or ignored:
                return (
                    f"branch {branch} is merged but checked out in {tree}: `git worktree remove "
                    f"{tree}` (or switch it to another branch) and retry (nothing was changed)"
                )
            removed = run_git(repo.top, "worktree", "remove", str(tree))
            if removed.returncode != 0:
                return first_line(removed.stderr, "git worktree remove failed") + unchanged
            unchanged = f" (its clean worktree {tree} was removed)"
        deleted = run_git(repo.top, "branch", "-d", branch)
        if deleted.returncode != 0:
            reason = first_line(deleted.stderr, "git branch -d failed")
            return f"could not delete the merged branch {branch}: {reason}{unchanged}"
    return ""


class RefsCache:
    """Each template source's refs, asked once per run whatever the number of projects."""

    def __init__(self) -> None:
        self.found: dict[str, Refs | LeanopsError] = {}

    def get(self, source: Source) -> Refs:
        if source.location not in self.found:
            try:
                self.found[source.location] = list_refs(source)
            except LeanopsError as error:
                self.found[source.location] = error
        refs = self.found[source.location]
        if isinstance(refs, LeanopsError):
            raise refs
        return refs


def plan(projects: list[Project], wanted: str | None, mode: str) -> tuple[list[Job], list[Result]]:
    """Split projects into updates to run and finished results."""
    jobs: list[Job] = []
    done: list[Result] = []
    cache = RefsCache()
    for project, checkout in zip(projects, inspect_all(projects), strict=True):
        base = Result(str(project.path), project.src_path, project.commit)
        if isinstance(checkout, str):
            base.message = checkout
            done.append(base)
            continue
        if attention := checkout.attention():
            base.status = CONFLICTS if checkout.unresolved else FAILED
            base.conflicts = list(checkout.unresolved)
            base.message = attention
            done.append(base)
            continue
        source = resolve_source(project.src_path, project.path)
        try:
            target = choose_target(cache.get(source), wanted, source)
        except LeanopsError as error:
            base.message = str(error)
            done.append(base)
            continue
        base.target = target.label
        current, why = is_current(project.commit, target, cache.get(source))
        unreleased = unreleased_head(cache.get(source), target, wanted)
        if current:
            base.status = UP_TO_DATE
            base.message = why
            base.notes = [unreleased] if unreleased else []
            done.append(base)
            continue
        dirty = checkout.dirty if mode == PREVIEW else ()
        job = Job(project, source, target, checkout.repo, checkout.offset, dirty)
        if waiting := pending_update(job, mode):
            done.append(waiting)
        elif mode == CHECK:
            done.append(job.result(status=BEHIND, notes=[unreleased] if unreleased else []))
        elif mode == UPDATE and checkout.dirty:
            shown = shown_dirty(checkout.dirty, checkout.offset, checkout.untracked)
            done.append(
                job.result(
                    message=f"uncommitted changes ({shown}); commit or stash them (`git stash "
                    "-u` for untracked files) and retry (nothing was changed)"
                )
            )
        elif mode == UPDATE and (refused := clear_merged(checkout.repo, job.branch)):
            done.append(job.result(message=refused, branch=job.branch))
        else:
            jobs.append(job)
    return nested_refused(jobs, done)


def nested_refused(jobs: list[Job], done: list[Result]) -> tuple[list[Job], list[Result]]:
    """Refuse a project inside another project of the same repository: Copier would render the
    outer one's files over it."""
    kept = []
    for job in jobs:
        outer = [
            other
            for other in jobs
            if other is not job
            and other.repo.common_dir == job.repo.common_dir
            and other.offset != job.offset
            and Path(job.offset).is_relative_to(other.offset or ".")
            and (other.offset or job.offset)
        ]
        if outer:
            done.append(
                job.result(
                    message=f"nested inside project {outer[0].project.path}; update it on its "
                    "own (nothing was changed)"
                )
            )
        else:
            kept.append(job)
    return kept, done
