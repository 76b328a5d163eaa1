"""Parser, logging and exit codes shared by every command.

Expected failures (``errors.UserError``) print one line and exit with the error's code (2 to fix
a setting or a file, 1 when data or a model was refused); an unexpected exception prints one line
too, with a hint to rerun with ``--traceback``. Heavy libraries are imported inside the handlers,
so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from .. import errors, logs, package
from .common import add_global_options

# add_global_options lived here until 0.4.0, and team code may still import it from here, as
# it may COMMAND_MODULES (given by ``__getattr__``).
__all__ = [  # noqa: F822
    "COMMANDS",
    "COMMAND_MODULES",
    "Handler",
    "add_global_options",
    "build_parser",
    "main",
]

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]
# Each command and the module of this package that adds it: that module has
# ``register(subparsers)`` and sets ``handler`` on its parsers, a function ``(args) -> int``
# returning the exit code. A command imports its own module only; --help imports them all.
COMMANDS: dict[str, str] = {
    "info": "info",
    "ingest": "pipeline",
    "contract": "pipeline",
    "train": "pipeline",
    "evaluate": "pipeline",
    "pipeline": "pipeline",
    "prune": "data",
    "data": "data",
    "runs": "runs",
    "signers": "registry",
    "models": "registry",
    "promote": "registry",
    "rollback": "registry",
    "predict": "predict",
    "drift": "monitor",
    "report": "monitor",
}


def command_modules(command: str | None = None) -> tuple[ModuleType, ...]:
    """The modules adding ``command`` (every module for None or a word that is no command)."""
    names = [COMMANDS[command]] if command in COMMANDS else dict.fromkeys(COMMANDS.values())
    return tuple(importlib.import_module(f"{__package__}.{name}") for name in names)


def __getattr__(name: str) -> tuple[ModuleType, ...]:
    if name == "COMMAND_MODULES":  # every command's module, as before commands loaded lazily
        return command_modules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def command_of(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs: its first word that is neither a global option nor the value
    of one; None when help is asked before any command (``-h``, ``-vh``, ``--help``, ``--he``:
    every spelling argparse takes)."""
    words = iter(argv)
    for word in words:
        if asks_help(word):
            return None
        if word == "--log-format":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def asks_help(word: str) -> bool:
    """Whether argparse reads ``word`` as ``--help``: the option, a prefix of it, or a cluster
    of short flags holding ``h``."""
    if word.startswith("--"):
        return len(word) > 2 and "--help".startswith(word)
    return word.startswith("-") and "h" in word[1:]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with ``command``'s sub-commands, or every registered sub-command
    (each takes the global options through ``common.root_option`` or
    ``common.global_options``)."""
    parser = argparse.ArgumentParser(
        prog=package().replace("_", "-"),
        description="Data contracts, a tracked pipeline, a model registry and drift checks.",
    )
    add_global_options(parser, default=None)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for module in command_modules(command):
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    words = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(command_of(words)).parse_args(words)
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
