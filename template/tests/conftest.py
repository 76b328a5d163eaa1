"""Shared fixtures: a throwaway copy of the project's configuration for each test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from _package import NAME, ROOT


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch project folder: this project's params, contracts and allowlist; the cwd in a test.

    Environment overrides of the developer's shell are removed so tests see params.yaml alone
    (except the tracking backend, pinned to the local store).
    """
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    shutil.copy(ROOT / "trusted-types.txt", tmp_path / "trusted-types.txt")
    if (ROOT / "contracts").is_dir():
        shutil.copytree(ROOT / "contracts", tmp_path / "contracts")
    prefix = f"{NAME.upper()}_"
    for key in list(os.environ):
        if key.startswith(prefix):
            monkeypatch.delenv(key)
    # Runs go to the embedded store: an MLflow store costs seconds per new folder. The MLflow
    # backend has its own tests (test_tracking_mlflow.py).
    monkeypatch.setenv(f"{prefix}TRACKING_BACKEND", "local")
    monkeypatch.chdir(tmp_path)
    return tmp_path
