"""``leanops update``: bring generated projects up to the template's newest version, safely.

Copier does the three-way merge (``copier.run_update``); this module makes it safe for a fleet:
a pre-check that renders nothing for up-to-date projects, one branch per update so the user's
branch is never touched, conflicts found and reported (Copier exits 0 on them), files the
template removed but the project edited kept, and projects updated in parallel.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import EXIT_BEHIND, EXIT_CONFLICTS, EXIT_FAILURE, EXIT_OK, LeanopsError, one_line
from .fleet import Project
from .gitutil import conflicts, git, identity_options, status, toplevel
from .versions import Tag, choose_target, commit_version, list_tags

BRANCH_PREFIX = "template-update/"
UP_TO_DATE = "up to date"
BEHIND = "behind"
UPDATED = "updated"
CONFLICTS = "conflicts"
FAILED = "failed"
WOULD_UPDATE = "would update"


@dataclass
class Result:
    """What happened to one project; also the ``--json`` record."""

    project: str
    template: str = ""
    current: str = ""
    target: str = ""
    status: str = FAILED
    branch: str = ""
    changed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    message: str = ""
    diff: str = ""

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict (the diff only when there is one)."""
        data = asdict(self)
        if not self.diff:
            data.pop("diff")
        return data


@dataclass(frozen=True)
class Job:
    """An update to run: a project that is behind and the git ref to take it to."""

    project: Project
    ref: str
    label: str

    def result(self, **fields: object) -> Result:
        """A result for this project's move from its version to ``label``."""
        project = self.project
        return Result(str(project.path), project.src_path, project.commit, self.label, **fields)


@dataclass
class Outcome:
    """The state of a work tree after Copier merged the new template into it."""

    changed: list[str]
    conflicts: list[str]
    kept: list[str]


# --- the pre-check -------------------------------------------------------------------------


def plan(projects: list[Project], wanted: str | None) -> tuple[list[Job], list[Result]]:
    """Split projects into updates to run and finished results (up to date or failed).

    Lists each template source's tags once, whatever the number of projects using it.
    """
    tags_by_source: dict[str, list[Tag] | LeanopsError] = {}
    jobs, done = [], []
    for project in projects:
        base = Result(str(project.path), project.src_path, project.commit)
        if project.src_path not in tags_by_source:
            try:
                tags_by_source[project.src_path] = list_tags(project.src_path)
            except LeanopsError as error:
                tags_by_source[project.src_path] = error
        tags = tags_by_source[project.src_path]
        if isinstance(tags, LeanopsError):
            base.message = str(tags)
            done.append(base)
            continue
        target = choose_target(tags, wanted)
        if target is None and wanted is None:
            base.message = f"template source {project.src_path} has no version tags; pass --to REF"
            done.append(base)
            continue
        if target is None:  # a branch or commit: always behind, Copier decides what changes
            jobs.append(Job(project, wanted or "", wanted or ""))
            base.target = wanted or ""
            continue
        base.target = target.name
        current = commit_version(project.commit)
        if current is not None and current >= target.version:
            base.status = UP_TO_DATE
            if current > target.version:
                base.message = f"newer than {target.name}; downgrades are not supported"
            done.append(base)
        else:
            jobs.append(Job(project, target.name, target.name))
    return jobs, done


# --- one update ----------------------------------------------------------------------------


def run_copier_update(project_dir: Path, ref: str) -> None:
    """Copier's merge: inline conflicts, defaults for new questions, no prompt."""
    import copier
    from copier.errors import CopierError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            copier.run_update(
                dst_path=project_dir,
                overwrite=True,
                conflict="inline",
                defaults=True,
                skip_answered=True,
                unsafe=True,
                vcs_ref=ref,
                quiet=True,
            )
        except (CopierError, ValueError, OSError) as error:
            raise LeanopsError(f"copier update failed: {one_line(error)}") from error


def render_old(project: Project, destination: Path) -> None:
    """Render the version the project was generated from, to see what the template wrote."""
    import copier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(
            project.src_path,
            destination,
            data=project.user_answers,
            defaults=True,
            unsafe=True,
            vcs_ref=project.commit,
            quiet=True,
            skip_tasks=True,
        )


def keep_edited_deletions(
    top: Path, project: Project, project_dir: Path, deleted: list[str]
) -> list[str]:
    """Restore files Copier deleted (removed upstream) that the project had edited.

    A deleted file is kept when its committed content differs from what the old template
    version rendered, i.e. someone edited it here. Returns the kept paths (work-tree relative).
    """
    if not deleted:
        return []
    kept = []
    offset = project_dir.relative_to(top)
    with tempfile.TemporaryDirectory(prefix="leanops-old-") as tmp:
        old = Path(tmp) / "old"
        render_old(project, old)
        for path in deleted:
            relative = Path(path).relative_to(offset) if offset != Path() else Path(path)
            rendered = old / relative
            if not rendered.is_file():
                continue  # not a template file (a migration removed it): leave it removed
            committed = git_bytes(top, f"HEAD:{path}")
            if committed is not None and committed != rendered.read_bytes():
                git(top, "restore", "--source=HEAD", "--staged", "--worktree", "--", path)
                kept.append(path)
    return kept


def git_bytes(top: Path, spec: str) -> bytes | None:
    """A blob's bytes (``git show HEAD:path``), or None."""
    import subprocess

    result = subprocess.run(["git", "-C", str(top), "show", spec], capture_output=True, check=False)
    return result.stdout if result.returncode == 0 else None


def apply_update(top: Path, project: Project, project_dir: Path, ref: str) -> Outcome:
    """Run Copier's update in ``project_dir`` (inside work tree ``top``) and inspect the result."""
    run_copier_update(project_dir, ref)
    after = status(top)
    kept = keep_edited_deletions(top, project, project_dir, after.deleted)
    if kept:
        after = status(top)
    return Outcome(after.changed, conflicts(top, after), kept)


def current_head(top: Path) -> list[str]:
    """Arguments for ``git switch`` that return to where HEAD is now (a branch or a commit)."""
    branch = git(top, "symbolic-ref", "-q", "--short", "HEAD", check=False).strip()
    return [branch] if branch else ["--detach", git(top, "rev-parse", "HEAD").strip()]


def rollback(top: Path, back: list[str], branch: str) -> None:
    """Put the repository back exactly as it was: original branch, no update branch."""
    git(top, "reset", "-q", "--hard", check=False)
    git(top, "clean", "-fdq", check=False)  # only files the update created: the tree was clean
    git(top, "switch", "-q", *back, check=False)
    git(top, "branch", "-q", "-D", branch, check=False)


def update_project(job: Job) -> Result:
    """Update one project on branch ``template-update/<version>``; never raises.

    Updated: committed on that branch, the user's checkout back on its own branch.
    Conflicts: nothing committed; the checkout is left on the update branch with the conflicted
    files for the user to resolve. Failure: everything as before.
    """
    project = job.project
    result = job.result()
    top = toplevel(project.path)
    if top is None:
        result.message = (
            "not in a git repository; run `git init && git add -A && git commit -m init` first"
        )
        return result
    dirty = status(top).changed
    if dirty:
        shown = ", ".join(dirty[:3]) + (" ..." if len(dirty) > 3 else "")
        result.message = (
            f"uncommitted changes ({shown}); commit or stash them and retry (nothing was changed)"
        )
        return result
    branch = BRANCH_PREFIX + job.label
    if git(top, "rev-parse", "--verify", "-q", f"refs/heads/{branch}", check=False).strip():
        result.message = (
            f"branch {branch} already exists (an earlier update?): merge it, or delete it with "
            f"`git branch -D {branch}` and retry (nothing was changed)"
        )
        return result
    back = current_head(top)
    result.branch = branch
    try:
        git(top, "switch", "-q", "-c", branch)
        outcome = apply_update(top, project, project.path.resolve(), job.ref)
        result.changed, result.conflicts, result.kept = (
            outcome.changed,
            outcome.conflicts,
            outcome.kept,
        )
        if outcome.conflicts:
            result.status = CONFLICTS
            result.message = (
                f"on branch {branch}: resolve the markers, `git add` and commit, then merge it; "
                f"or abandon: git reset --hard && git clean -fd && git switch {back[-1]} && "
                f"git branch -D {branch}"
            )
            return result
        git(top, "add", "-A")
        message = f"Update template from {project.commit} to {job.label}"
        body = f"leanops update from {project.src_path}"
        if outcome.kept:
            body += "\n\nKept (edited here, removed upstream): " + ", ".join(outcome.kept)
        git(top, *identity_options(top), "commit", "-q", "--no-verify", "-m", message, "-m", body)
        git(top, "switch", "-q", *back)
        result.status = UPDATED
        result.message = f"merge with: git merge {branch}"
    except (LeanopsError, OSError) as error:
        rollback(top, back, branch)
        result.branch = ""
        result.status = FAILED
        result.message = f"{one_line(error)} (nothing was changed)"
    except BaseException:
        rollback(top, back, branch)
        raise
    return result


def preview_project(job: Job) -> Result:
    """The update's diff, made in a throw-away clone: the project is not touched; never raises."""
    from .diff import preview

    project = job.project
    result = job.result()
    try:
        outcome, result.diff = preview(project, job.ref)
    except (LeanopsError, OSError) as error:
        result.message = one_line(error)
        return result
    result.changed, result.conflicts, result.kept = (
        outcome.changed,
        outcome.conflicts,
        outcome.kept,
    )
    result.status = CONFLICTS if outcome.conflicts else WOULD_UPDATE
    return result


def run_jobs(
    jobs: list[Job], jobs_count: int, *, dry_run: bool, show_progress: bool
) -> list[Result]:
    """Run the updates, in a process pool when there are several (Copier changes directories
    and is not thread-safe), with a progress bar on stderr."""
    if not jobs:
        return []
    worker = preview_project if dry_run else update_project
    import copier  # noqa: F401  (imported once here, inherited by forked workers)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    progress = Progress(
        TextColumn("updating" if not dry_run else "previewing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not (show_progress and console.is_terminal),
    )
    workers = max(1, min(jobs_count, len(jobs)))
    if workers == 1:
        results = []
        with progress:
            task = progress.add_task("", total=len(jobs))
            for job in jobs:
                results.append(worker(job))
                progress.advance(task)
        return results
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    gc.freeze()  # the imported modules stay shared with the forked workers (copy-on-write)
    context = multiprocessing.get_context("fork")
    by_future = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        # Submit everything before the progress bar starts its refresh thread: fork after
        # threads exist can deadlock.
        for job in jobs:
            by_future[pool.submit(worker, job)] = job
        results = []
        with progress:
            task = progress.add_task("", total=len(jobs))
            for future in as_completed(by_future):
                job = by_future[future]
                try:
                    results.append(future.result())
                except Exception as error:  # a crashed worker: report it, keep the others
                    results.append(job.result(message=f"worker failed: {one_line(error)}"))
                progress.advance(task)
    order = {job.project.path: index for index, job in enumerate(jobs)}
    return sorted(results, key=lambda r: order.get(Path(r.project), 0))


# --- the command ---------------------------------------------------------------------------


def exit_code(results: list[Result], *, check: bool) -> int:
    """Errors first (1), then conflicts (3); ``--check``: 1 when any project is behind."""
    statuses = {result.status for result in results}
    if FAILED in statuses:
        return EXIT_FAILURE
    if check:
        return EXIT_BEHIND if BEHIND in statuses else EXIT_OK
    if CONFLICTS in statuses:
        return EXIT_CONFLICTS
    return EXIT_OK


def display_path(path: str) -> str:
    """A project path relative to the current folder when it is below it."""
    try:
        relative = Path(path).relative_to(Path.cwd())
    except ValueError:
        return path
    return str(relative) if str(relative) != "." else Path(path).name


def print_summary(results: list[Result]) -> None:
    """The summary table, then what to do about each project that needs attention."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    table = Table(title="leanops update")
    for column in ("project", "from → to", "status", "files changed", "conflicting files"):
        table.add_column(column)
    for result in results:
        arrow = f"{result.current} → {result.target}" if result.target else result.current
        table.add_row(
            display_path(result.project),
            arrow,
            result.status,
            str(len(result.changed)) if result.changed else "",
            "\n".join(result.conflicts),
        )
    console.print(table)
    for result in results:
        name = display_path(result.project)
        for path in result.kept:
            console.print(f"{name}: kept: {path} (edited here, removed upstream)")
        for path in result.conflicts:
            console.print(f"{name}: conflict: {path}")
        if result.message and result.status != UP_TO_DATE:
            console.print(f"{name}: {result.status}: {result.message}")
        if result.diff:
            console.file.flush()
            sys.stdout.write(result.diff)


def cmd_update(args: argparse.Namespace) -> int:
    """Pre-check the fleet, then update (or check, or preview) the projects that are behind."""
    import json

    from .fleet import discover

    paths = [Path(p) for p in (args.paths or ["."])]
    projects, broken = discover(paths)
    jobs, results = plan(projects, args.to)
    results += [
        Result(str(path), message=str(error).removeprefix(f"{path}: ")) for path, error in broken
    ]
    if args.check:
        for job in jobs:
            results.append(job.result(status=BEHIND))
    else:
        results += run_jobs(
            jobs,
            args.jobs or os.cpu_count() or 1,
            dry_run=args.dry_run,
            show_progress=not args.json,
        )
    results.sort(key=lambda r: r.project)
    if args.json:
        print(json.dumps({"projects": [r.to_json() for r in results]}, indent=2))
    else:
        print_summary(results)
    return exit_code(results, check=args.check)


def add_update(subparsers: argparse._SubParsersAction) -> None:
    """The ``update`` command's arguments."""
    parser = subparsers.add_parser(
        "update",
        help="update projects to a newer template version",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Update generated projects (found by their .copier-answers.yml) to a newer template\n"
            "version with Copier. Up-to-date projects are skipped without rendering anything.\n\n"
            "Each update runs on a new branch template-update/<version>; your branch is never\n"
            "touched. Updated: committed there, your checkout is back on your branch; merge it\n"
            "with `git merge template-update/<version>`. Conflicts: nothing is committed; the\n"
            "checkout is left on the update branch with inline markers to resolve and commit.\n"
            "Failure: the branch is removed and the project is exactly as before. A file the\n"
            "template removed but you edited is kept and reported.\n\n"
            "Exit codes: 0 ok, 1 a project failed (or, with --check, is behind), 3 conflicts."
        ),
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="project or folder of projects")
    parser.add_argument("--to", metavar="VERSION", help="template version (default: the newest)")
    parser.add_argument(
        "-j", "--jobs", type=int, metavar="N", help="parallel updates (default: CPUs)"
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when a project is behind"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show the diff an update would bring; change nothing"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(handler=cmd_update)
