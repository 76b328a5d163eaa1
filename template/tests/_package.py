"""The project's package, found by the name ``pyproject.toml`` gives it.

Test modules import the project through ``load`` so they stay plain Python, with no templating.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
NAME: str = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["leanops"][
    "package"
]


importlib.import_module(NAME)  # binds the leanops runtime to the project's package


def load(module: str) -> ModuleType:
    """Import ``<package>.<module>`` (importing the package binds the leanops runtime to it).

    ``load("mlops.<module>")`` (before 0.4.0 the machinery was ``<package>.mlops``) still gives
    ``leanops_runtime.<module>`` (or the module it is part of now) for one version, with the
    FutureWarning that the old import paths give: import it directly.
    """
    if module.startswith("mlops."):
        import warnings

        from leanops_runtime.moved import MERGED  # the 0.3.0 modules part of another now

        old = module.removeprefix("mlops.")
        new = "settings" if old.startswith("settings.") else MERGED.get(old, old)
        runtime = f"leanops_runtime.{new}"
        warnings.warn(
            f"load({module!r}) is {runtime} since template 0.4.0: import {runtime}",
            FutureWarning,
            stacklevel=2,
        )
        return importlib.import_module(runtime)
    return importlib.import_module(f"{NAME}.{module}")
