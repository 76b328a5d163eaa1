"""The 0.4.0 migration points the team's code at ``leanops_runtime`` (the machinery's new home),
calls the constants that became functions, and reports what it leaves to the team: the tests'
``load("mlops.x")`` calls, machinery files still there, models that name the old types."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from conftest import REPO
from template_repo import GIT
from test_migration_layout import defined, exported_names, release_tree

SCRIPT = REPO / "hooks" / "migrations" / "v0_4_0_runtime.py"
LAYOUT_SCRIPT = REPO / "hooks" / "migrations" / "v0_3_0_layout.py"
RUNTIME_SOURCE = REPO / "runtime" / "src" / "leanops_runtime"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("runtime_migration", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


migration = load_script()


@pytest.fixture(autouse=True)
def no_leanops_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The functions called in-process write notes only when a test asks for them."""
    monkeypatch.delenv(migration.NOTES_ENV, raising=False)
    monkeypatch.delenv(migration.CHECKOUT_ENV, raising=False)


def migrated(text: str, name: str = "scripts/score.py") -> str:
    new: str = migration.migrate_source(text, "ml_project", name)
    return new


def run_script(
    project: Path, env: dict[str, str] | None = None, script: Path = SCRIPT
) -> subprocess.CompletedProcess[str]:
    leanops = (migration.NOTES_ENV, migration.CHECKOUT_ENV)
    environment = {k: v for k, v in os.environ.items() if k not in leanops}
    return subprocess.run(
        [sys.executable, str(script), "--package=ml_project"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        env={**environment, **(env or {})},
    )


def write(project: Path, relative: str, text: str) -> Path:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(project: Path) -> dict[str, bytes]:
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file()
    }


# --- rewriting ----------------------------------------------------------------------------------

BEFORE = """\
from ml_project.mlops.tracking import start_run
from ml_project.mlops.contract.inference import infer as infer_contract  # contracts
from ml_project.mlops import tracking, settings as config
import ml_project.mlops.registry as reg
import ml_project.mlops.drift
from ml_project.mlops.tracking import (
    TrackedRun,
    current_run,
)
from ml_project import mlops
from ml_project import mlops as machinery  # the old home


def main() -> None:
    from ml_project.mlops.features import default_preprocessor

    report = ml_project.mlops.drift.check.run(settings)
"""
AFTER = """\
from leanops_runtime.tracking import start_run
from leanops_runtime.contract.inference import infer as infer_contract  # contracts
from leanops_runtime import tracking, settings as config
import leanops_runtime.registry as reg
import leanops_runtime.drift
from leanops_runtime.tracking import (
    TrackedRun,
    current_run,
)
import leanops_runtime as mlops
import leanops_runtime as machinery  # the old home


def main() -> None:
    from leanops_runtime.features import default_preprocessor

    report = leanops_runtime.drift.check.run(settings)
"""


def test_every_import_form_moves_to_the_runtime_keeping_the_rest_of_the_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert migrated(BEFORE) == AFTER
    assert capsys.readouterr().err == ""


def test_mock_patch_targets_and_dotted_strings_follow() -> None:
    text = (
        'with mock.patch("ml_project.mlops.tracking.start_run") as fake:\n'
        "    monkeypatch.setattr('ml_project.mlops.registry.local.AUDIT_FILE', 'x')\n"
        '    module = importlib.import_module("ml_project.mlops")\n'
    )
    assert migrated(text) == (
        'with mock.patch("leanops_runtime.tracking.start_run") as fake:\n'
        "    monkeypatch.setattr('leanops_runtime.registry.local.AUDIT_FILE', 'x')\n"
        '    module = importlib.import_module("leanops_runtime")\n'
    )


LEFT_ALONE = """\
from ml_project.features import build_features
from ml_project import features, datasets
import ml_project.estimators as estimators
from other_project.mlops.tracking import start_run
from my_ml_project.mlops import tools
from .mlops import helpers
name = "ml_project.mlops_extra"
# The mlops team reviews this; see docs/mlops.md and the mlops. prefix of our tags.
prefix = config.ENV_PREFIX
frame = load("mlops.yaml")
"""


def test_a_team_module_in_mlops_points_its_sibling_imports_at_the_runtime(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A module the team added to ``mlops/`` imports the machinery beside it relatively: those
    imports move to the runtime, its own modules there stay as they are."""
    source = (
        "from .alerts import Alert, send\n"
        "from .settings import load_settings\n"
        "from .cli.common import main\n"
        "from .custom_metrics import lift\n"
        "from ..features import build_features\n"
        "from . import alerts, drift\n"
        "from . import alerts, custom_metrics\n"
        "from .drift import custom\n"
    )
    own = ("custom_metrics", "drift.custom")
    new = migration.migrate_source(
        source, "ml_project", "src/ml_project/mlops/shop_alerts.py", own=own
    )
    assert new.splitlines() == [
        "from leanops_runtime.alerts import Alert, send",
        "from leanops_runtime.settings import load_settings",
        "from leanops_runtime.cli.app import main",
        "from .custom_metrics import lift",
        "from ..features import build_features",
        "from leanops_runtime import alerts, drift",
        "from . import alerts, custom_metrics",  # mixed: left, and said (split this import)
        "from .drift import custom",  # the team's, in the runtime's drift/ now: said
    ]
    said = capsys.readouterr().err
    assert "shop_alerts.py:8: `custom` is a module of yours in 0.3.0's drift/ folder" in said
    assert "shop_alerts.py:7: split this import: `from leanops_runtime import alerts`" in said
    elsewhere = migration.migrate_source(source, "ml_project", "src/ml_project/sub/tool.py")
    assert elsewhere.startswith("from .alerts import Alert, send\n")  # ml_project.sub.alerts


def notes_by_line(source: str, capsys: pytest.CaptureFixture[str]) -> dict[int, str]:
    """The migration's notes of a team test ``tests/test_mine.py`` holding ``source``, by line."""
    migration.migrate_source(source, "ml_project", "tests/test_mine.py")
    notes = {}
    for line in capsys.readouterr().err.splitlines():
        where, note = line.split(": ", 2)[1:]
        notes[int(where.removeprefix("tests/test_mine.py:"))] = note
    return notes


def test_a_team_test_using_0_3_0_test_helpers_is_told_what_replaces_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """0.3.0's tests/conftest.py gave a ``project`` fixture, and ``_frames`` and
    ``_package.REFERENCE`` were there to use: 0.4.0 ships none of them."""
    source = (
        "from pathlib import Path\n"
        "from _frames import churn_frame\n"
        "from _package import NAME, REFERENCE\n"
        "import _models\n"
        "def test_mine(project: Path) -> None:\n"
        "    assert churn_frame() is not None\n"
    )
    lines = notes_by_line(source, capsys)
    assert list(lines) == [2, 3, 4, 5]
    lines = list(lines.values())
    assert "`_frames` (0.3.0's tables for the machinery's tests) is gone" in lines[0]
    assert "`_package.REFERENCE`" in lines[1] and "`_models`" in lines[2]
    assert "the `project` fixture of 0.3.0's tests/conftest.py is gone: take `scratch`" in lines[3]
    own_fixture = "import pytest\n@pytest.fixture\ndef project(): ...\ndef test_a(project): ...\n"
    migration.migrate_source(own_fixture, "ml_project", "tests/test_mine.py")
    given = '@pytest.mark.parametrize("kind, project", [(1, 2)])\ndef test_b(kind, project): ...\n'
    migration.migrate_source(given, "ml_project", "tests/test_mine.py")
    in_conftest = frozenset({"project"})  # the team's own tests/conftest.py defines it
    migration.migrate_source(source, "ml_project", "tests/test_mine.py", fixtures=in_conftest)
    assert "`project` fixture" not in capsys.readouterr().err


def test_every_shape_of_a_team_test_using_0_3_0_helpers_is_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = """import _package
import pytest
ROOT = _package.REFERENCE
@pytest.fixture
def trained(project):
    return project
@pytest.mark.usefixtures("churn", "project")
def test_runs() -> None: ...
def helper(project): ...
watch = _package.load("mlops.team_watch")
"""
    expected = {
        3: "`_package.REFERENCE`",
        5: "the `project` fixture",  # a fixture built on it
        8: "the `project` fixture",  # usefixtures
        10: "names a module of yours in mlops/, not of the runtime: import "
        "ml_project.mlops.team_watch",
    }
    noted = notes_by_line(source, capsys)
    assert sorted(noted) == sorted(expected)  # not line 9's helper: no test, no fixture
    assert all(expected[line] in note for line, note in noted.items())


def test_a_team_project_without_keys_is_told_to_list_them(tmp_path: Path) -> None:
    write(tmp_path, "params.yaml", "seed: 42\ntracking_backend: mlflow\n")
    write(tmp_path, "allowed_signers", "# one line per teammate: <email> <key type> <key>\n")
    note = migration.signers_note(tmp_path)
    assert note is not None and note.startswith("allowed_signers lists no key")
    write(tmp_path, "allowed_signers", "alice@* ssh-ed25519 AAAAC3Nza alice\n")
    assert migration.signers_note(tmp_path) is None
    write(tmp_path, "params.yaml", "seed: 42\ntracking_backend: local\n")
    write(tmp_path, "allowed_signers", "")
    assert migration.signers_note(tmp_path) is None  # the embedded store: one person's


def test_the_fixtures_of_the_projects_conftest_files_are_known(tmp_path: Path) -> None:
    write(tmp_path, "tests/conftest.py", "import pytest\n@pytest.fixture\ndef project(): ...\n")
    write(tmp_path, "tests/sub/conftest.py", "def churn(): ...\n")
    assert migration.conftest_functions(tmp_path) == {"project", "churn"}


def test_a_features_module_in_conflict_is_told_what_the_templates_side_carries(
    tmp_path: Path,
) -> None:
    """Taking the team's side of every block would drop 0.4.0's ``fit`` and the imports the
    template changed above the markers: the note says so."""
    features = tmp_path / "src" / "ml_project" / "features.py"
    features.parent.mkdir(parents=True)
    features.write_text(
        "from leanops_runtime.features import default_preprocessor\n"
        "<<<<<<< before updating\ndef build_features(contract):\n=======\n"
        "def build_features(contract, fit):\n>>>>>>> after updating\n    ...\n"
    )
    note = migration.features_note(tmp_path, "ml_project")
    assert note is not None
    assert note.startswith("src/ml_project/features.py is in conflict: the template's side")
    assert "fit" in note and "the imports above the markers changed too" in note


def test_unrelated_modules_the_teams_own_and_prose_are_left_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert migrated(LEFT_ALONE) == LEFT_ALONE
    assert capsys.readouterr().err == ""  # load("mlops.x") is only the tests' helper


def test_relative_imports_inside_the_package_become_absolute(tmp_path: Path) -> None:
    extra = write(
        tmp_path,
        "src/ml_project/extra.py",
        "from .mlops.tracking import start_run\n"
        "from .mlops import settings as config\n"
        "from . import mlops\n"
        "\n"
        "def score():\n"
        "    from .mlops.data import load_embedded  # lazily\n",
    )
    deep = write(
        tmp_path,
        "src/ml_project/team/score.py",
        "from ..mlops.tracking import start_run\nfrom .mlops import ours\n",
    )
    outside = write(tmp_path, "scripts/score.py", "from .mlops.tracking import start_run\n")
    run_script(tmp_path)
    assert extra.read_text() == (
        "from leanops_runtime.tracking import start_run\n"
        "from leanops_runtime import settings as config\n"
        "import leanops_runtime as mlops\n"
        "\n"
        "def score():\n"
        "    from leanops_runtime.data import load_embedded  # lazily\n"
    )
    # ``.mlops`` in a subpackage is that subpackage's own module: it stays.
    assert deep.read_text() == (
        "from leanops_runtime.tracking import start_run\nfrom .mlops import ours\n"
    )
    assert outside.read_text() == "from .mlops.tracking import start_run\n"


def test_an_import_of_mlops_beside_other_names_is_reported_for_a_split(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = "from ml_project import features, mlops\n"
    assert migrated(text) == text
    (report,) = capsys.readouterr().err.splitlines()
    assert "scripts/score.py:1: split this import by hand: `import leanops_runtime as mlops`" in (
        report
    )


CONSTANTS = """\
import ml_project.mlops.tracking
from ml_project.mlops import tracking as t, settings
from ml_project import mlops
import ml_project.mlops.tracking.backend as chooser
backend = load("mlops.tracking")

os.environ[t.ENV_BACKEND] = "local"
path = ml_project.mlops.tracking.ENV_DB
name = f"{mlops.PACKAGE}-é", chooser.ENV_BACKEND, backend.ENV_BACKEND
wrong = settings.PACKAGE
mock.patch("ml_project.mlops.tracking.store.ENV_DB", "other.db")
from ml_project.mlops import PACKAGE
"""
CONSTANTS_AFTER = """\
import leanops_runtime.tracking
from leanops_runtime import tracking as t, settings
import leanops_runtime as mlops
import leanops_runtime.tracking.api as chooser
backend = load("mlops.tracking")

os.environ[t.env_backend()] = "local"
path = leanops_runtime.tracking.env_db()
name = f"{mlops.package()}-é", chooser.env_backend(), backend.env_backend()
wrong = settings.PACKAGE
mock.patch("leanops_runtime.tracking.local.ENV_DB", "other.db")
from leanops_runtime import PACKAGE
"""


def test_constants_that_became_functions_are_called_or_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert migrated(CONSTANTS) == CONSTANTS_AFTER
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3
    assert (
        "scripts/score.py:10: `settings.PACKAGE` is gone: use leanops_runtime.package()" in (err[0])
    )
    assert "scripts/score.py:11: `leanops_runtime.tracking.local.ENV_DB` is gone: use " in err[1]
    assert "leanops_runtime.tracking.env_db()" in err[1]
    assert "scripts/score.py:12: `PACKAGE` from leanops_runtime is gone" in err[2]
    assert "call it where it is used: leanops_runtime.package()" in err[2]


def test_the_functions_named_exist_in_the_runtime() -> None:
    for function, homes in migration.CALLS.values():
        for home in homes:
            path = RUNTIME_SOURCE.joinpath(*home.split("."))
            file = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
            source = file.read_text(encoding="utf-8")
            assert function in defined(source) | imported(source), (home, function)


def imported(source: str) -> set[str]:
    """Names a module imports at top level (``from .store import env_db``)."""
    return {
        alias.asname or alias.name
        for node in ast.parse(source).body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_every_public_name_of_the_0_3_0_machinery_is_in_the_runtime_or_called() -> None:
    """``<package>.mlops.X.name`` -> ``leanops_runtime.X.name`` is the whole mapping: every public
    name of 0.3.0's machinery is where the prefix change puts it, or is one of the constants the
    migration turns into calls. ``settings.ENV_PREFIX`` is still read through the module's
    ``__getattr__``."""
    settings = (RUNTIME_SOURCE / "settings.py").read_text(encoding="utf-8")
    assert 'if name == "ENV_PREFIX"' in settings
    missing = []
    for path, source in release_tree("0.3.0").items():
        if not path.startswith("mlops/"):
            continue
        module = path.removeprefix("mlops/").removesuffix(".py").replace("/", ".")
        module = migration.MERGED.get(module.removesuffix(".__init__"), module)
        module = module.removesuffix(".__init__")
        runtime = RUNTIME_SOURCE / f"{module.replace('.', '/')}.py"
        if not runtime.is_file():
            runtime = runtime.with_suffix("") / "__init__.py"
        assert runtime.is_file(), path
        available = exported_names(runtime.read_text(encoding="utf-8"))
        removed = migration.REMOVED.get(module, {})
        for name in sorted(exported_names(source) - available):
            if not name.startswith("_") and name not in migration.CALLS | removed.keys():
                missing.append((path, name))
    assert missing == [("mlops/settings/__init__.py", "ENV_PREFIX")]


def test_the_migration_and_the_runtime_know_the_modules_0_3_0_shipped() -> None:
    """Both tell the team's own modules in ``mlops/`` from 0.3.0's by the same list."""
    from leanops_runtime import moved

    shipped = {p.removeprefix("mlops/") for p in release_tree("0.3.0") if p.startswith("mlops/")}
    assert shipped | {"report/style.css"} == set(migration.SHIPPED_SOURCE)  # the tree: Python
    dotted = {p.removesuffix(".py").replace("/", ".") for p in shipped if p.endswith(".py")}
    assert {d.removesuffix(".__init__") for d in dotted} - {"__init__"} == moved.SHIPPED
    assert migration.SHIPPED_MODULES == moved.SHIPPED
    assert migration.MERGED == moved.MERGED  # settings.train is the settings module, too


def test_the_tests_helper_loads_what_the_migration_merged() -> None:
    """A project's ``load("mlops.x")`` still works for one version: the tests' helper maps the
    modules that are part of another now by the runtime's table, the migration's own."""
    from leanops_runtime import moved

    helper = (REPO / "template" / "tests" / "_package.py").read_text(encoding="utf-8")
    assert "from leanops_runtime.moved import MERGED" in helper
    for new in moved.MERGED.values():
        assert importlib.util.find_spec(f"leanops_runtime.{new}") is not None, new


def test_the_settings_modules_become_one(tmp_path: Path) -> None:
    write(
        tmp_path,
        "src/ml_project/own.py",
        "from .mlops.settings.train import estimator_for\n"
        "import ml_project.mlops.settings.drift as drift_settings\n"
        "from ml_project.mlops.settings import alerts\n",
    )
    messages = run_script(tmp_path).stderr
    text = (tmp_path / "src/ml_project/own.py").read_text(encoding="utf-8")
    assert text.splitlines()[:2] == [
        "from leanops_runtime.settings import estimator_for",
        "import leanops_runtime.settings as drift_settings",
    ]
    assert (
        "own.py:3: `alerts` from leanops_runtime.settings is part of leanops_runtime.settings now: "
        "write `from leanops_runtime import settings as alerts`"
    ) in messages


def test_a_merged_module_imported_by_name_is_reported_with_its_new_import(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = "from ml_project.mlops.tracking import store\nfrom ml_project.mlops import info\n"
    migrated(text)
    err = capsys.readouterr().err
    assert (
        "`store` from leanops_runtime.tracking is part of leanops_runtime.tracking.local now: "
        "write `from leanops_runtime.tracking import local as store`"
    ) in err
    assert "write `from leanops_runtime.tracking import environment as info`" in err


def test_a_removed_name_in_team_code_is_reported_with_its_replacement(tmp_path: Path) -> None:
    write(
        tmp_path,
        "src/ml_project/own.py",
        "from ml_project.mlops.features import adapt_for\n"
        "from ml_project.mlops import features\n"
        "features.adapt_to_task(None, 'regression', None)\n",
    )
    result = run_script(tmp_path)
    lines = [line for line in result.stderr.splitlines() if "was removed in 0.4.0" in line]
    assert len(lines) == 2, result.stderr
    assert "own.py:1: `adapt_for` from leanops_runtime.features" in lines[0]
    assert "own.py:3: `features.adapt_to_task`" in lines[1]
    assert all("shape_for" in line for line in lines)


# --- notebooks, tests, leftovers, models ----------------------------------------------------


def notebook(*cells: dict[str, object]) -> str:
    return json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_notebook_code_cells_are_rewritten_and_markdown_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "notebooks/explore.ipynb",
        notebook(
            {"cell_type": "markdown", "source": ["from ml_project.mlops import nothing"]},
            {
                "cell_type": "code",
                "source": ["%matplotlib inline\n", "from ml_project.mlops.data import load\n"],
            },
            {"cell_type": "code", "source": "import ml_project.mlops.tracking as t\n!ls\nt.ENV_DB"},
            {"cell_type": "code", "source": ["from ml_project.mlops.tracking import ENV_DB"]},
        ),
    )
    result = run_script(tmp_path)
    cells = json.loads(path.read_text())["cells"]
    assert cells[0]["source"] == ["from ml_project.mlops import nothing"]
    assert cells[1]["source"] == ["%matplotlib inline\n", "from leanops_runtime.data import load\n"]
    assert cells[2]["source"] == "import leanops_runtime.tracking as t\n!ls\nt.env_db()"
    assert "notebooks/explore.ipynb cell 4 line 1: `ENV_DB` from leanops_runtime.tracking" in (
        result.stderr
    )


def test_load_calls_in_tests_are_reported_and_left_working(tmp_path: Path) -> None:
    text = (
        'tracking = load("mlops.tracking")\n'
        "settings = load('mlops.settings').load_settings()\n"
        'features = load("features")\n'
    )
    path = write(tmp_path, "tests/test_ours.py", text)
    result = run_script(tmp_path)
    assert path.read_text() == text
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert (
        "tests/test_ours.py:1: `load('mlops.tracking')` gives leanops_runtime.tracking"
        in (lines[0])
    )
    assert "import leanops_runtime.tracking instead" in lines[0]
    assert "tests/test_ours.py:2: `load('mlops.settings')`" in lines[1]


MACHINERY = {
    "src/ml_project/mlops/features.py": "features.py (feature steps)",
    "src/ml_project/mlops/train.py": "estimators.py (estimators)",
    "src/ml_project/mlops/data.py": "datasets.py (data loading)",
    "src/ml_project/mlops/settings/train.py": "params.yaml (settings: train)",
    "src/ml_project/mlops/drift/check.py": "params.yaml (settings: drift)",
    "src/ml_project/mlops/settings/tracking.py": "params.yaml (tracking_backend, mlflow) or .env",
    "src/ml_project/mlops/cli/runs.py": "a module of your own calling the public API",
    "src/ml_project/mlops/cli/common.py": "a module of your own calling the public API",
    "src/ml_project/mlops/report/style.css": "a module of your own calling the public API",
    "tests/test_features.py": "features.py (feature steps)",
    "tests/_models.py": "a test of your own calling the public API",
    "tests/mlops/test_config.py": "params.yaml (settings)",
}


def test_machinery_left_after_the_update_is_reported_with_where_its_change_goes(
    tmp_path: Path,
) -> None:
    for relative in MACHINERY:
        write(tmp_path, relative, "from .. import PACKAGE\nfrom ml_project.mlops import data\n")
    write(tmp_path, "src/ml_project/features.py", "def build_features(contract): ...\n")
    before = snapshot(tmp_path)
    result = run_script(tmp_path)
    assert snapshot(tmp_path) == before  # neither rewritten nor deleted
    lines = result.stderr.splitlines()
    signature = [line for line in lines if "build_features(contract) takes one parameter" in line]
    assert len(signature) == 1 and "default_preprocessor(contract, fit)" in signature[0]
    assert len(lines) == len(MACHINERY) + 1
    for relative, where in MACHINERY.items():
        (line,) = [line for line in lines if f": {relative}: 0.3.0 machinery" in line]
        assert f"move your change of it to {where}" in line
        read = "pytest and lint" if relative.startswith("tests/") else "lint"
        assert line.endswith(f"then delete the file ({read} still read it until then)")
    homes = {"settings/tracking.py": "settings", "cli/common.py": "cli.app"}  # modules now
    for old, home in homes.items():
        (line,) = [line for line in lines if f"mlops/{old}: 0.3.0 machinery" in line]
        assert f"(leanops_runtime.{home} provides it)" in line
    (features,) = [line for line in lines if "mlops/features.py" in line]
    assert "(leanops_runtime.features provides it)" in features
    (runs,) = [line for line in lines if "cli/runs.py" in line]
    assert "(`from ml_project import ...`)" in runs
    (config,) = [line for line in lines if "test_config.py" in line]
    assert "the runtime's tests cover it" in config


def commit_all(*repos: Path) -> None:
    """Make each folder a git repository with everything in it committed (a release)."""
    for repo in repos:
        for step in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "v0.3.0"]):
            subprocess.run([*GIT, "-C", str(repo), *step], check=True)


def on_copiers_route(project: Path, template: Path) -> subprocess.CompletedProcess[str]:
    """The migration as ``copier update`` runs it: given the template's source, no leanops."""
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--package=ml_project", f"--template={template}"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != migration.NOTES_ENV},
    )


def test_on_copiers_route_the_machinery_the_team_edited_is_put_back_and_named(
    tmp_path: Path,
) -> None:
    """Copier deletes a file the template removed even where the team edited it: the migration
    puts back each one whose last commit differs from what the old version shipped, by the
    template's own git history, and leaves the untouched ones removed."""
    shipped = "MIN_CLASS_LIMIT = 50\n"
    template = tmp_path / "template"
    write(template, "template/src/{{ package_name }}/mlops/train.py", shipped)
    write(template, "template/src/{{ package_name }}/mlops/gate.py", "BUDGET = 1\n")
    project = tmp_path / "project"
    write(project, ".copier-answers.yml", "_commit: v0.3.0\n_src_path: somewhere\n")
    write(project, "src/ml_project/mlops/train.py", "MIN_CLASS_LIMIT = 80  # ours\n")
    write(project, "src/ml_project/mlops/gate.py", "BUDGET = 1\n")
    commit_all(template, project)
    subprocess.run([*GIT, "-C", str(template), "tag", "v0.3.0"], check=True)
    for name in ("train.py", "gate.py"):  # what Copier's update does
        (project / "src" / "ml_project" / "mlops" / name).unlink()
    result = on_copiers_route(project, template)
    kept = project / "src" / "ml_project" / "mlops" / "train.py"
    assert kept.read_text() == "MIN_CLASS_LIMIT = 80  # ours\n"
    assert not (project / "src" / "ml_project" / "mlops" / "gate.py").exists()
    assert "kept src/ml_project/mlops/train.py: edited here, and removed by the template" in (
        result.stderr
    )
    assert "src/ml_project/mlops/train.py: 0.3.0 machinery" in result.stderr  # where it goes


def test_when_the_old_version_cannot_be_read_the_removed_files_are_named(tmp_path: Path) -> None:
    template = tmp_path / "template"
    write(template, "template/README.md", "a template\n")
    project = tmp_path / "project"
    write(project, ".copier-answers.yml", "_commit: v0.3.0-3-gdeadbee\n")  # a dirty local one
    write(project, "src/ml_project/mlops/train.py", "MIN_CLASS_LIMIT = 80  # ours\n")
    commit_all(template, project)
    (project / "src" / "ml_project" / "mlops" / "train.py").unlink()
    result = on_copiers_route(project, template)
    said = " ".join(result.stderr.split())
    assert "the template's v0.3.0-3-gdeadbee (your version) cannot be read here" in said
    assert "not checked for your edits: src/ml_project/mlops/train.py" in said
    assert "`git checkout HEAD -- <file>`" in said


ESTIMATORS_BEFORE = """ESTIMATORS: dict[str, dict[str, tuple[str, str]]] = {
    "classification": {"logistic_regression": ("m", "L"), "hist_gradient_boosting": ("m", "H")},
    "regression": {"ridge": ("m", "R"), "hist_gradient_boosting": ("m", "H")},
}
"""
ESTIMATORS_AFTER = ESTIMATORS_BEFORE.replace(
    '{"logistic_regression": ("m", "L"), "hist_gradient_boosting": ("m", "H")}',
    '{"hist_gradient_boosting": ("m", "H"), "logistic_regression": ("m", "L")}',
)


@pytest.mark.parametrize(
    ("params", "kept"),
    [
        ("task: classification\ntrain:\n  hyperparameters: {}\nseed: 1\n", "logistic_regression"),
        ("task: classification\nseed: 1", "logistic_regression"),  # no train section at all
        ("task: classification\ntrain:  # ours\n    hyperparameters: {}\n", "logistic_regression"),
        ("task: classification\r\ntrain:\r\n  also_try: []\r\n", "logistic_regression"),
        ('"task": classification\n"train":\n  hyperparameters: {}\n', "logistic_regression"),
        ("task: classification\ntrain:\n  estimator:\n  also_try: []\n", "logistic_regression"),
        ('task: classification\ntrain:\n  estimator: ""\n', "logistic_regression"),
        ("task: classification\ntrain:\n  estimator: random_forest\n", "random_forest"),
        ("task: regression\ntrain:\n  hyperparameters: {}\n", None),  # its default is unchanged
    ],
)
def test_a_project_fitting_the_default_estimator_keeps_its_model(
    tmp_path: Path, params: str, kept: str | None
) -> None:
    """params.yaml naming no estimator fits the first of estimators.py: when the update moves
    another first, the migration names the one the project fitted, and says so."""
    write(tmp_path, "src/ml_project/estimators.py", ESTIMATORS_BEFORE)
    write(tmp_path, "params.yaml", params)
    commit_all(tmp_path)
    write(tmp_path, "src/ml_project/estimators.py", ESTIMATORS_AFTER)  # as the update merges it
    result = run_script(tmp_path)
    train = yaml.safe_load((tmp_path / "params.yaml").read_text())["train"] if kept else None
    assert (train or {}).get("estimator") == kept
    told = "train.estimator: logistic_regression is written in params.yaml" in result.stderr
    named = re.search(r"estimator: \w", params) is not None
    assert told == (kept == "logistic_regression" and not named)
    if not told:
        assert (tmp_path / "params.yaml").read_text() == params
    written = (tmp_path / "params.yaml").read_bytes()
    assert (b"\r\n" in written) == ("\r\n" in params)
    assert b"\n" not in written.replace(b"\r\n", b"") or "\r\n" not in params  # one ending
    before = snapshot(tmp_path)
    run_script(tmp_path)
    assert snapshot(tmp_path) == before  # once


@pytest.mark.parametrize(
    "params",
    [
        "task: regression\ntrain:\n  estimator: logistic_regression\n",  # ridge was fitted
        "task: classification\ntrain: {hyperparameters: {}}\n",
    ],
)
def test_a_params_yaml_the_migration_cannot_edit_safely_gets_a_note(
    tmp_path: Path, params: str
) -> None:
    """An estimator of another task only (the task's default was fitted), or a train mapping
    on one line: the file is left as it is, and the note says what to name."""
    write(tmp_path, "src/ml_project/estimators.py", ESTIMATORS_BEFORE)
    write(tmp_path, "params.yaml", params)
    commit_all(tmp_path)
    after = ESTIMATORS_AFTER.replace(
        '{"ridge": ("m", "R"), "hist_gradient_boosting": ("m", "H")}',
        '{"hist_gradient_boosting": ("m", "H"), "ridge": ("m", "R")}',
    )
    write(tmp_path, "src/ml_project/estimators.py", after)
    result = run_script(tmp_path)
    assert (tmp_path / "params.yaml").read_text() == params
    default = "ridge" if "regression" in params else "logistic_regression"
    assert f"params.yaml: set train.estimator: {default} to keep the model you had" in (
        " ".join(result.stderr.split())
    )


def test_the_teams_own_files_in_the_machinerys_folders_are_neither_machinery_nor_moved(
    tmp_path: Path,
) -> None:
    """A module the team added to 0.3.0's ``mlops/`` is theirs: no note to delete it, and the
    imports of it stay as they are (the runtime has no such module), while its own imports of
    the machinery, and a test of theirs in ``tests/mlops/``, are pointed at the runtime."""
    own = "src/ml_project/mlops/custom_metrics.py"
    write(tmp_path, own, "from ml_project.mlops.metrics import score\n")
    write(tmp_path, "src/ml_project/mlops/plugins/helpers.py", "X = 1\n")  # no __init__.py
    write(tmp_path, "src/ml_project/mlops/drift/mine.py", "Y = 1\n")  # in a machinery folder
    write(tmp_path, "src/ml_project/mlops/drift/check.py", "DEFAULT_PSI_ALERT = 0.3\n")
    uses = (
        "from ml_project.mlops.custom_metrics import revenue_error\n"
        "from ml_project.mlops import custom_metrics, tracking\n"
        "import ml_project.mlops.custom_metrics as cm\n"
        "from ml_project.mlops.tracking import start_run\n"
        "from ml_project.mlops import tracking, custom_metrics\n"
        "from ml_project.mlops import (\n    registry,\n    custom_metrics,\n)\n"
        "from ml_project.mlops.plugins import helpers\n"
        "from ml_project import mlops\n"
        "from ml_project.mlops import drift, tracking  # not custom_metrics\n"
        "from ml_project.mlops.drift import mine\n"
    )
    write(tmp_path, "tests/test_revenue.py", uses)
    write(tmp_path, "tests/mlops/test_own.py", "from ml_project.mlops.metrics import score\n")
    lines = run_script(tmp_path).stderr.splitlines()
    assert (tmp_path / own).read_text() == "from leanops_runtime.metrics import score\n"
    assert (tmp_path / "tests" / "test_revenue.py").read_text() == uses.replace(
        "from ml_project.mlops.tracking import", "from leanops_runtime.tracking import"
    ).replace("from ml_project.mlops import drift", "from leanops_runtime import drift")
    assert not [line for line in lines if "tests/test_revenue.py:12:" in line]
    (mine,) = [line for line in lines if "tests/test_revenue.py:13:" in line]
    assert "`mine` is a module of yours in 0.3.0's drift/ folder" in mine
    assert "`import ml_project.mlops.drift.mine as mine`" in mine
    test = (tmp_path / "tests" / "mlops" / "test_own.py").read_text()
    assert test == "from leanops_runtime.metrics import score\n"
    (note,) = [line for line in lines if f"{own}: " in line]
    assert "your own module" in note and "move it to src/ml_project/" in note
    assert "delete" not in note
    assert not [line for line in lines if "test_own.py" in line and "machinery" in line]
    for number, machinery in ((2, "tracking"), (5, "tracking"), (6, "registry")):
        (split,) = [line for line in lines if f"tests/test_revenue.py:{number}:" in line]
        assert split.endswith(
            f"split this import: `from leanops_runtime import {machinery}`, your own modules as "
            "they are"
        )
    (package,) = [line for line in lines if "tests/test_revenue.py:11:" in line]
    assert "`mlops` holds modules of your own (custom_metrics, plugins)" in package  # not drift
    (check,) = [line for line in lines if "drift/check.py" in line]
    assert "move your change of it to params.yaml (settings: drift)" in check


def skops_like(path: Path, *types: tuple[str, str]) -> Path:
    """A zip holding a skops-style ``schema.json`` that nests objects of ``types``."""
    schema: dict[str, object] = {"__class__": "Pipeline", "__module__": "sklearn.pipeline"}
    schema["content"] = [{"__class__": c, "__module__": m, "content": {}} for m, c in types]
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("schema.json", json.dumps(schema))
    return path


OLD_TYPE = ("ml_project.mlops.features", "DatetimeFeatures")


def test_models_naming_old_types_are_reported_and_never_changed(tmp_path: Path) -> None:
    models = tmp_path / "models"
    skops_like(models / "churn" / "v10" / "model.skops", OLD_TYPE)
    skops_like(models / "churn" / "v2" / "model.skops", OLD_TYPE, ("sklearn.tree", "X"))
    skops_like(models / "churn" / "v3" / "model.skops", ("leanops_runtime.features", "X"))
    skops_like(models / "churn" / "set-aside" / "v1" / "model.skops", OLD_TYPE)
    (models / "churn" / "v4").mkdir()
    (models / "churn" / "v4" / "model.skops").write_bytes(b"not a zip")
    before = snapshot(tmp_path)
    lines = run_script(tmp_path).stderr.splitlines()
    assert snapshot(tmp_path) == before
    assert [line.split(": ", 1)[1] for line in lines] == [
        "v2, v10 of churn: the model files name ml_project.mlops.features.DatetimeFeatures, now "
        "leanops_runtime.features.DatetimeFeatures; they load as that until template 0.5.0 "
        "(unless you edited that class, or what it uses, in a copy the update keeps): retrain "
        "(pipeline) and promote before then"
    ]


def test_a_model_naming_a_module_the_team_added_to_mlops_is_not_called_old(
    tmp_path: Path,
) -> None:
    """Only 0.3.0's own modules moved; a step of the team's in ``mlops/`` is where it was."""
    skops_like(tmp_path / "models" / "churn" / "v1" / "model.skops", OLD_TYPE)
    mine = ("ml_project.mlops.custom_metrics", "Step")
    skops_like(tmp_path / "models" / "churn" / "v2" / "model.skops", mine)
    lines = run_script(tmp_path).stderr.splitlines()
    assert [line for line in lines if "retrain" in line and " v1 of churn" in line]
    assert not [line for line in lines if "v2" in line]


def test_under_leanops_the_models_of_the_checkout_are_read(tmp_path: Path) -> None:
    """``leanops update`` migrates a worktree, where ``models/`` (ignored by git) is not."""
    worktree, checkout = tmp_path / "worktree", tmp_path / "checkout"
    worktree.mkdir()
    skops_like(checkout / "models" / "churn" / "v1" / "model.skops", OLD_TYPE)
    result = run_script(worktree, {migration.CHECKOUT_ENV: str(checkout)})
    assert "v1 of churn: the model files name " in result.stderr
    assert not (worktree / "models").exists()


def test_under_leanops_machinery_the_update_removed_is_noted_for_leanops_to_keep(
    tmp_path: Path,
) -> None:
    """Copier removes every machinery file; ``leanops update`` puts back the ones the team
    edited, after this script ran. So, under leanops, the script notes each machinery file the
    update removed, and leanops shows the notes of those it kept (``about_kept``)."""
    check = "src/ml_project/mlops/drift/check.py"
    write(tmp_path, check, "DEFAULT_PSI_ALERT = 0.3\n")
    write(tmp_path, "src/ml_project/mlops/custom_metrics.py", "X = 1\n")
    subprocess.run([*GIT, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "0.3.0"], cwd=tmp_path, check=True)
    for relative in (check, "src/ml_project/mlops/custom_metrics.py"):
        (tmp_path / relative).unlink()
    assert check not in run_script(tmp_path).stderr  # plain Copier: nothing is kept
    notes = tmp_path.parent / "notes.txt"
    run_script(tmp_path, {migration.NOTES_ENV: str(notes)})
    (line,) = notes.read_text(encoding="utf-8").splitlines()
    assert line.startswith(f"0.4.0 migration: {check}: 0.3.0 machinery, dead code now")
    assert "params.yaml (settings: drift)" in line


def test_under_leanops_0_2_0_machinery_the_update_removed_is_named_as_such(
    tmp_path: Path,
) -> None:
    """On an update straight from 0.2.0, the machinery the update removes is 0.2.0's, flat in
    the package: each file is noted as 0.2.0's, with where its kind of change goes now; a module
    of the team's own there is not machinery."""
    old = {
        "src/ml_project/predict.py": "(`from ml_project import ...`)",
        "src/ml_project/train.py": "estimators.py (estimators)",
        "src/ml_project/config.py": "params.yaml (settings)",
        "src/ml_project/registry_cli.py": "(`from ml_project import ...`)",
    }
    for relative in [*old, "src/ml_project/helpers.py"]:
        write(tmp_path, relative, "X = 1\n")
    subprocess.run([*GIT, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "0.2.0"], cwd=tmp_path, check=True)
    for relative in [*old, "src/ml_project/helpers.py"]:
        (tmp_path / relative).unlink()
    notes = tmp_path.parent / f"{tmp_path.name}-notes.txt"
    run_script(tmp_path, {migration.NOTES_ENV: str(notes)})
    lines = notes.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(old)
    for relative, where in old.items():
        (line,) = [line for line in lines if f": {relative}: " in line]
        assert f"{relative}: 0.2.0 machinery, dead code now" in line
        assert f"{where} (one that none takes" in line
        assert line.endswith("then delete the file (lint still read it until then)")
    (registry,) = [line for line in lines if "registry_cli.py" in line]
    assert "(leanops_runtime.cli.registry provides it)" in registry


# --- runs, notes, idempotence -----------------------------------------------------------------


def project_to_migrate(root: Path) -> Path:
    write(root, "scripts/score.py", CONSTANTS)
    write(root, "tests/test_ours.py", 'tracking = load("mlops.tracking")\n')
    write(root, "src/ml_project/mlops/train.py", "ESTIMATORS = {}\n")
    write(root, "src/ml_project/crlf.py", "from .mlops import tracking\r\nx = tracking.ENV_DB\r\n")
    skops_like(root / "models" / "churn" / "v1" / "model.skops", OLD_TYPE)
    return root


def test_reports_are_appended_to_leanops_notes_once(tmp_path: Path) -> None:
    project = project_to_migrate(tmp_path / "project")
    notes = tmp_path / "notes.txt"
    notes.write_text("0.3.0 migration: an earlier follow-up\n")
    first = run_script(project, {migration.NOTES_ENV: str(notes)})
    lines = notes.read_text().splitlines()
    assert lines[0] == "0.3.0 migration: an earlier follow-up"
    reports = lines[1:]
    assert len(reports) == 7  # 3 in score.py, the load call, train.py, the model, the sort
    assert sum("`uv run ruff check --select I --fix .` sorts" in r for r in reports) == 1
    assert all(line.startswith("0.4.0 migration: ") for line in reports)
    # leanops shows them as follow-ups: said on stderr too, each would show twice.
    assert not any(line.removeprefix("0.4.0 migration: ") in first.stderr for line in reports)
    assert any(line.startswith("0.4.0 migration: tests/test_ours.py:1: ") for line in reports)
    assert any("src/ml_project/mlops/train.py: 0.3.0 machinery" in line for line in reports)
    assert any("v1 of churn" in line for line in reports)


def test_a_second_run_changes_nothing_and_says_nothing_new(tmp_path: Path) -> None:
    project = project_to_migrate(tmp_path / "project")
    notes = tmp_path / "notes.txt"
    first = run_script(project, {migration.NOTES_ENV: str(notes)})
    assert "pointed scripts/score.py at leanops_runtime" in first.stderr
    assert (project / "src/ml_project/crlf.py").read_bytes() == (
        b"from leanops_runtime import tracking\r\nx = tracking.env_db()\r\n"
    )
    after_first, noted = snapshot(project), notes.read_text()
    second = run_script(project, {migration.NOTES_ENV: str(notes)})
    assert snapshot(project) == after_first
    assert notes.read_text() == noted
    assert "pointed" not in second.stderr
    assert set(second.stderr.splitlines()) <= set(first.stderr.splitlines())


def test_git_virtual_environments_and_caches_are_never_touched(tmp_path: Path) -> None:
    old = "from ml_project.mlops.tracking import start_run\n"
    for folder in (".git/hooks", ".venv/lib", ".nox/lint", ".mypy_cache", "node_modules/x"):
        write(tmp_path, f"{folder}/code.py", old)
    before = snapshot(tmp_path)
    assert run_script(tmp_path).stderr == ""
    assert snapshot(tmp_path) == before


def test_a_bad_package_name_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "x.py", "from a.mlops import c\n")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--package=../a"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "not a package name" in result.stderr
    assert path.read_text() == "from a.mlops import c\n"


def test_copier_runs_it_after_the_merge_when_crossing_0_4_0() -> None:
    config = yaml.safe_load((REPO / "copier.yml").read_text(encoding="utf-8"))
    (entry,) = [m for m in config["_migrations"] if m["version"] == "0.4.0"]
    assert entry["when"] == "{{ _stage == 'after' }}"
    assert entry["command"][1:] == [
        "{{ _copier_conf.src_path }}/hooks/migrations/v0_4_0_runtime.py",
        "--package={{ package_name }}",
        "--template={{ _copier_conf.src_path }}",  # what the old version shipped: its history
    ]
    assert [m["version"] for m in config["_migrations"]][-2:] == ["0.3.0", "0.4.0"]


# --- from 0.2.0 across both migrations -----------------------------------------------------

FROM_0_2_0 = """\
from ml_project.tracking import start_run
from ml_project import config
from ml_project.data import load_embedded, snake_case
import ml_project.registry as registry

settings = config.load_settings()
with start_run("score"):
    frame = load_embedded(settings.data.dataset)
    registry.open_registry(settings)
"""


def test_a_0_2_0_file_ends_up_importing_the_runtime(tmp_path: Path) -> None:
    """Copier runs the 0.3.0 migration, then this one, on a project updated from 0.2.0."""
    path = write(tmp_path, "scripts/score.py", FROM_0_2_0)
    run_script(tmp_path, script=LAYOUT_SCRIPT)
    run_script(tmp_path)
    text = path.read_text()
    assert text == FROM_0_2_0.replace(
        "from ml_project.tracking import start_run\n"
        "from ml_project import config\n"
        "from ml_project.data import load_embedded, snake_case\n"
        "import ml_project.registry as registry\n",
        "from leanops_runtime.tracking import start_run\n"
        "from leanops_runtime import settings as config\n"
        "from leanops_runtime.data import load_embedded\n"
        "from ml_project.datasets import snake_case\n"
        "import leanops_runtime.registry as registry\n",
    )
    modules = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else node.names[0].name
        for node in ast.parse(text).body
        if isinstance(node, ast.Import | ast.ImportFrom)
    }
    assert modules == {
        "leanops_runtime",
        "leanops_runtime.tracking",
        "leanops_runtime.data",
        "leanops_runtime.registry",
        "ml_project.datasets",
    }
    for module in modules - {"ml_project.datasets"}:
        path = RUNTIME_SOURCE.joinpath(*module.split(".")[1:])
        assert path.with_suffix(".py").is_file() or (path / "__init__.py").is_file(), module


def test_the_drift_warning_bands_of_0_2_leave_params_and_its_registry_is_reported(
    tmp_path: Path,
) -> None:
    params = (
        "seed: 7\n"
        "drift:\n"
        "  psi_warn: 0.1   # ours\n"
        "  psi_alert: 0.3\n"
        "  ks_warn: 0.1\n"
        "  ks_alert: 0.2\n"
        "  features: {age: {psi_warn: 0.2}}\n"
    )
    write(tmp_path, "params.yaml", params)
    write(tmp_path, "models/registry.json", "{}")
    result = run_script(tmp_path)
    kept = (tmp_path / "params.yaml").read_text()
    assert kept == (
        "seed: 7\ndrift:\n  psi_alert: 0.3\n  ks_alert: 0.2\n  features: {age: {psi_warn: 0.2}}\n"
    )
    assert "inside a {...} mapping): remove them" in result.stderr
    assert "models/registry.json is the registry of template 0.2" in result.stderr
    again = run_script(tmp_path)  # idempotent: nothing more removed, the same notes
    assert (tmp_path / "params.yaml").read_text() == kept
    assert "removed drift's psi_warn" not in again.stderr


def test_a_team_folder_inside_a_machinery_folder_and_a_merged_type() -> None:
    """``from <pkg>.mlops.drift.sub import x`` reaches the team's own folder (no report); a model
    type of a merged module is named where it is now."""
    assert (
        migration.beside_own(
            "from ml_project.mlops.drift.sub import x\n", "ml_project", ("drift.sub.x",), None
        )
        == []
    )
    evaluate = "ml_project.mlops.evaluate.Scorer"
    assert migration.runtime_type(evaluate, "ml_project") == "leanops_runtime.metrics.Scorer"


def test_the_migration_and_leanops_check_know_the_modules_0_2_0_shipped() -> None:
    """0.2.0's machinery modules, flat in the package, are the same list for the migration's
    notes and `leanops check` (LO802): the files 0.2.0 rendered there but the team's own, each
    with the 0.3.0 file it became."""
    from generator.check import FLAT_0_2_0_MODULES

    team = {"__init__", "__main__", "features"}
    flat = {p.removesuffix(".py") for p in release_tree("0.2.0") if "/" not in p} - team
    assert set(migration.FLAT_HOMES) == flat == set(FLAT_0_2_0_MODULES)
    later = release_tree("0.3.0")
    assert all(f"mlops/{home}" in later for home in migration.FLAT_HOMES.values())
