"""What this environment runs — package versions and the lock file's SHA-256.

The same lock hash is recorded on every tracked run, so a result can be traced to its environment.
Imports are deferred: ``tracking`` imports ``lock_sha256`` from here and must start in milliseconds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import package

LOCK_FILE = "uv.lock"
KEY_PACKAGES = (
    "leanops-runtime",
    "numpy",
    "pandas",
    "scikit-learn",
    "scipy",
    "pandera",
    "pyarrow",
    "skops",
)


def lock_sha256(root: Path | str = ".") -> str | None:
    """SHA-256 of ``uv.lock`` at ``root``, or None when the project is not locked yet."""
    path = Path(root) / LOCK_FILE
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str]:
    """Installed versions of the given distributions ('missing' when not installed)."""
    from importlib import metadata

    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def environment_report(root: Path | str = ".") -> dict[str, object]:
    """Everything ``info`` prints, as data."""
    import platform
    import sys

    return {
        "package": package(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executable": sys.executable,
        "lock_sha256": lock_sha256(root) or "not locked (run: uv lock)",
        "packages": package_versions(),
    }
