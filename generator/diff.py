"""``leanops diff`` (and ``update --dry-run``): the real diff an update would bring.

The update runs for real, with Copier, in a throw-away worktree of the project's repository, so
the diff includes merges, conflict markers, kept and held-back files exactly as ``leanops
update`` would produce them, and the checkout is never touched. The diff is against the last
commit (uncommitted changes are not part of an update anyway).
"""

from __future__ import annotations

import argparse

from .plan import PREVIEW
from .update import add_common, run_command


def cmd_diff(args: argparse.Namespace) -> int:
    """``leanops diff PATH``: print the diff; exit 3 when the update would conflict."""
    return run_command(args, PREVIEW)


def add_diff(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``diff`` command's arguments."""
    parser = subparsers.add_parser(
        "diff",
        help="show the diff a template update would bring",
        description=(
            "Show the diff `leanops update` would bring, made by running the update in a "
            "temporary worktree of the last commit (uncommitted changes are not in it, and "
            "are named): the project is not changed. Exit 3 when it would conflict."
        ),
    )
    add_common(parser)
    parser.set_defaults(handler=cmd_diff)
