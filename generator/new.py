"""``leanops new``: render a project from the template with Copier, safely.

Refuses a non-empty destination, reports a bad answer in one line, and never leaves a
half-written folder behind.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

import copier
from copier.errors import CopierError

from .errors import LeanopsError, one_line

VALIDATION_ERROR = re.compile(r"Validation error for question '(?P<key>\w+)': (?P<why>.*)")


def parse_data(pairs: Iterable[str]) -> dict[str, str]:
    """``["key=value", ...]`` -> ``{"key": "value"}``; a pair without ``=`` is an error."""
    data = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise LeanopsError(f"-d expects key=value, got {pair!r}")
        data[key.strip()] = value
    return data


def check_destination(destination: Path) -> None:
    """Refuse a destination that exists and holds anything, or that is a file."""
    if destination.is_file():
        raise LeanopsError(f"destination {destination} is a file; choose a new folder")
    if destination.is_dir() and any(destination.iterdir()):
        raise LeanopsError(f"destination {destination} is not empty; choose a new folder")


def render_project(
    source: str,
    destination: Path,
    data: Mapping[str, object],
    *,
    defaults: bool,
    vcs_ref: str | None = None,
    quiet: bool = False,
) -> Path:
    """Copy the template into ``destination``; on any failure remove what was written."""
    destination = destination.expanduser().resolve()
    check_destination(destination)
    existed = destination.exists()
    try:
        copier.run_copy(
            source,
            destination,
            data=dict(data),
            defaults=defaults,
            unsafe=True,
            vcs_ref=vcs_ref,
            quiet=quiet,
        )
    except (ValueError, CopierError, OSError) as error:
        _remove_partial(destination, existed)
        raise LeanopsError(explain(error)) from error
    except BaseException:
        _remove_partial(destination, existed)
        raise
    return destination


def explain(error: BaseException) -> str:
    """Copier's error as one line; a validation error becomes ``invalid answer for KEY: why``."""
    message = one_line(error)
    match = VALIDATION_ERROR.match(message)
    return f"invalid answer for {match['key']}: {match['why']}" if match else message


def _remove_partial(destination: Path, existed: bool) -> None:
    """Leave the destination as it was: gone if we created it, empty if it was empty."""
    if not destination.exists():
        return
    if existed:
        for child in destination.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    else:
        shutil.rmtree(destination)


def next_steps(destination: Path) -> list[str]:
    """What to run next, shown after a successful render."""
    name = destination.name
    return [
        f"cd {destination}",
        "uv sync                       # install the locked environment",
        "uv run pre-commit install     # lint on every commit",
        "uv run nox -s tests           # run the tests",
        f"# later: leanops update {name}  (pull template improvements)",
    ]
