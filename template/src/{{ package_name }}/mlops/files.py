"""File helpers every stage shares: atomic, durable writes and content hashes.

Standard library only and cheap to import (the tracking module imports it), so one definition
serves the pipeline, the registry, predictions and tracking alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path


def write_atomic(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` so readers see the old or the new content, never a mix.

    The bytes go to a temporary file in the same folder, are flushed to disk, then renamed over
    the target: a crash or a full disk leaves the previous file intact.
    """
    import tempfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise
    return path


def sha256_of(path: Path | str) -> str:
    """SHA-256 hex digest of a file, read in chunks (models and datasets can be large)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
