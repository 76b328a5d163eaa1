"""The team's extension points, read from the project's package (``leanops_runtime.package()``).

``features.build_features(contract, fit)`` returns the feature transformer;
``estimators.ESTIMATORS`` maps a task to estimator names and their ``(module, class)``;
``datasets.DATASETS`` maps a dataset name to a loader. The library calls them and uses what
they return as it is: it never swaps or rewrites a part of it. A missing or malformed one is one
line naming the file.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import traceback
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from . import package
from .errors import UserError

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.base import TransformerMixin

    from .contract import Contract
    from .features import FitContext

Estimators = Mapping[str, Mapping[str, tuple[str, str]]]
Loaders = Mapping[str, Callable[[], "pd.DataFrame"]]


log = logging.getLogger(__name__)


class ExtensionError(UserError):
    """An extension module of the team's package is not what the library can call."""


def _module(name: str) -> ModuleType:
    """``<package>.<name>``; ``ExtensionError`` when the team's package has no such module."""
    qualified = f"{package()}.{name}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as error:
        if error.name in (qualified, package()):
            raise ExtensionError(
                f"cannot import {qualified}: the project's {name}.py is missing"
            ) from error
        raise


def build_features(contract: Contract, fit: FitContext) -> TransformerMixin:
    """The team's feature transformer for ``contract``, built for ``fit``.

    A ``build_features(contract)`` of one parameter (0.3's) still works for this version: its
    transformer is passed through ``features.shape_for``, with a warning that says so.
    """
    build = getattr(_module("features"), "build_features", None)
    if not callable(build):
        raise ExtensionError(f"{package()}/features.py defines no build_features(contract, fit)")
    if _takes_one_argument(build):
        message = (
            f"{package()}/features.py: build_features(contract) is 0.3's signature; its "
            "transformer is shaped by leanops_runtime.features.shape_for for this version "
            "only: take a second parameter, fit, and pass it to default_preprocessor"
        )
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        log.warning("%s", message)
        from .features import shape_for

        transformer = shape_for(build(contract), fit)
    else:
        transformer = build(contract, fit)
    if not hasattr(transformer, "fit_transform"):
        raise ExtensionError(
            f"{package()}/features.py: build_features returned {type(transformer).__name__}, "
            "not a scikit-learn transformer"
        )
    return transformer


def _takes_one_argument(function: Callable[..., object]) -> bool:
    """Whether ``function`` can be called with one positional argument but not with two."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return False
    try:
        signature.bind(None, None)
    except TypeError:
        return True
    return False


def estimators() -> Estimators:
    """Estimator names per task: the team's ``ESTIMATORS``."""
    found = getattr(_module("estimators"), "ESTIMATORS", None)
    if not isinstance(found, Mapping):
        raise ExtensionError(f"{package()}/estimators.py defines no ESTIMATORS mapping")
    for task, by_name in found.items():
        if not isinstance(by_name, Mapping):
            raise ExtensionError(
                f"{package()}/estimators.py: ESTIMATORS[{task!r}] is a "
                f"{type(by_name).__name__}, not a mapping of names to (module, class)"
            )
        for name, where in by_name.items():
            if not (
                isinstance(where, tuple | list)
                and len(where) == 2
                and all(isinstance(part, str) for part in where)
            ):
                raise ExtensionError(
                    f"{package()}/estimators.py: ESTIMATORS[{task!r}][{name!r}] is {where!r}, "
                    'not a (module, class) pair such as ("sklearn.linear_model", "Ridge")'
                )
    return found


def tasks_of_estimator(name: str) -> list[str]:
    """The tasks whose ``ESTIMATORS`` list ``name`` (none: estimators.py does not know it)."""
    return [task for task, by_name in estimators().items() if name in by_name]


def datasets() -> Loaders:
    """Dataset loaders by name: the team's ``DATASETS``."""
    found = getattr(_module("datasets"), "DATASETS", None)
    if not isinstance(found, Mapping):
        raise ExtensionError(f"{package()}/datasets.py defines no DATASETS mapping")
    for name, loader in found.items():
        if not callable(loader):
            raise ExtensionError(
                f"{package()}/datasets.py: DATASETS[{name!r}] is a {type(loader).__name__}, not "
                "a loader: map the name to the function itself (load_x, not load_x())"
            )
    return found


def raised_in_team_code(error: BaseException) -> str | None:
    """``path:line`` in the team's package where ``error`` was raised, or where the team's code
    called what raised it (a pandas ``KeyError`` of a column a transformer asks for); None when
    the library is nearer the error than the team's code (the library's own bug)."""
    folder = _package_folder()
    if folder is None:
        return None
    if isinstance(error, SyntaxError) and error.filename:  # raised compiling the team's file
        frames = [(error.filename, error.lineno or 0)]
    else:
        frames = [(f.filename, f.lineno or 0) for f in traceback.extract_tb(error.__traceback__)]
    library = Path(__file__).resolve().parent
    for filename, line in reversed(frames):
        path = Path(filename).resolve()
        if path.is_relative_to(library):
            return None
        if path.is_relative_to(folder):  # shown as Python named it, from the cwd when below
            given = Path(filename)
            shown = given.relative_to(Path.cwd()) if given.is_relative_to(Path.cwd()) else given
            return f"{shown}:{line}"
    return None


def _package_folder() -> Path | None:
    """The folder of the team's package, when it can be found without running it."""
    from importlib.util import find_spec

    try:
        spec = find_spec(package())
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return Path(locations[0]).resolve() if locations else None
