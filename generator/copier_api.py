"""Calling Copier: its update and copy with the options leanops always wants, errors as one line.

Copier is imported lazily (it takes ~0.5 s), and every error it can raise (its own, git's through
plumbum, the file system's) becomes a :class:`LeanopsError` whose message says what git said.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Mapping
from pathlib import Path

from .errors import LeanopsError, one_line

CHECKOUT_ENV = "LEANOPS_CHECKOUT"  # the user's project folder: migrations may read, not write
NOTES_ENV = "LEANOPS_NOTES"  # a file migrations append follow-ups to, one line each


def explain(error: BaseException) -> str:
    """Copier's error as one line; a failed git command says git's own message."""
    from plumbum.commands.processes import ProcessExecutionError

    if isinstance(error, ProcessExecutionError):
        stderr = str(error.stderr or "")
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        # git's reason is its "fatal:" line; a progress line ("Cloning into ...") may come first.
        fatal = [line for line in lines if line.startswith(("fatal: ", "error: "))]
        command = " ".join(str(part) for part in list(error.argv)[:2])
        reason = (fatal or lines or [f"exit {error.retcode}"])[0]
        return f"{command} failed: {reason.removeprefix('fatal: ')}"
    return one_line(error)


def copier_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a Copier call can end with that are not bugs."""
    from copier.errors import CopierError
    from plumbum.commands.processes import ProcessExecutionError

    return (CopierError, ProcessExecutionError, ValueError, OSError)


def run_copier_update(project_dir: Path, ref: str, *, checkout: Path, notes: Path) -> None:
    """Copier's merge in ``project_dir`` (inside an update worktree).

    Runs from the user's project folder ``checkout`` so that a relative ``_src_path`` means what
    it meant there; migrations learn that folder (to read, never to write) and where to leave
    follow-ups through the environment.
    """
    import copier
    from plumbum import local

    with (
        contextlib.chdir(checkout),
        local.env(**{CHECKOUT_ENV: str(checkout), NOTES_ENV: str(notes)}),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        try:
            copier.run_update(
                dst_path=project_dir,
                overwrite=True,
                conflict="inline",
                defaults=True,
                skip_answered=True,
                unsafe=True,
                vcs_ref=ref,
                quiet=True,
            )
        except copier_errors() as error:
            raise LeanopsError(f"copier update failed: {explain(error)}") from error


def render(source: str, destination: Path, answers: Mapping[str, object], ref: str) -> None:
    """Render ``source`` at ``ref`` with ``answers`` into ``destination``, tasks skipped."""
    import copier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            copier.run_copy(
                source,
                destination,
                data=dict(answers),
                defaults=True,
                unsafe=True,
                vcs_ref=ref,
                quiet=True,
                skip_tasks=True,
            )
        except copier_errors() as error:
            raise LeanopsError(f"rendering {ref} failed: {explain(error)}") from error
