"""Template 0.3.0's machinery paths, ``<package>.mlops.X``, still import for one version.

Up to template 0.3.0 each project vendored the machinery as ``<package>.mlops``; it is this
library now, with the same module tree (``MERGED`` names the modules that became part of
another). The 0.4.0 migration rewrites the imports it finds; code it never saw (a teammate's
branch begun before the update, a notebook kept outside the repository) imports the old path
and gets the runtime's module itself, not a copy, with a FutureWarning naming the new path. A
module the team added to its ``mlops/`` folder (any name 0.3.0 did not ship) is still that
module. 0.3.0's ``settings`` package is one module now: ``<package>.mlops.settings.train`` is
``leanops_runtime.settings`` too, which takes an (empty) ``__path__`` for the import system to
find what is below it. Installed by ``bind``; removed in the next version.
"""

from __future__ import annotations

import importlib
import re
import sys
import warnings
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # at run time the finder is a plain class: importlib.abc costs 15 ms to import
    from importlib.abc import Loader

RUNTIME = "leanops_runtime"
# The modules 0.3.0 rendered in ``<package>/mlops/`` (below it; packages by their own name).
SHIPPED_MODULES = """
alerts data errors evaluate features files gate info lifecycle logs metrics model pipeline
predict promotion tables train cli cli.app cli.common cli.info cli.monitor cli.pipeline
cli.predict cli.registry cli.runs contract contract.checks contract.inference contract.model
contract.reading contract.writing drift drift.check drift.reference drift.stats registry
registry.base registry.local registry.mlflow_registry registry.records registry.trust report
report.charts report.collect report.html report.status settings settings.alerts settings.base
settings.data settings.drift settings.promotion settings.tracking settings.train tracking
tracking.api tracking.backend tracking.environment tracking.lineage tracking.local
tracking.mlflow_backend tracking.mlflow_client tracking.mlflow_export tracking.store
"""
SHIPPED = frozenset(SHIPPED_MODULES.split())
# 0.3.0's packages that are one module now: the import system needs them to be packages.
FOLDED = frozenset({"settings"})
# 0.3.0 modules that are part of another now.
MERGED = {
    **{name: "settings" for name in SHIPPED if name.startswith("settings.")},
    "cli.common": "cli.app",
    "evaluate": "metrics",
    "lifecycle": "metrics",
    "info": "tracking.environment",
    "tracking.backend": "tracking.api",
    "tracking.store": "tracking.local",
}


class OldPackage(ModuleType):
    """``<package>.mlops`` itself: each attribute is the module of that name below it (the
    runtime's, with its warning, or the team's own), imported on first use."""

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):
            raise AttributeError(name)
        if name == "PACKAGE":  # a constant of 0.3.0's package, a function of the runtime now
            from . import package

            warnings.warn(
                f"{self.__name__}.PACKAGE is leanops_runtime.package() since template 0.4.0",
                FutureWarning,
                stacklevel=2,
            )
            return package()
        below = f"{self.__name__}.{name}"
        try:
            return importlib.import_module(below)
        except ModuleNotFoundError as error:
            if error.name != below:  # raised inside that module: its own error, as it is
                raise
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}") from error
        except AttributeError as error:  # raised inside that module: not a missing attribute
            raise ImportError(f"importing {below}: {error}") from error


class MovedMachinery:
    """Finds ``<package>.mlops`` and below: a module 0.3.0 shipped is the runtime's; any other
    is the team's own file in the package's ``mlops/`` folder."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.prefix = f"{package}.mlops"

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname == self.prefix:
            return ModuleSpec(fullname, cast("Loader", self), is_package=True)
        if not fullname.startswith(f"{self.prefix}."):
            return None
        import importlib.util

        rest = fullname.removeprefix(f"{self.prefix}.")
        if rest not in SHIPPED:
            own = self.own_file(fullname, rest)
            if own is None and "." in rest:  # below a runtime package, the path finder would
                # find the runtime's files again under the old name: a second copy
                raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
            return own
        runtime = f"{RUNTIME}.{MERGED.get(rest, rest)}"
        found = importlib.util.find_spec(runtime)
        package = found is not None and found.submodule_search_locations is not None
        spec = ModuleSpec(fullname, cast("Loader", self), is_package=package or rest in FOLDED)
        spec.loader_state = runtime
        return spec

    def own_file(self, fullname: str, rest: str) -> ModuleSpec | None:
        """A module of the team's own in its ``mlops/`` folder, loaded from its file."""
        import importlib.util

        package = sys.modules.get(self.package)
        for folder in getattr(package, "__path__", []):
            base = Path(folder, "mlops", *rest.split("."))
            for file in (base.with_suffix(".py"), base / "__init__.py"):
                if file.is_file():
                    return importlib.util.spec_from_file_location(fullname, file)
            if base.is_dir():  # a folder of modules without __init__.py, as Python allows
                spec = ModuleSpec(fullname, None, is_package=True)
                spec.submodule_search_locations = [str(base)]
                return spec
        return None

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        """The runtime's module itself, one copy of its state whichever path imported it (the
        old package: a module of its own, whose attributes import the modules below it)."""
        if spec.loader_state is None:
            return OldPackage(spec.name)
        runtime = str(spec.loader_state)
        warnings.warn(
            f"{spec.name} is {runtime} since template 0.4.0: import {runtime} (the old path "
            "goes in the next version)",
            FutureWarning,
            stacklevel=2,
        )
        module = importlib.import_module(runtime)
        spec.loader_state = (runtime, module.__spec__)  # put back once the import system is done
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run; the runtime's module keeps its own spec (the import system has just
        set the old name's on it, and its resources are found through it)."""
        state = module.__spec__.loader_state if module.__spec__ is not None else None
        if isinstance(state, tuple):
            module.__spec__ = state[1]


def old_machinery(module: str) -> bool:
    """Whether ``module`` is one of template 0.3.0's machinery modules of the bound project
    (``<package>.mlops.X``, X shipped), found in the runtime for now: a model file naming one
    loads until the next version (``new_home``), and is to be trained again."""
    from . import package

    package()  # binds the project found from the current folder, if none is yet
    for finder in sys.meta_path:
        if isinstance(finder, MovedMachinery) and module.startswith(f"{finder.prefix}."):
            return module.removeprefix(f"{finder.prefix}.") in SHIPPED
    return False


def new_home(kind: str) -> str | None:
    """The runtime type a model's ``<package>.mlops.X.Name`` (template 0.3.0's machinery) is
    now, when the runtime has it and any copy of that module the update kept (the team edited
    it) defines the class alike: the same class, which that old path imports until the next
    version. None for any other type."""
    module, _, name = kind.rpartition(".")
    if not old_machinery(module):
        return None
    rest = module.partition(".mlops.")[2]
    runtime = f"{RUNTIME}.{MERGED.get(rest, rest)}"
    try:
        home = importlib.import_module(runtime)
        found = getattr(home, name)
    except (ImportError, AttributeError):
        return None
    if not (isinstance(found, type) and found.__module__ == runtime):
        return None
    finders = [f for f in sys.meta_path if isinstance(f, MovedMachinery)]
    for finder in (f for f in finders if module.startswith(f"{f.prefix}.")):
        kept = finder.own_file(module, rest)  # a copy the team edited, kept by the update
        if kept is not None and not defines_alike(kept.origin, home, name):
            return None
    return f"{runtime}.{name}"


def definitions(source: str) -> dict[str, str]:
    """A module's top-level classes, functions and assignments, by name: their code."""
    import ast

    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            found[node.name] = ast.dump(node)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found |= {t.id: ast.dump(node) for t in targets if isinstance(t, ast.Name)}
    return found


def defines_alike(kept: str | None, runtime: ModuleType, name: str) -> bool:
    """Whether the file ``kept`` defines class ``name``, and every name of its module it uses
    (``EPOCH``), as the runtime's module does: a team's edit elsewhere in the file leaves the
    class the runtime's."""
    import inspect

    try:
        ours = definitions(Path(kept or "").read_text(encoding="utf-8"))
        theirs = definitions(inspect.getsource(runtime))
    except (OSError, SyntaxError, ValueError, TypeError):
        return False
    needed, seen = [name], set()
    while needed:
        current = needed.pop()
        if current in seen or (current not in ours and current not in theirs):
            continue
        seen.add(current)
        if ours.get(current) != theirs.get(current):
            return False
        needed += re.findall(r"Name\(id='(\w+)'", ours[current])  # the names it uses
    return True


def install(package: str) -> None:
    """Make ``<package>.mlops`` paths find the runtime, once per process and package."""
    if any(isinstance(f, MovedMachinery) and f.package == package for f in sys.meta_path):
        return
    # First: the path finder would otherwise find a folder left by the old package (its
    # ``__pycache__``) as an empty namespace package.
    sys.meta_path.insert(0, MovedMachinery(package))
