"""Template 0.3.0's machinery paths, ``<package>.mlops.X``, still import for one version.

Up to template 0.3.0 each project vendored the machinery as ``<package>.mlops``; it is this
library now, with the same module tree (``MERGED`` names the modules that became part of
another). The 0.4.0 migration rewrites the imports it finds; code it never saw (a teammate's
branch begun before the update, a notebook kept outside the repository) imports the old path
and gets the runtime's module itself, not a copy, with a FutureWarning naming the new path. A
module the team added to its ``mlops/`` folder, which the runtime does not have, is still that
module. Installed by ``bind``; removed in the next version.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

RUNTIME = "leanops_runtime"
# 0.3.0 modules that are part of another now: ``settings.train`` -> ``settings``.
MERGED = {
    **{f"settings.{part}": "settings" for part in ("alerts", "base", "data", "drift")},
    **{f"settings.{part}": "settings" for part in ("promotion", "tracking", "train")},
    "cli.common": "cli.app",
    "evaluate": "metrics",
    "lifecycle": "metrics",
    "info": "tracking.environment",
    "tracking.backend": "tracking.api",
    "tracking.store": "tracking.local",
}


class MovedMachinery(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``<package>.mlops[.X]``: the runtime's module where it has one, else the team's
    own file in ``<package folder>/mlops/``."""

    def __init__(self, package: str, folder: Path | None) -> None:
        self.prefix = f"{package}.mlops"
        self.folder = folder  # the package's own mlops/ folder, if it has one

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname != self.prefix and not fullname.startswith(f"{self.prefix}."):
            return None
        rest = fullname.removeprefix(self.prefix).lstrip(".")
        runtime = ".".join(filter(None, (RUNTIME, MERGED.get(rest, rest))))
        try:
            found = importlib.util.find_spec(runtime)
        except ImportError:
            found = None
        if found is None:
            return self.own_file(fullname, rest)
        spec = ModuleSpec(fullname, self, is_package=found.submodule_search_locations is not None)
        spec.loader_state = runtime
        return spec

    def own_file(self, fullname: str, rest: str) -> ModuleSpec | None:
        """A module of the team's own in its ``mlops/`` folder (the runtime has none of that
        name), loaded from its file."""
        if self.folder is None or not rest:
            return None
        base = self.folder.joinpath(*rest.split("."))
        for file in (base.with_suffix(".py"), base / "__init__.py"):
            if file.is_file():
                return importlib.util.spec_from_file_location(fullname, file)
        return None

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        """The runtime's module itself: one copy of its state, whichever path imported it."""
        runtime = str(spec.loader_state)
        if runtime == RUNTIME:  # the old package itself: its modules, imported next, say it
            return importlib.import_module(runtime)
        warnings.warn(
            f"{spec.name} is {runtime} since template 0.4.0: import {runtime} (the old path "
            "goes in the next version)",
            FutureWarning,
            stacklevel=2,
        )
        return importlib.import_module(runtime)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the runtime's module is imported already."""


def install(package: str) -> None:
    """Make ``<package>.mlops`` paths find the runtime, once per process and package."""
    if any(isinstance(f, MovedMachinery) and f.prefix == f"{package}.mlops" for f in sys.meta_path):
        return
    module = sys.modules.get(package)
    file = getattr(module, "__file__", None)
    folder = Path(file).parent / "mlops" if file else None
    # First: the path finder would otherwise find the runtime's files again under the old name,
    # a second copy of each module (the old package's folder, if left, holds no machinery).
    sys.meta_path.insert(0, MovedMachinery(package, folder))
