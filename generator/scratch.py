"""Where Copier's throw-away renders go: in memory when the machine offers it.

A ``copier update`` clones the template and renders it three times into temporary folders, then
deletes them; on a disk mounted with ``discard`` (common on cloud machines) each deleted folder
costs milliseconds, about a third of an update. So renders go to ``/dev/shm`` (tmpfs) when it is
writable with room to spare, or to ``$LEANOPS_SCRATCH`` when set. Worktrees, which hold a
checkout of the user's repository, stay in the system's temporary folder on disk.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ENV_VAR = "LEANOPS_SCRATCH"
MEMORY = Path("/dev/shm")  # noqa: S108 (a tmpfs folder we create a private folder in)
MIN_FREE_BYTES = 2 * 1024**3
DISK = Path(tempfile.gettempdir())  # decided before any change below


def scratch_root() -> Path | None:
    """``$LEANOPS_SCRATCH``, else /dev/shm when writable with 2 GiB free, else None (disk)."""
    chosen = os.environ.get(ENV_VAR)
    if chosen:
        return Path(chosen)
    try:
        usable = os.access(MEMORY, os.W_OK) and shutil.disk_usage(MEMORY).free >= MIN_FREE_BYTES
    except OSError:
        return None
    return MEMORY if usable else None


@contextmanager
def renders_in_scratch() -> Iterator[None]:
    """Point Python's temporary folder (Copier's renders) at the scratch folder for a while;
    the folder is private (0700) and removed afterwards."""
    root = scratch_root()
    if root is None:
        yield
        return
    folder = Path(tempfile.mkdtemp(prefix="leanops-scratch-", dir=root))
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = previous
        shutil.rmtree(folder, ignore_errors=True)
