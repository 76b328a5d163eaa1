"""Shared fixtures: a throwaway project folder with the template's reference configuration.

The machinery's tests (``tests/mlops``) run on ``tests/mlops/reference`` — the configuration and
embedded dataset the template generated — not on the team's own ``params.yaml`` and
``contracts/``: a team that moves to its own table (whose data is not in git) keeps a green
suite. Your own tests can do the same, or read your configuration from ``ROOT``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from _package import NAME, REFERENCE


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch project folder with the reference params, contract and allowlist; the cwd.

    Environment overrides of the developer's shell are removed so tests see params.yaml alone
    (except the tracking backend, pinned to the local store).
    """
    shutil.copytree(REFERENCE, tmp_path, dirs_exist_ok=True)
    prefix = f"{NAME.upper()}_"
    for key in list(os.environ):
        if key.startswith(prefix):
            monkeypatch.delenv(key)
    # Runs go to the embedded store: an MLflow store costs seconds per new folder. The MLflow
    # backend has its own tests (test_tracking_mlflow.py).
    monkeypatch.setenv(f"{prefix}TRACKING_BACKEND", "local")
    monkeypatch.chdir(tmp_path)
    return tmp_path
