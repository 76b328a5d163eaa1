"""Parser, logging and exit codes shared by every command.

Expected failures (``errors.UserError``) print one line and exit with the error's code (2 to fix
a setting or a file, 1 when data or a model was refused); an unexpected exception prints one line
too, with a hint to rerun with ``--traceback``. Heavy libraries are imported inside the handlers,
so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from types import ModuleType

from .. import errors, logs, package
from . import data, info, monitor, pipeline, predict, registry, runs
from .common import add_global_options

# add_global_options lived here until 0.4.0, and team code may still import it from here.
__all__ = ["COMMAND_MODULES", "Handler", "add_global_options", "build_parser", "main"]

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]
# Modules that add sub-commands: each has ``register(subparsers)`` and sets ``handler`` on its
# parsers, a function ``(args) -> int`` returning the exit code.
COMMAND_MODULES: tuple[ModuleType, ...] = (
    info,
    pipeline,
    data,
    runs,
    registry,
    predict,
    monitor,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command (each takes the global options
    through ``common.root_option`` or ``common.global_options``)."""
    parser = argparse.ArgumentParser(
        prog=package().replace("_", "-"),
        description="Data contracts, a tracked pipeline, a model registry and drift checks.",
    )
    add_global_options(parser, default=None)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    args = build_parser().parse_args(argv)
    logs.configure(args.log_format, verbose=args.verbose)
    handler: Handler = args.handler
    try:
        return handler(args)
    except errors.UserError as error:
        log.error("%s", errors.first_line(error))
        for line in error.details():
            log.error("  %s", line)
        return error.exit_code
    except OSError as error:  # a file we were asked to read or write: permission, disk full, ...
        where = f" ({error.filename})" if error.filename else ""
        log.error("%s%s", error.strerror or errors.first_line(error), where)
        return errors.EXIT_USAGE
    except KeyboardInterrupt:
        log.error("interrupted")
        return 130
    except Exception as error:
        if args.traceback:
            raise
        log.error(
            "unexpected %s: %s (rerun with --traceback and report it)",
            type(error).__name__,
            errors.first_line(error),
        )
        return errors.EXIT_INTERNAL
