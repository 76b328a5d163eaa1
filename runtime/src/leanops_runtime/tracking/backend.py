"""Which backend records runs: ``tracking_backend`` of the settings (``local`` or ``mlflow``).

The settings decide (params.yaml, overridden by ``.env``, overridden by the environment); the
environment variable alone is read first so the embedded store starts without loading them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .api import RunStore, TrackedRun, TrackingError
from .local import env_db

if TYPE_CHECKING:
    from ..settings import Settings

BACKENDS = ("local", "mlflow")


def env_backend() -> str:
    """The variable choosing the backend: ``ML_PROJECT_TRACKING_BACKEND`` for ``ml_project``."""
    return env_db().removesuffix("_DB") + "_BACKEND"


def backend_choice(
    backend: str | None = None, root: Path | str | None = None, settings: Settings | None = None
) -> str:
    """The backend: ``backend``, else the settings' ``tracking_backend`` (environment first)."""
    choice = backend or os.environ.get(env_backend())
    if not choice:
        if settings is None:
            from ..settings import PARAMS_FILE, load_settings

            folder = Path(root if root is not None else ".")
            if not (folder / PARAMS_FILE).is_file():  # a script outside a project
                return "local"
            settings = load_settings(folder)
        choice = settings.tracking_backend
    if choice not in BACKENDS:
        known = ", ".join(BACKENDS)
        raise TrackingError(f"unknown tracking backend {choice!r}; use one of {known}")
    return choice


def start_run(
    name: str,
    *,
    params: Mapping[str, object] | None = None,
    tags: Mapping[str, object] | None = None,
    db: Path | str | None = None,
    backend: str | None = None,
    root: Path | str | None = None,
    settings: Settings | None = None,
) -> TrackedRun:
    """Start a run; use as ``with start_run("train", params=...) as run:``.

    The run is finished when the block ends, failed (and the error re-raised) when it raises, and
    read as crashed later if its process died without either.
    """
    from .environment import template_commit

    template = template_commit(root if root is not None else ".")
    if template is not None:  # which template (and runtime) the project was on
        tags = {"template_commit": template, **(tags or {})}
    if backend_choice(backend, root, settings) == "mlflow":
        from .mlflow_backend import MlflowRun
        from .mlflow_client import Connection

        connection = Connection.of(settings, root if root is not None else ".")
        return MlflowRun(name, params=params, tags=tags, connection=connection, root=root)
    from .local import Run

    if db is None and settings is not None:
        db = settings.tracking_db
    return Run(name, params=params, tags=tags, db=db, root=root)


def run_store(settings: Settings, root: Path | str = ".", db: Path | str | None = None) -> RunStore:
    """Where ``runs`` reads: the settings' backend (``db`` forces the embedded store's file)."""
    if db is None and backend_choice(None, root, settings) == "mlflow":
        from .mlflow_backend import MlflowRunStore
        from .mlflow_client import Connection

        return MlflowRunStore(Connection.of(settings, root))
    from .local import LocalRunStore

    return LocalRunStore(db if db is not None else settings.tracking_db)
