"""Fixtures: a scratch project folder with the reference configuration, features included.

The team's ``features.py`` is written for the team's own columns, so the library's tests put the
library's default preprocessor in its place. Subprocesses get the same through
``run_reference.py``.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest
from _package import CHARTS, NAME, REFERENCE, lib, load


def wait_for_system_packages() -> None:
    """Return once Debian's packages the tests need are installed: at once, unless ``.ci/run``
    is installing them in the background, holding the file ``LEANOPS_PACKAGES_LOCK`` names
    locked until apt ends (the tests that need none start meanwhile)."""
    path = os.environ.get("LEANOPS_PACKAGES_LOCK")
    if path and Path(path).is_file():  # gone: the install it guarded is over
        with Path(path).open("rb") as held:
            fcntl.flock(held, fcntl.LOCK_SH)


@pytest.fixture(scope="session")
def system_packages() -> None:
    """Debian's chromium, PostgreSQL and ssh-keygen, for the tests that run them."""
    wait_for_system_packages()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch project folder with the reference params, contract and allowlist; the cwd.

    Environment overrides of the developer's shell are removed so tests see params.yaml alone
    (except the tracking backend, pinned to the local store).
    """
    shutil.copytree(REFERENCE, tmp_path, dirs_exist_ok=True)
    # 20 boosting rounds instead of the reference's 100: every behaviour under test is the
    # same, and each fit, model file and load is about five times smaller.
    params = tmp_path / "params.yaml"
    text = params.read_text(encoding="utf-8")
    assert "    max_iter: 100\n" in text, "the reference's boosting rounds moved"
    params.write_text(text.replace("    max_iter: 100\n", "    max_iter: 20\n"), encoding="utf-8")
    prefix = f"{NAME.upper()}_"
    for key in list(os.environ):
        if key.startswith(prefix):
            monkeypatch.delenv(key)
    # Runs go to the embedded store: an MLflow store costs seconds per new folder. The MLflow
    # backend has its own tests (test_tracking_mlflow.py).
    monkeypatch.setenv(f"{prefix}TRACKING_BACKEND", "local")
    # Every pipeline runs every stage: tests run it again on purpose (a second version, a
    # refused table). Skipping has its own tests (test_stages.py), which remove this.
    monkeypatch.setenv(f"{prefix}SKIP_UNCHANGED", "false")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(autouse=True)
def reference_features(monkeypatch: pytest.MonkeyPatch) -> None:
    """``build_features`` is the library's default preprocessor for every test."""
    default = lib("features").default_preprocessor
    monkeypatch.setattr(load("features"), "build_features", default)


@pytest.fixture(autouse=True)
def quick_latency(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gate times each model on 3 batches instead of 20: the tests check that latency is
    measured, compared and budgeted, not how steady the figure is (a quarter of a second saved
    per promotion)."""
    monkeypatch.setattr(lib("costs"), "REPEATS", 3)


@pytest.fixture(autouse=True)
def tables_only_reports(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports draw no charts outside test_report.py, as where matplotlib is not installed:
    the other tests read the report's tables and files, and drawing a page's charts costs 1 to
    2 s of CPU. test_report.py draws them and checks them, on classification (``CHARTS``: the
    charts read no task)."""
    if request.module.__name__ != "test_report" or not CHARTS:
        monkeypatch.setattr(lib("report.charts"), "available", lambda: False)
