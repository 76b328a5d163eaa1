"""leanops runtime: the machinery every leanops project pins (CLI, settings, contracts, tracking,
registry, drift, report, alerts, logs), versioned with the template that renders the project.

A project keeps only its own code: ``features.py``, ``estimators.py`` and ``datasets.py`` in its
package (the extension points, read through ``leanops_runtime.team``), ``params.yaml`` and
``contracts/``. The project's package names itself with ``bind`` before the first command runs
(its ``__init__`` does); the name prefixes its environment variables (``ML_PROJECT_...``) and
names its command, runs and alerts.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

__all__ = ["bind", "package"]

_bound: list[str] = []


def bind(name: str) -> None:
    """Make ``name`` (an importable package, e.g. ``ml_project``) the project this process runs;
    its template 0.3.0 paths (``ml_project.mlops.X``) find the runtime for one more version."""
    from .moved import install

    _bound[:] = [name.split(".", maxsplit=1)[0]]
    install(_bound[0])


def package() -> str:
    """The project's package: the one bound, else ``[tool.leanops] package`` of the nearest
    ``pyproject.toml`` above the current folder, else ``project``."""
    if _bound:
        return _bound[0]
    for folder in (Path.cwd(), *Path.cwd().parents):
        found = _declared_package(folder / "pyproject.toml")
        if found:
            bind(found)
            return found
    return "project"


def _declared_package(pyproject: Path) -> str | None:
    """``[tool.leanops] package`` of ``pyproject``, when it is a readable leanops project."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = data.get("tool", {}).get("leanops", {}).get("package")
    return name if isinstance(name, str) and name.isidentifier() else None
