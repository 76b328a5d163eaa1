"""The project's one command line: ``<project> COMMAND`` or ``python -m <package> COMMAND``.

Each command lives in its own module and registers itself here. Expected failures (a missing file,
an invalid setting, bad data) print one line on stderr and exit 2; nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from . import commands, info, registry_cli, runs_cli

# Modules that add sub-commands: each has ``register(subparsers)`` and sets ``handler`` on its
# parsers, a function ``(args) -> int`` returning the exit code.
COMMAND_MODULES = (info, commands, runs_cli, registry_cli)

# Errors that are the user's to fix: shown as one line, exit code 2.
EXIT_USAGE = 2


class CommandError(Exception):
    """A command cannot run; the message is one line meant for the user."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog=info.PACKAGE.replace("_", "-"),
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def user_errors() -> tuple[type[BaseException], ...]:
    """Exception types whose message is meant for the user (shown without a traceback)."""
    from .config import ConfigError

    return (CommandError, ConfigError, FileNotFoundError, ValueError, KeyError, OSError)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except user_errors() as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
