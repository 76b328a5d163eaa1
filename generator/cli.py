"""The leanops command: create, update, diff and check projects made from the template.

Every command drives Copier's Python API. Failures the user can fix print one line on stderr
(``leanops: error: ...``) and exit non-zero, without a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .errors import EXIT_FAILURE, LeanopsError
from .source import ENV_VAR, template_source
from .status import add_status


def cmd_new(args: argparse.Namespace) -> int:
    """Render a new project."""
    from .new import check_reachable, local_source_warning, next_steps, parse_data, render_project

    source = template_source(args.template)
    if args.template:
        chosen_by = "given with --template"
    elif os.environ.get(ENV_VAR):
        chosen_by = f"from ${ENV_VAR}"
    else:
        chosen_by = f"the default source; choose another with --template or ${ENV_VAR}"
    check_reachable(source, chosen_by=chosen_by)
    destination = render_project(
        source,
        Path(args.path),
        parse_data(args.data),
        defaults=args.defaults,
        vcs_ref=args.vcs_ref,
        quiet=args.quiet,
    )
    print(f"Created {destination} from {source}")
    if warning := local_source_warning(source):
        print(f"leanops: warning: {warning}", file=sys.stderr)
    print("Next steps:")
    for step in next_steps(destination):
        print(f"  {step}")
    return 0


def add_new(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The new command's arguments."""
    parser = subparsers.add_parser(
        "new",
        help="create a project from the template",
        description="Create a project from the template (wraps `copier copy`).",
    )
    parser.add_argument("path", help="folder to create (must not exist, or be empty)")
    parser.add_argument(
        "-d",
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="answer a question (repeatable), e.g. -d ml_task=regression",
    )
    parser.add_argument(
        "--defaults", action="store_true", help="use the default for every unanswered question"
    )
    parser.add_argument(
        "--template",
        help=f"template source, a path or git URL (default: ${ENV_VAR}, this checkout, or the "
        "public repository)",
    )
    parser.add_argument(
        "--vcs-ref", help="template version (git tag, branch or commit); default: the newest tag"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print less")
    parser.set_defaults(handler=cmd_new)


def add_update(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The update command (defined in generator.update; imported lazily for a fast --help)."""
    from .update import add_update as add

    add(subparsers)


def add_diff(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The diff command."""
    from .diff import add_diff as add

    add(subparsers)


def add_source(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The source command."""
    from .repoint import add_source as add

    add(subparsers)


def add_check(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The check command."""
    from .check import add_check as add

    add(subparsers)


DESCRIPTION = (
    "Create, update, diff, check and see the status of projects made from the leanops template, "
    "and point them at the template's new location."
)
COMMANDS = [add_new, add_update, add_diff, add_check, add_status, add_source]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="leanops", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"leanops {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for add in COMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run leanops and return its exit code."""
    args = build_parser().parse_args(argv)
    try:
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except LeanopsError as error:
        print(f"leanops: error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("leanops: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
