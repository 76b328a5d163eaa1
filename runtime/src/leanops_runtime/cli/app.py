"""The command line: which command runs, and what every command shares (the global options,
the project's root, settings and registry, output paths), its logging and exit codes.

Expected failures (``errors.UserError``) print one line and exit with the error's code (2 to fix
a setting or a file, 1 when data or a model was refused); an unexpected exception prints one line
too, with a hint to rerun with ``--traceback``. Heavy libraries are imported inside the handlers,
so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from .. import errors, logs, package

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..registry import Registry
    from ..settings import Settings

    # The type of ``add_subparsers()``' result (only for the checker: not generic at run time).
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

# COMMAND_MODULES (0.3.0's name) is given by ``__getattr__``, for team code that imports it.
__all__ = [  # noqa: F822
    "COMMANDS",
    "COMMAND_MODULES",
    "Handler",
    "add_global_options",
    "build_parser",
    "main",
]

log = logging.getLogger(__name__)


def global_options() -> argparse.ArgumentParser:
    """A parent parser adding ``--log-format``, ``--verbose`` and ``--traceback`` to a command,
    so they are accepted after it too (``pipeline --log-format json``); SUPPRESS keeps a value
    given before the command."""
    parent = argparse.ArgumentParser(add_help=False)
    add_global_options(parent, default=argparse.SUPPRESS)
    return parent


def add_global_options(parser: argparse.ArgumentParser, default: object) -> None:
    """``--log-format``, ``--verbose`` and ``--traceback``; ``default`` None: their own defaults."""
    parser.add_argument(
        "--log-format",
        choices=logs.LOG_FORMATS,
        default="text" if default is None else default,
        help="text for people (default), json for one JSON object per log line",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if default is None else default,
        help="also log debug messages",
    )
    parser.add_argument(
        "--traceback",
        action="store_true",
        default=False if default is None else default,
        help="show the full traceback of an unexpected error",
    )


def root_option() -> argparse.ArgumentParser:
    """A parent parser adding ``--root`` (the project folder, default: the current one) and the
    global options: what every command that reads a project takes."""
    parent = argparse.ArgumentParser(add_help=False, parents=[global_options()])
    parent.add_argument(
        "--root", type=Path, default=Path(), help="project folder (default: current)"
    )
    return parent


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings of the project at ``--root`` (params.yaml, environment, .env), read once per
    command: every later call of the same command gets the same object."""
    from ..settings import load_settings

    loaded: Settings | None = getattr(args, "loaded_settings", None)
    if loaded is None:
        loaded = load_settings(project_root(args))
        args.loaded_settings = loaded
    return loaded


def registry_of(args: argparse.Namespace) -> Registry:
    """The registry of the project at ``--root``: its backend, ``models_dir`` and dataset."""
    from ..registry import open_registry

    return open_registry(settings_of(args), project_root(args))


def output_path(
    args: argparse.Namespace,
    path: Path,
    *,
    inputs: tuple[Path, ...] = (),
    own: Path | None = None,
    where: str | None = None,
) -> Path:
    """``path`` when a command may write its output there (see ``files.guard_output``: ``own``
    is the command's own folder in a kept one, ``where`` what a refusal suggests)."""
    from ..files import WHERE, guard_output

    settings = settings_of(args)
    keep = (settings.models_dir, settings.tracking_db.parent)
    root = project_root(args)
    return guard_output(path, root=root, keep=keep, inputs=inputs, own=own, where=where or WHERE)


def wrote_output(args: argparse.Namespace, path: Path) -> None:
    """Record a written output: the next run of a command may replace it (``output_path``)."""
    from ..files import remember_output

    remember_output(project_root(args), path)


def project_root(args: argparse.Namespace) -> Path:
    """``--root`` when the command has it, else the current folder."""
    root = getattr(args, "root", None)
    return Path(root) if root is not None else Path.cwd()


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
    except KeyboardInterrupt:
        log.error("interrupted")
        return 130
    except Exception as error:
        if args.traceback and not isinstance(error, errors.UserError | OSError):
            raise
        return failed(error)


def reader_gone() -> bool:
    """Whether the reader of standard output went away (a pipe's other end closed), rather
    than a pipe or socket of the command's own work (its error is the user's to see)."""
    import select

    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no file behind it (a notebook, a capture)
        return False
    if not hasattr(select, "poll"):  # Windows: a closed stdout is the likely one
        return True
    poller = select.poll()
    poller.register(descriptor, select.POLLOUT)
    return any(event & (select.POLLERR | select.POLLHUP) for _, event in poller.poll(0))


def failed(error: Exception) -> int:
    """Say in one line why a command failed, and return its exit code: the user's to fix (a
    ``UserError``, a file, the project's own code), or the library's bug."""
    if isinstance(error, errors.UserError):
        log.error("%s", errors.first_line(error))
        for line in error.details():
            log.error("  %s", line)
        return error.exit_code
    if isinstance(error, BrokenPipeError) and reader_gone():  # `... | head`: it has its lines
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit flush
        return errors.EXIT_BROKEN_PIPE
    if isinstance(error, OSError):  # a file we were asked to read or write: permission, disk full
        where = f" ({error.filename})" if error.filename else ""
        log.error("%s%s", error.strerror or errors.first_line(error), where)
        return errors.EXIT_USAGE
    from ..team import raised_in_team_code

    team_line = raised_in_team_code(error)
    if team_line is not None:  # the project's own code: the team's to fix, not a bug
        log.error(
            "%s: %s: %s (in the project's own code; --traceback shows the whole trace)",
            team_line,
            type(error).__name__,
            errors.first_line(error),
        )
        return errors.EXIT_USAGE
    log.error(
        "unexpected %s: %s (rerun with --traceback and report it)",
        type(error).__name__,
        errors.first_line(error),
    )
    return errors.EXIT_INTERNAL
