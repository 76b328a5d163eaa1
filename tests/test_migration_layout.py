"""The 0.3.0 migration points the team's own code at ``<package>.mlops`` (the machinery's new
home) and leaves the machinery, strings and unrelated modules alone."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import REPO

SCRIPT = REPO / "hooks" / "migrations" / "v0_3_0_layout.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layout_migration", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


migration = load_script()

BEFORE = """\
from ml_project.tracking import start_run
import ml_project.data as d
from ml_project import config
from ml_project import commands
from ml_project.train import ESTIMATORS
from ml_project.features import build_preprocessor
from ml_project.mlops.tracking import start_run
frame = load("train")
name = "ml_project.data"
from ml_project.database import connect
from ml_project import features
"""
AFTER = """\
from ml_project.mlops.tracking import start_run
import ml_project.mlops.data as d
from ml_project.mlops import settings as config
from ml_project.mlops.cli import pipeline as commands
from ml_project.estimators import ESTIMATORS
from ml_project.features import build_features
from ml_project.mlops.tracking import start_run
frame = load("mlops.train")
name = "ml_project.data"
from ml_project.database import connect
from ml_project import features
"""


def test_imports_of_moved_modules_are_rewritten_and_nothing_else() -> None:
    assert migration.rewrite_text(BEFORE, "ml_project", inside_package=False) == AFTER


def test_rewriting_twice_changes_nothing() -> None:
    once = migration.rewrite_text(BEFORE, "ml_project", inside_package=True)
    assert migration.rewrite_text(once, "ml_project", inside_package=True) == once


def test_relative_imports_only_inside_the_package() -> None:
    line = "from .data import load_embedded\n"
    assert migration.rewrite_line(line, "ml_project", inside_package=True) == (
        "from .mlops.data import load_embedded\n"
    )
    assert migration.rewrite_line(line, "ml_project", inside_package=False) == line


def test_an_import_mixing_a_moved_name_is_reported_not_guessed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    line = "from ml_project.data import snake_case, load_embedded\n"
    rewritten = migration.rewrite_line(line, "ml_project", inside_package=False)
    assert rewritten == "from ml_project.mlops.data import snake_case, load_embedded\n"
    assert "split this import by hand" in capsys.readouterr().err


def test_migrates_user_files_and_notebooks_but_not_the_machinery(tmp_path: Path) -> None:
    package = tmp_path / "src" / "churn"
    (package / "mlops").mkdir(parents=True)
    (tmp_path / "tests" / "mlops").mkdir(parents=True)
    (tmp_path / "notebooks").mkdir()
    (package / "extra.py").write_text("from .tracking import start_run\n")
    (package / "mlops" / "pipeline.py").write_text("from .tracking import start_run\n")
    (tmp_path / "tests" / "mlops" / "test_x.py").write_text('data = load("data")\n')
    (tmp_path / "tests" / "test_mine.py").write_text('data = load("data")\n')
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "score.py").write_text("from churn.registry import Registry\n")
    notebook = {
        "cells": [
            {"cell_type": "code", "source": ["from churn.data import load_embedded\n", "x = 1"]},
            {"cell_type": "markdown", "source": ["from churn.data import nothing"]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "notebooks" / "explore.ipynb").write_text(json.dumps(notebook))
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--package=churn"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert (package / "extra.py").read_text() == "from .mlops.tracking import start_run\n"
    assert (package / "mlops" / "pipeline.py").read_text() == "from .tracking import start_run\n"
    assert (tmp_path / "tests" / "mlops" / "test_x.py").read_text() == 'data = load("data")\n'
    assert (tmp_path / "tests" / "test_mine.py").read_text() == 'data = load("mlops.data")\n'
    assert (tmp_path / "scripts" / "score.py").read_text() == (
        "from churn.mlops.registry import Registry\n"
    )
    cells = json.loads((tmp_path / "notebooks" / "explore.ipynb").read_text())["cells"]
    assert cells[0]["source"] == ["from churn.mlops.data import load_embedded\n", "x = 1"]
    assert cells[1]["source"] == ["from churn.data import nothing"]
    assert result.stderr.count("pointed the imports of") == 4
    again = subprocess.run(
        [sys.executable, str(SCRIPT), "--package=churn"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert again.stderr == ""


def test_a_bad_package_name_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "x.py").write_text("from a.b import c\n")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--package=../evil"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "not a package name" in result.stderr
    assert (tmp_path / "x.py").read_text() == "from a.b import c\n"
