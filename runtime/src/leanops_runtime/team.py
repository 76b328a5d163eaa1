"""The team's extension points, read from the project's package (``leanops_runtime.package()``).

``features.build_features(contract)`` returns the feature transformer; ``estimators.ESTIMATORS``
maps a task to estimator names and their ``(module, class)``; ``datasets.DATASETS`` maps a
dataset name to a loader. The library calls them and uses what they return as it is: it never
swaps or rewrites a part of it. A missing or malformed one is one line naming the file.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING

from . import package
from .errors import UserError

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.base import TransformerMixin

    from .contract import Contract

Estimators = Mapping[str, Mapping[str, tuple[str, str]]]
Loaders = Mapping[str, Callable[[], "pd.DataFrame"]]


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


def build_features(contract: Contract) -> TransformerMixin:
    """The team's feature transformer for ``contract``."""
    build = getattr(_module("features"), "build_features", None)
    if not callable(build):
        raise ExtensionError(f"{package()}/features.py defines no build_features(contract)")
    transformer = build(contract)
    if not hasattr(transformer, "fit_transform"):
        raise ExtensionError(
            f"{package()}/features.py: build_features returned {type(transformer).__name__}, "
            "not a scikit-learn transformer"
        )
    return transformer


def estimators() -> Estimators:
    """Estimator names per task: the team's ``ESTIMATORS``."""
    found = getattr(_module("estimators"), "ESTIMATORS", None)
    if not isinstance(found, Mapping):
        raise ExtensionError(f"{package()}/estimators.py defines no ESTIMATORS mapping")
    return found


def datasets() -> Loaders:
    """Dataset loaders by name: the team's ``DATASETS``."""
    found = getattr(_module("datasets"), "DATASETS", None)
    if not isinstance(found, Mapping):
        raise ExtensionError(f"{package()}/datasets.py defines no DATASETS mapping")
    return found
