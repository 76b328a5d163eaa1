"""File helpers every stage shares: atomic, durable writes, content hashes, guarded outputs.

Standard library only and cheap to import (the tracking module imports it), so one definition
serves the pipeline, the registry, predictions and tracking alike.

Every file written here gets the mode the process's umask gives a new file (0644 under the usual
022), not the 0600 of the temporary file it starts as: the Docker image's user and teammates
reading a shared folder must be able to read models and reports.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from .errors import UserError

# What a command's output may never replace, relative to the project folder: the project's
# definition (settings, contracts, code, locks), its data and everything the registry and the
# tracking store keep. ``guard_output`` adds the models and store folders of the settings.
PROTECTED = (
    "params.yaml",
    "pyproject.toml",
    "uv.lock",
    "requirements.lock",
    ".copier-answers.yml",
    ".env",
    ".git",
    "contracts",
    "src",
    "tests",
    "data/raw",
    "data/processed",
    ".leanops",
    "trusted-types.txt",
)


class OutputRefusedError(UserError):
    """An output path points at something the project keeps; one line naming it."""


TEMP_SUFFIX = ".tmp"


def umask() -> int:
    """The process's umask (read without changing it where the system allows)."""
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (not thread-safe, but brief)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a new regular file gets under the current umask (0644 under 022)."""
    return 0o666 & ~umask()


def fsync_dir(folder: Path | str) -> None:
    """Flush a folder's entries (a rename or a new file in it) to disk; a no-op on Windows."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` so readers see the old or the new content, never a mix.

    The bytes go to a temporary file in the same folder, are flushed to disk, given the umask's
    mode, then renamed over the target and the folder is flushed too: a crash or a full disk
    leaves the previous file intact (and at most a ``.<name>.*.tmp`` file, which
    ``remove_leftovers`` deletes).
    """
    import tempfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), file_mode())
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise
    fsync_dir(path.parent)
    return path


def remove_leftovers(folder: Path | str) -> list[Path]:
    """Delete the temporary files an interrupted ``write_atomic`` left in ``folder``."""
    removed = []
    for leftover in Path(folder).glob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
            removed.append(leftover)
    return removed


def sha256_of(path: Path | str) -> str:
    """SHA-256 hex digest of a file, read in chunks (models and datasets can be large)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def guard_output(
    path: Path | str,
    *,
    root: Path | str,
    keep: Iterable[Path | str] = (),
    inputs: Iterable[Path | str] = (),
) -> Path:
    """``path`` if a command may write its output there; else ``OutputRefusedError``, one line.

    Refused: a folder; the command's own input files; anything in ``PROTECTED`` under ``root``;
    anything under the extra folders or files of ``keep`` (the registry's ``models_dir``, the
    tracking store). Symbolic links are resolved first, so a link cannot smuggle a write in.
    """
    target = Path(path).resolve()
    base = Path(root).resolve()
    if target.is_dir():
        raise OutputRefusedError(f"refusing to write output to {path}: it is a folder")
    for source in inputs:
        if Path(source).resolve() == target:
            raise OutputRefusedError(
                f"refusing to write output to {path}: it is this command's input"
            )
    guarded = [base / name for name in PROTECTED] + [Path(p).resolve() for p in keep]
    for place in guarded:
        if target == place or target.is_relative_to(place):
            shown = place.relative_to(base) if place.is_relative_to(base) else place
            raise OutputRefusedError(
                f"refusing to write output to {path}: {shown} is kept by the project "
                "(choose a path under reports/ or outside the project)"
            )
    return Path(path)
