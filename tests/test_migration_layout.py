"""The 0.3.0 migration points the team's own code at ``<package>.mlops`` (the machinery's new
home) and leaves the machinery, strings and unrelated modules alone."""

from __future__ import annotations

import ast
import functools
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from changelog import releases
from conftest import REPO
from template_repo import git
from test_update import V2, V3, build_template, commit_all, generate

from generator.cli import main

SCRIPT = REPO / "hooks" / "migrations" / "v0_3_0_layout.py"
PACKAGE_FOLDER = "template/src/{{ package_name }}/"


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
from ml_project.features import build_features as build_preprocessor
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


def test_an_import_mixing_moved_names_is_split_by_module(
    capsys: pytest.CaptureFixture[str],
) -> None:
    line = "from ml_project.data import snake_case, load_embedded\n"
    rewritten = migration.rewrite_line(line, "ml_project", inside_package=False)
    assert rewritten == (
        "from ml_project.datasets import snake_case\n"
        "from ml_project.mlops.data import load_embedded\n"
    )
    assert capsys.readouterr().err == ""


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


# --- the tables, against the 0.3.0 and 0.2.0 releases -------------------------------------------
# The 0.3.0 migration's targets are the 0.3.0 release's modules: since 0.4.0 the machinery is the
# leanops runtime (its own migration maps ``<package>.mlops.X`` to ``leanops_runtime.X``), so the
# tables are checked against the tree of the commit CHANGELOG.md names for 0.3.0.


@functools.cache
def release_tree(version: str) -> dict[str, str]:
    """The Python files of ``src/<package>/`` at the commit CHANGELOG.md names for ``version``,
    by path inside the package (``mlops/tracking/__init__.py``)."""
    if git(REPO, "rev-parse", "--is-shallow-repository").strip() == "true":
        pytest.skip(f"this clone is shallow: the {version} commit is not in it")
    (commit,) = [r.commit for r in releases(REPO / "CHANGELOG.md") if r.version == version]
    assert commit is not None
    listed = git(REPO, "ls-tree", "-r", "--name-only", commit, PACKAGE_FOLDER).splitlines()
    return {
        path.removeprefix(PACKAGE_FOLDER): git(REPO, "show", f"{commit}:{path}")
        for path in listed
        if path.endswith(".py")
    }


def module_source(module: str, version: str = "0.3.0") -> str | None:
    """The source of ``<package>.<module>`` (a module or a package) in ``version``, if any."""
    path = module.replace(".", "/")
    tree = release_tree(version)
    return tree.get(f"{path}.py", tree.get(f"{path}/__init__.py"))


def run_time_statements(tree: ast.Module) -> list[ast.stmt]:
    """Top-level statements, without ``if TYPE_CHECKING:`` blocks (not there at run time)."""
    return [node for node in tree.body if not isinstance(node, ast.If)]


def defined(source: str) -> set[str]:
    """Names a module defines at top level (functions, classes, assignments)."""
    names: set[str] = set()
    for node in run_time_statements(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names - {"TYPE_CHECKING", "__all__"}


def exported(module: str) -> set[str]:
    """What ``from <package>.<module> import X`` took in 0.3.0 under the project's strict mypy:
    the names it defines, its ``__all__`` and its explicit re-exports (``import x as x``)."""
    source = module_source(module)
    assert source is not None, module
    return exported_names(source)


def exported_names(source: str) -> set[str]:
    """The names a module's ``source`` offers: defined, in ``__all__`` or re-exported."""
    names = defined(source)
    for node in run_time_statements(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            names |= set(ast.literal_eval(node.value))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {a.asname for a in node.names if a.asname == a.name.rpartition(".")[2]}
    return names


def test_every_moved_module_exists_in_the_0_3_0_release() -> None:
    missing = {old: new for old, new in migration.MOVED.items() if module_source(new) is None}
    assert missing == {}
    assert migration.MOVED["tracking_mlflow"] == "mlops.tracking.mlflow_backend"


def test_every_renamed_name_exists_where_it_points() -> None:
    wrong = {old: new for old, new in migration.RENAMED.items() if new[1] not in exported(new[0])}
    assert wrong == {}
    # What CHANGED describes is still importable (where RENAMED or MOVED puts it).
    for old, name in migration.CHANGED:
        module, new = migration.Rewriter("ml_project").target(old, name)
        assert new in exported(module), (old, name)


def release_sources(version: str) -> dict[str, str]:
    """The top-level modules of ``src/<package>/`` in ``version``, by name."""
    return {
        Path(path).stem: source
        for path, source in release_tree(version).items()
        if "/" not in path and not path.startswith("_")
    }


def test_every_public_name_of_0_2_0_has_a_home_or_a_report() -> None:
    """A team may import any public name of 0.2.0: it is where the rewritten import looks
    (MOVED), or RENAMED says where it went, or GONE says what to use instead."""
    unmapped, not_gone = [], []
    for old, source in release_sources("0.2.0").items():
        home = migration.MOVED.get(old, old)
        available = exported(home)
        for name in sorted(n for n in defined(source) if not n.startswith("_")):
            key = (old, name)
            if key in migration.GONE:
                if name in available:
                    not_gone.append(key)
            elif name not in available and key not in migration.RENAMED:
                unmapped.append(key)
    assert unmapped == []
    assert not_gone == []


# --- rewriting ------------------------------------------------------------------------------


def test_tracking_mlflow_points_at_the_mlflow_backend_and_its_names_homes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = (
        "from ml_project.tracking_mlflow import MlflowRun\n"
        "from ml_project.tracking_mlflow import TAG_PREFIX, LINEAGE_COLUMNS\n"
        "import ml_project.tracking_mlflow as tm\n"
    )
    assert migration.rewrite_text(text, "ml_project") == (
        "from ml_project.mlops.tracking.mlflow_backend import MlflowRun\n"
        "from ml_project.mlops.tracking.mlflow_client import TAG_PREFIX\n"
        "from ml_project.mlops.tracking.mlflow_backend import LINEAGE_COLUMNS\n"
        "import ml_project.mlops.tracking.mlflow_backend as tm\n"
    )
    assert "LINEAGE_COLUMNS has no 0.3.0 equivalent" in capsys.readouterr().err


def test_a_moved_constant_is_rewritten_and_its_new_meaning_said(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = "from ml_project.data import TARGET, ID_COLUMN\n"
    assert migration.rewrite_text(text, "ml_project") == (
        "from ml_project.datasets import TARGET, ID_COLUMN\n"
    )
    err = capsys.readouterr().err
    assert "line 1: `from ml_project.data import TARGET, ID_COLUMN`" in err
    assert "load_contract(dataset).target" in err
    assert "load_contract(dataset).ids" in err


def test_a_name_with_no_replacement_is_reported_with_its_line_and_what_to_use(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = "import os\nfrom ml_project.data import EMBEDDED, load_embedded\n"
    rewritten = migration.rewrite_text(text, "ml_project")
    assert rewritten == "import os\nfrom ml_project.mlops.data import EMBEDDED, load_embedded\n"
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "line 2:" in err
    assert "ml_project.data.EMBEDDED has no 0.3.0 equivalent" in err
    assert "ml_project.datasets.DATASETS" in err


DOTTED_BEFORE = """\
import ml_project.tracking
import ml_project.features

with ml_project.tracking.start_run("x") as run:
    model = ml_project.features.build_preprocessor(contract)
monkeypatch.setattr("ml_project.tracking.start_run", fake)
command = "python -m ml_project train"
path = "ml_project.data"
other_project.tracking.start_run()
ml_project.data.snake_case("a b")
"""
DOTTED_AFTER = """\
import ml_project.mlops.tracking
import ml_project.features

with ml_project.mlops.tracking.start_run("x") as run:
    model = ml_project.features.build_features(contract)
monkeypatch.setattr("ml_project.mlops.tracking.start_run", fake)
command = "python -m ml_project train"
path = "ml_project.data"
other_project.tracking.start_run()
ml_project.datasets.snake_case("a b")
"""


def test_dotted_uses_of_a_moved_module_follow_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert migration.rewrite_text(DOTTED_BEFORE, "ml_project") == DOTTED_AFTER
    err = capsys.readouterr().err.splitlines()
    # snake_case moved to a module this file does not import: said, with the import to add.
    assert len(err) == 1
    assert "line 10:" in err[0]
    assert "add `import ml_project.datasets`" in err[0]


def test_uses_through_an_imported_module_name_are_renamed_or_said(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = (
        "from ml_project import data, features\n"
        "pre = features.build_preprocessor(contract)\n"
        "name = data.snake_case('a b')\n"
        "frame = data.load_embedded('breast_cancer')\n"
    )
    assert migration.rewrite_text(text, "ml_project") == (
        "from ml_project.mlops import data\n"
        "from ml_project import features\n"
        "pre = features.build_features(contract)\n"
        "name = data.snake_case('a b')\n"
        "frame = data.load_embedded('breast_cancer')\n"
    )
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert "line 3: `data.snake_case`" in err[0]
    assert "ml_project.datasets.snake_case" in err[0]


def test_the_tests_load_helper_follows_names_and_binds_like_an_import(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """0.2.0's tests (and tests a team wrote the same way) reach modules through ``load``."""
    text = (
        'data = load("data")\n'
        'tracking = load("tracking")\n'
        'name = load("data").snake_case("a b")\n'
        'pre = load("features").build_preprocessor(contract)\n'
        "frame = data.load_embedded('breast_cancer')\n"
        "runs = tracking.list_runs()\n"
        "assert tracking.list_runs() == []\n"
    )
    assert migration.rewrite_text(text, "ml_project") == (
        'data = load("mlops.data")\n'
        'tracking = load("mlops.tracking")\n'
        'name = load("datasets").snake_case("a b")\n'
        'pre = load("features").build_features(contract)\n'
        "frame = data.load_embedded('breast_cancer')\n"
        "runs = tracking.list_runs()\n"
        "assert tracking.list_runs() == []\n"
    )
    # One report for both uses of list_runs, naming both lines.
    (report,) = capsys.readouterr().err.splitlines()
    assert "line 6 (also 7): `tracking.list_runs`" in report
    assert "run_store(settings).list_runs" in report


def test_an_import_of_several_modules_is_split_keeping_indentation_and_comment() -> None:
    text = (
        "def main():\n"
        "    from ml_project import data, features, tracking as t  # noqa: F401\n"
        "    from ml_project import config\n"
    )
    assert migration.rewrite_text(text, "ml_project") == (
        "def main():\n"
        "    from ml_project.mlops import data, tracking as t  # noqa: F401\n"
        "    from ml_project import features  # noqa: F401\n"
        "    from ml_project.mlops import settings as config\n"
    )


def test_relative_imports_of_several_modules_are_split_inside_the_package() -> None:
    text = "from . import data, features\nfrom .train import ESTIMATORS, train\n"
    assert migration.rewrite_text(text, "ml_project", inside_package=True) == (
        "from .mlops import data\n"
        "from . import features\n"
        "from .estimators import ESTIMATORS\n"
        "from .mlops.train import train\n"
    )
    assert migration.rewrite_text(text, "ml_project", inside_package=False) == text


def test_a_parenthesised_import_is_split_unless_comments_would_be_lost(
    capsys: pytest.CaptureFixture[str],
) -> None:
    plain = "from ml_project.data import (\n    snake_case,\n    load_embedded,\n    split,\n)\n"
    assert migration.rewrite_text(plain, "ml_project") == (
        "from ml_project.datasets import snake_case\n"
        "from ml_project.mlops.data import (\n"
        "    load_embedded,\n"
        "    split,\n"
        ")\n"
    )
    capsys.readouterr()  # split() is said (it now needs the target); not the point here
    commented = "from ml_project.data import (\n    snake_case,  # for columns\n    split,\n)\n"
    assert migration.rewrite_text(commented, "ml_project") == (
        "from ml_project.mlops.data import (\n    snake_case,  # for columns\n    split,\n)\n"
    )
    err = capsys.readouterr().err
    assert "line 1:" in err
    assert (
        "split this import by hand into: from ml_project.datasets import snake_case; "
        "from ml_project.mlops.data import split"
    ) in err


def test_a_parenthesised_import_that_only_moves_keeps_its_lines() -> None:
    text = "from ml_project.registry import (  # the registry\n    Registry,\n)\n"
    assert migration.rewrite_text(text, "ml_project") == (
        "from ml_project.mlops.registry import (  # the registry\n    Registry,\n)\n"
    )


MIXED = (
    BEFORE
    + DOTTED_BEFORE
    + (
        "from ml_project import data, features, tracking as t\n"
        "    from . import data, features\n"
        "from ml_project.data import (\n    snake_case,\n    split,\n)\n"
        "from ml_project.data import (\n    snake_case,  # kept\n    split,\n)\n"
        "from ml_project.tracking_mlflow import MlflowRun, export_runs\n"
        "from ml_project.data import EMBEDDED, TARGET\n"
        "x = data.snake_case('a'); t.start_run('x')\n"
    )
)


def test_rewriting_everything_twice_changes_nothing_the_second_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    once = migration.rewrite_text(MIXED, "ml_project", inside_package=True)
    assert once != MIXED
    capsys.readouterr()
    assert migration.rewrite_text(once, "ml_project", inside_package=True) == once
    assert capsys.readouterr().err == ""


def run_script(
    project: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != migration.NOTES_ENV}
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--package=churn"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        env={**environment, **(env or {})},
    )


def test_a_renamed_name_the_team_still_defines_is_left_pointing_at_it(tmp_path: Path) -> None:
    package = tmp_path / "src" / "churn"
    package.mkdir(parents=True)
    (package / "features.py").write_text(
        "def build_features(contract):\n    return build_preprocessor(contract)\n\n\n"
        "def build_preprocessor(contract):  # ours, kept by the merge\n    ...\n"
    )
    (tmp_path / "train.py").write_text(
        "from churn.features import build_preprocessor\nfrom churn.train import ESTIMATORS\n"
    )
    run_script(tmp_path)
    assert (tmp_path / "train.py").read_text() == (
        "from churn.features import build_preprocessor\nfrom churn.estimators import ESTIMATORS\n"
    )


def test_relative_imports_deeper_in_the_package_and_notebooks_name_their_place(
    tmp_path: Path,
) -> None:
    sub = tmp_path / "src" / "churn" / "team"
    sub.mkdir(parents=True)
    (sub / "score.py").write_text("from ..tracking import start_run\nfrom . import data\n")
    (tmp_path / "notebooks").mkdir()
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Explore"]},
            {"cell_type": "code", "source": ["import os\n", "from churn.data import EMBEDDED"]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "notebooks" / "explore.ipynb").write_text(json.dumps(notebook))
    result = run_script(tmp_path)
    assert (sub / "score.py").read_text() == (
        "from ..mlops.tracking import start_run\nfrom . import data\n"
    )
    assert "notebooks/explore.ipynb cell 2 line 2: `from churn.data import EMBEDDED`" in (
        result.stderr
    )


# --- reports as follow-ups ------------------------------------------------------------------


def test_reports_are_appended_to_leanops_notes_one_line_each(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    (project / "scripts" / "score.py").write_text(
        "from churn.data import (\n    TARGET,  # label\n    load_embedded,\n)\n"
        "from churn.tracking import list_runs\n"
    )
    notes = tmp_path / "notes.txt"
    notes.write_text("an earlier migration's follow-up\n")
    first = run_script(project, {migration.NOTES_ENV: str(notes)})
    lines = notes.read_text().splitlines()
    assert lines[0] == "an earlier migration's follow-up"
    reports = lines[1:]
    assert len(reports) == 3  # TARGET's meaning, the split by hand, list_runs
    assert all(line.startswith("0.3.0 migration: scripts/score.py:") for line in reports)
    assert any(
        "scripts/score.py:1:" in line and "split this import by hand" in line for line in reports
    )
    assert any(
        "scripts/score.py:5:" in line and "run_store(settings).list_runs" in line
        for line in reports
    )
    assert all(line.removeprefix("0.3.0 migration: ") in first.stderr for line in reports)
    # A second run has nothing left to say: the notes stay as they are.
    run_script(project, {migration.NOTES_ENV: str(notes)})
    assert notes.read_text().splitlines() == lines


def test_without_leanops_notes_reports_go_to_stderr_only(tmp_path: Path) -> None:
    (tmp_path / "score.py").write_text("from churn.tracking import get_run\n")
    result = run_script(tmp_path)
    assert "score.py:1:" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["score.py"]


def test_leanops_update_lists_the_reports_as_follow_ups(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through ``leanops update`` (which sets LEANOPS_NOTES) the reports of the 0.3.0 migration
    are the update's follow-ups and are written into its commit; the rewrite is on the branch."""
    template = build_template(tmp_path / "template")
    project = generate(template, tmp_path / "project", V2)
    (project / "scripts").mkdir()
    (project / "scripts" / "score.py").write_text(
        "from ml_project.data import EMBEDDED, load_embedded\n"
    )
    commit_all(project, "our scoring script")
    assert main(["update", str(project), "--to", V3, "--jobs", "1", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)["projects"]
    (note,) = result["notes"]
    assert note.startswith("0.3.0 migration: scripts/score.py:1: ")
    assert "ml_project.datasets.DATASETS" in note
    body = git(project, "log", "-1", "--format=%b", "template-update/v0.3.0")
    assert f"Follow-up: {note}" in body
    script = git(project, "show", "template-update/v0.3.0:scripts/score.py")
    assert script == "from ml_project.mlops.data import EMBEDDED, load_embedded\n"
