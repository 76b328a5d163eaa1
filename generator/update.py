"""``leanops update``: bring generated projects up to their template's newest version, safely.

Copier does the three-way merge; leanops makes it safe for a fleet: a pre-check that renders
nothing for up-to-date projects and never calls a half-done update "up to date"; every update
in a git worktree of its own, so the user's checkout (and its ignored files) is never touched;
one branch per repository; conflicts found and reported; files the template removed but the
project edited kept; parallel across projects; every project reported, even after Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from .fleet import discover
from .plan import CHECK, PREVIEW, UPDATE, plan
from .results import Result, exit_code
from .summary import print_json, print_summary

DESCRIPTION = """\
Update generated projects (found by their .copier-answers.yml) to a newer template version
with Copier. Up-to-date projects are skipped without rendering anything.

Each update runs in a git worktree of its own, from your last commit: your checkout, your
branch and your ignored files are never touched. The result is committed on a branch
template-update/<version> (one branch per repository, holding every project of a monorepo);
merge it with `git merge template-update/<version>`. A branch of that name already merged
into HEAD, that no worktree is working on, is deleted (`git branch -d`) and made again; any
other stops the project. Conflicts: nothing is committed; they wait in a worktree inside the
repository's .git folder (the summary gives its path) for you to resolve and commit.
Failure: nothing is changed. A file the template removed but you edited is kept; a new
template file where you have an ignored file is held back; both are reported.

A template without version tags is updated to the commit of its HEAD, as Copier does; --to
takes a tag, a version, a branch, HEAD or a commit hash.

Exit codes: 0 ok, 1 a project failed (or, with --check, is behind or needs attention),
3 conflicts, 130 interrupted."""


def run_command(args: argparse.Namespace, mode: str) -> int:
    """Pre-check the fleet, then update (or check, or preview) the projects that are behind."""
    from .runner import run_jobs

    paths = [Path(p) for p in (args.paths or ["."])]
    projects, broken = discover(paths)
    jobs, results = plan(projects, args.to, mode)
    results += [
        Result(str(path), message=str(error).removeprefix(f"{path}: ")) for path, error in broken
    ]
    interrupted = False
    if mode != CHECK:
        ran, interrupted = run_jobs(
            jobs,
            args.jobs or os.cpu_count() or 1,
            preview=mode == PREVIEW,
            show_progress=not args.json,
        )
        results += ran
    results.sort(key=lambda r: r.project)
    if args.json:
        print_json(results)
    else:
        print_summary(results)
    if interrupted:
        import sys

        print("leanops: interrupted", file=sys.stderr)
    return exit_code(results, check=mode == CHECK)


def cmd_update(args: argparse.Namespace) -> int:
    """``leanops update``: the modes are --check, --dry-run or a real update."""
    mode = CHECK if args.check else PREVIEW if args.dry_run else UPDATE
    return run_command(args, mode)


def add_common(parser: argparse.ArgumentParser) -> None:
    """Arguments shared by ``update`` and ``diff``."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="project or folder of projects")
    parser.add_argument(
        "--to",
        metavar="REF",
        help="template tag, version, branch, HEAD or commit (default: the newest release tag, "
        "or HEAD for a template without version tags)",
    )
    parser.add_argument(
        "-j", "--jobs", type=int, metavar="N", help="parallel updates (default: CPUs)"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")


def add_update(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``update`` command's arguments."""
    parser = subparsers.add_parser(
        "update",
        help="update projects to a newer template version",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=DESCRIPTION,
    )
    add_common(parser)
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 when a project is behind or needs attention",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show the diff an update would bring; change nothing"
    )
    parser.set_defaults(handler=cmd_update)
