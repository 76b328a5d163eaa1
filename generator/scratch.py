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


OWNER_FILE = "leanops-owner.pid"


def owned_folder(prefix: str, root: Path) -> Path:
    """A new private folder ``root/<prefix>...`` marked with this process's id, after removing
    the folders of that prefix whose process is gone (a run killed before it could clean up)."""
    remove_abandoned(prefix, root)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=root))
    (folder / OWNER_FILE).write_text(str(os.getpid()))
    return folder


def remove_abandoned(prefix: str, root: Path) -> list[Path]:
    """Remove this user's ``root/<prefix>*`` folders whose owning process no longer runs;
    the removed folders. A folder without a readable owner, or whose owner runs, is kept."""
    removed = []
    for folder in sorted(root.glob(f"{prefix}*")):
        try:
            if folder.stat().st_uid != os.getuid() or not folder.is_dir():
                continue
            pid = int((folder / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if not running(pid):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def running(pid: int) -> bool:
    """Whether a process with this id exists (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def renders_in_scratch() -> Iterator[None]:
    """Point Python's temporary folder (Copier's renders) at the scratch folder for a while;
    the folder is private (0700) and removed afterwards (or by the next run, if this one is
    killed first)."""
    root = scratch_root()
    if root is None:
        yield
        return
    folder = owned_folder("leanops-scratch-", root)
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = previous
        shutil.rmtree(folder, ignore_errors=True)
