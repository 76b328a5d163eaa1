"""A machine learning project made with leanops: data contracts, pipeline, tracking, registry.

Who owns what (see docs/STYLE.md): ``features.py``, ``estimators.py`` and ``datasets.py`` are the
team's code, the extension points the leanops runtime calls; the machinery itself is the
``leanops-runtime`` library, pinned in ``pyproject.toml`` to the template commit this project
was rendered from.

The public API, for notebooks and scripts (imported on first use, so ``import <package>`` stays
instant)::

    from <package> import load_settings, open_registry, run_pipeline, start_run

Every expected failure of these (bad data, a setting to fix, a model refused at loading) raises
``UserError``, whose message is the one line the commands print:
``except UserError as error: print(error)``.

A module of your own run as a stage (``python -m <package>.<module>``) calls
``configure_logging()`` first: its log lines then show as the commands' do.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

try:
    import leanops_runtime
except ModuleNotFoundError as missing:  # a checkout pulled, its environment not synced since
    if missing.name != "leanops_runtime":
        raise
    raise ImportError(
        "the leanops runtime is not installed in this environment: run `uv sync` (or `uv run "
        "...`, which syncs first)"
    ) from missing

if TYPE_CHECKING:  # what type checkers see; at run time ``__getattr__`` imports on first use
    from leanops_runtime.contract import Contract, load_contract
    from leanops_runtime.errors import UserError
    from leanops_runtime.logs import configure_logging
    from leanops_runtime.pipeline import run_pipeline
    from leanops_runtime.registry import Registry, open_registry
    from leanops_runtime.settings import Settings, load_settings
    from leanops_runtime.tracking import start_run

# This package is the project the runtime serves: its name prefixes the settings' environment
# variables and names the command; the runtime imports the extension points from it.
leanops_runtime.bind(__name__)

# name -> runtime module that defines it; resolved lazily by ``__getattr__``.
_PUBLIC = {
    "Settings": "settings",
    "load_settings": "settings",
    "run_pipeline": "pipeline",
    "Registry": "registry",
    "open_registry": "registry",
    "start_run": "tracking",
    "Contract": "contract",
    "load_contract": "contract",
    "configure_logging": "logs",
    "UserError": "errors",
}
__all__ = [
    "Contract",
    "Registry",
    "Settings",
    "UserError",
    "configure_logging",
    "load_contract",
    "load_settings",
    "open_registry",
    "run_pipeline",
    "start_run",
]


def __getattr__(name: str) -> object:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"leanops_runtime.{_PUBLIC[name]}")
    return getattr(module, name)
