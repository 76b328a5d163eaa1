"""Run tracking: who ran what, where, on which code and data, with which results.

Usage::

    with start_run("train", params={"C": 1.0}) as run:
        run.log_dataset("train", frame, contract_version="1")
        run.log_metric("accuracy", 0.97)

Two backends behind one API, chosen by the setting ``tracking_backend``: the embedded SQLite
store (``local``: no server, standard library only, so importing this package stays cheap) and
an MLflow store or server (``mlflow_backend``: the team's shared run history). One module per
job: ``environment`` (git, user, host, lock hash), ``lineage`` (dataset fingerprints, feature
steps), ``local`` (the SQLite file and its runs) and ``mlflow_backend`` (runs on MLflow),
``mlflow_client`` (the connection to MLflow, from the settings), ``mlflow_export`` (local runs
to MLflow), ``api`` (what both offer, and which one records).
"""

from __future__ import annotations

from .api import (
    BACKENDS,
    STATUSES,
    RunDetails,
    RunRecord,
    RunStore,
    RunSummary,
    TrackedRun,
    TrackingError,
    backend_choice,
    compare,
    current_run,
    env_backend,
    run_store,
    start_run,
)
from .environment import git_state
from .lineage import Fingerprint, feature_steps, fingerprint
from .local import SCHEMA_VERSION, LocalRunStore, Run, connect, env_db, store_path

__all__ = [
    "BACKENDS",
    "SCHEMA_VERSION",
    "STATUSES",
    "Fingerprint",
    "LocalRunStore",
    "Run",
    "RunDetails",
    "RunRecord",
    "RunStore",
    "RunSummary",
    "TrackedRun",
    "TrackingError",
    "backend_choice",
    "compare",
    "connect",
    "current_run",
    "env_backend",
    "env_db",
    "feature_steps",
    "fingerprint",
    "git_state",
    "run_store",
    "start_run",
    "store_path",
]
