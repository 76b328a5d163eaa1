"""Shared fixtures of the project's tests.

The leanops runtime is tested where it is made; these tests check the team's own code and
configuration (``test_configuration.py``, ``test_datasets.py``) and that the whole flow runs in
this environment (``test_smoke.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _package import NAME


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the cwd, with no setting overridden by the developer's shell
    (except the tracking backend, pinned to the embedded store)."""
    prefix = f"{NAME.upper()}_"
    for key in list(os.environ):
        if key.startswith(prefix):
            monkeypatch.delenv(key)
    monkeypatch.setenv(f"{prefix}TRACKING_BACKEND", "local")
    monkeypatch.chdir(tmp_path)
    return tmp_path
