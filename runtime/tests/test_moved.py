"""Template 0.3.0's paths (``<package>.mlops.X``) import the runtime's own modules for one more
version, with a warning naming the new path; a module the team added to its ``mlops/`` folder
is still its own."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _package import NAME

import leanops_runtime
from leanops_runtime import moved


def forget(package: str) -> None:
    """Drop ``<package>.mlops`` and below from the process: each test imports them afresh."""
    for name in [name for name in sys.modules if name.startswith(f"{package}.mlops")]:
        del sys.modules[name]


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    forget(NAME)
    yield
    forget(NAME)


def old(path: str) -> object:
    """Import ``<package>.<path>`` as code written for template 0.3.0 does."""
    with pytest.warns(FutureWarning, match=r"is leanops_runtime\.\S+ since template 0\.4\.0"):
        return importlib.import_module(f"{NAME}.{path}")


def test_an_old_path_is_the_runtimes_module_itself_which_keeps_its_own_spec() -> None:
    records = importlib.import_module("leanops_runtime.registry.records")
    assert old("mlops.registry.records") is records
    assert records.__spec__.name == "leanops_runtime.registry.records"
    html = old("mlops.report.html")
    assert html.__spec__.name == "leanops_runtime.report.html"
    assert "{" in html.stylesheet()  # its resources are found through its own spec


def test_from_the_old_package_each_module_is_warned_about() -> None:
    package = importlib.import_module(f"{NAME}.mlops")
    with pytest.warns(
        FutureWarning, match=rf"{NAME}\.mlops\.tracking is leanops_runtime\.tracking"
    ):
        assert package.tracking is importlib.import_module("leanops_runtime.tracking")
    with pytest.raises(AttributeError):
        package.no_such_module  # noqa: B018


def test_a_module_that_became_part_of_another_is_that_module() -> None:
    assert old("mlops.tracking.store") is importlib.import_module("leanops_runtime.tracking.local")
    assert old("mlops.evaluate") is importlib.import_module("leanops_runtime.metrics")


def test_0_3_0s_settings_package_is_the_settings_module_below_it_too() -> None:
    """A teammate's branch begun before the update imports ``mlops.settings.train``: it is the
    runtime's ``settings`` module, 0.3.0's package folded into one."""
    settings = importlib.import_module("leanops_runtime.settings")
    assert old("mlops.settings") is settings
    assert old("mlops.settings.train") is settings
    namespace: dict[str, object] = {}
    with pytest.warns(FutureWarning):
        exec(f"from {NAME}.mlops.settings.drift import DriftSettings", namespace)  # noqa: S102
    assert namespace["DriftSettings"] is settings.DriftSettings


def test_a_module_0_3_0_never_shipped_is_not_the_runtimes() -> None:
    """``selection`` is the runtime's since 0.4.0: 0.3.0 code cannot have meant it."""
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"{NAME}.mlops.selection")


@pytest.fixture
def team_package(tmp_path: Path) -> Iterator[str]:
    """A package whose ``mlops/`` folder holds modules of the team's own, one named like a
    module the runtime gained after 0.3.0; the old paths are found before it is imported."""
    package = tmp_path / "ownteam"
    (package / "mlops").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    own = "from .metrics import score\n\ndef revenue_error():\n    return 1\n"
    (package / "mlops" / "custom_metrics.py").write_text(own)
    (package / "mlops" / "selection.py").write_text("MINE = True\n")
    (package / "mlops" / "plugins").mkdir()  # a folder of modules, without __init__.py
    (package / "mlops" / "plugins" / "tool.py").write_text("VALUE = 3\n")
    broken = "import no_such_package_here  # noqa\n"
    (package / "mlops" / "broken.py").write_text(broken)
    moved.install("ownteam")
    sys.path.insert(0, str(tmp_path))
    yield "ownteam"
    sys.path.remove(str(tmp_path))
    sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "package", "") != "ownteam"]
    for name in [name for name in sys.modules if name.split(".")[0] == "ownteam"]:
        del sys.modules[name]


def test_a_module_the_team_added_to_its_mlops_folder_is_its_own(team_package: str) -> None:
    with pytest.warns(FutureWarning, match=r"ownteam\.mlops\.metrics is leanops_runtime\.metrics"):
        custom = importlib.import_module(f"{team_package}.mlops.custom_metrics")
    assert custom.revenue_error() == 1
    assert custom.score is importlib.import_module("leanops_runtime.metrics").score
    assert importlib.import_module(f"{team_package}.mlops.selection").MINE is True
    assert importlib.import_module(f"{team_package}.mlops.plugins.tool").VALUE == 3
    assert importlib.util.find_spec(f"{team_package}.mlops.nothing_of_that_name") is None


def test_a_module_of_the_teams_own_that_fails_says_why_once(team_package: str) -> None:
    """Its own error, naming what is missing, not "no attribute"."""
    with pytest.raises(ModuleNotFoundError) as caught:
        exec(f"from {team_package}.mlops import broken", {})  # noqa: S102 (the import statement itself)
    assert caught.value.name == "no_such_package_here"


def test_a_runtime_module_0_3_0_never_had_is_no_second_copy(team_package: str) -> None:
    """``cli.data`` is the runtime's since 0.4.0: under the old name it is not found, rather
    than loaded again from the runtime's file as a second module."""
    with pytest.warns(FutureWarning):
        importlib.import_module(f"{team_package}.mlops.cli")
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"{team_package}.mlops.cli.data")


def test_the_old_package_constant_is_the_package_name(team_package: str) -> None:
    package = importlib.import_module(f"{team_package}.mlops")
    with pytest.warns(FutureWarning, match=r"PACKAGE is leanops_runtime\.package\(\)"):
        assert leanops_runtime.package() == package.PACKAGE
