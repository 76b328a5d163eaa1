"""What the command modules share: the options every command takes, and loading the project's
settings."""

from __future__ import annotations

import argparse
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..registry import Registry
    from ..settings import Settings

    # The type of ``add_subparsers()``' result (only for the checker: not generic at run time).
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def global_options() -> argparse.ArgumentParser:
    """A parent parser adding ``--log-format``, ``--verbose`` and ``--traceback`` to a command,
    so they are accepted after it too (``pipeline --log-format json``); SUPPRESS keeps a value
    given before the command."""
    parent = argparse.ArgumentParser(add_help=False)
    add_global_options(parent, default=argparse.SUPPRESS)
    return parent


def add_global_options(parser: argparse.ArgumentParser, default: object) -> None:
    """``--log-format``, ``--verbose`` and ``--traceback``; ``default`` None: their own defaults."""
    from .. import logs

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


def output_path(args: argparse.Namespace, path: Path, *, inputs: tuple[Path, ...] = ()) -> Path:
    """``path`` when a command may write its output there (see ``files.guard_output``)."""
    from ..files import guard_output

    settings = settings_of(args)
    keep = (settings.models_dir, settings.tracking_db.parent)
    return guard_output(path, root=project_root(args), keep=keep, inputs=inputs)


def wrote_output(args: argparse.Namespace, path: Path) -> None:
    """Record a written output: the next run of a command may replace it (``output_path``)."""
    from ..files import remember_output

    remember_output(project_root(args), path)


def project_root(args: argparse.Namespace) -> Path:
    """``--root`` when the command has it, else the current folder."""
    root = getattr(args, "root", None)
    return Path(root) if root is not None else Path.cwd()
