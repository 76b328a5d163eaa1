"""``leanops diff`` and ``update --dry-run``: the real diff an update would bring.

The update runs for real, with Copier, in a throw-away clone of the project's repository, so
the diff includes merges, conflict markers and kept files exactly as ``leanops update`` would
produce them, and the project itself is never touched. The diff is against the last commit
(uncommitted changes are not part of an update anyway).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from .errors import LeanopsError
from .fleet import Project
from .gitutil import git, toplevel


def preview(project: Project, ref: str) -> tuple[object, str]:
    """Run the update to ``ref`` in a clone; return its :class:`~.update.Outcome` and diff."""
    from .update import apply_update

    top = toplevel(project.path)
    if top is None:
        raise LeanopsError(f"{project.path} is not in a git repository")
    offset = project.path.resolve().relative_to(top.resolve())
    with tempfile.TemporaryDirectory(prefix="leanops-diff-") as tmp:
        clone = Path(tmp) / "repo"
        git(Path(tmp), "clone", "-q", "--no-tags", str(top), str(clone))
        outcome = apply_update(clone, project, clone / offset, ref)
        git(clone, "add", "-A")
        diff = git(clone, "diff", "--cached", "--no-color", "--stat", "--patch", "HEAD")
    return outcome, diff


def cmd_diff(args: argparse.Namespace) -> int:
    """``leanops diff PATH``: print the diff; exit 3 when the update would conflict."""
    from .update import cmd_update

    args.check = False
    args.dry_run = True
    return cmd_update(args)


def add_diff(subparsers: argparse._SubParsersAction) -> None:
    """The ``diff`` command's arguments."""
    parser = subparsers.add_parser(
        "diff",
        help="show the diff a template update would bring",
        description=(
            "Show the diff `leanops update` would bring, made by running the update in a "
            "temporary clone: the project is not changed. Exit 3 when it would conflict."
        ),
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="project or folder of projects")
    parser.add_argument("--to", metavar="VERSION", help="template version (default: the newest)")
    parser.add_argument("-j", "--jobs", type=int, metavar="N", help="parallel previews")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(handler=cmd_diff)
