"""Template 0.3.0's paths (``<package>.mlops.X``) import the runtime's own modules for one more
version, with a warning naming the new path; a module the team added to its ``mlops/`` folder
is still its own."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _package import NAME

import leanops_runtime
from leanops_runtime import moved


def old(path: str) -> object:
    """Import ``<package>.<path>`` as code written for template 0.3.0 does."""
    with pytest.warns(FutureWarning) as caught:
        module = importlib.import_module(f"{NAME}.{path}")
    assert all("since template 0.4.0" in str(w.message) for w in caught)
    return module


def test_an_old_path_is_the_runtimes_module_itself() -> None:
    tracking = importlib.import_module("leanops_runtime.tracking")
    with pytest.warns(FutureWarning, match=rf"{NAME}\.mlops\.tracking is leanops_runtime\."):
        assert importlib.import_module(f"{NAME}.mlops.tracking") is tracking
    assert old("mlops.registry.records") is importlib.import_module(
        "leanops_runtime.registry.records"
    )
    assert importlib.import_module(f"{NAME}.mlops") is leanops_runtime


def test_a_module_that_became_part_of_another_is_that_module() -> None:
    assert old("mlops.tracking.store") is importlib.import_module("leanops_runtime.tracking.local")
    assert old("mlops.evaluate") is importlib.import_module("leanops_runtime.metrics")


def test_a_path_the_runtime_never_had_is_not_found() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"{NAME}.mlops.no_such_module")


@pytest.fixture
def team_package(tmp_path: Path) -> Iterator[str]:
    """A package with a module of the team's own in its ``mlops/`` folder, bound by
    ``moved.install``; removed from the process afterwards."""
    package = tmp_path / "ownteam"
    (package / "mlops").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "mlops" / "custom_metrics.py").write_text("def revenue_error():\n    return 1\n")
    sys.path.insert(0, str(tmp_path))
    importlib.import_module("ownteam")
    moved.install("ownteam")
    yield "ownteam"
    sys.path.remove(str(tmp_path))
    sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "prefix", "") != "ownteam.mlops"]
    for name in [name for name in sys.modules if name.split(".")[0] == "ownteam"]:
        del sys.modules[name]


def test_a_module_the_team_added_to_its_mlops_folder_is_its_own(team_package: str) -> None:
    custom = importlib.import_module(f"{team_package}.mlops.custom_metrics")
    assert custom.revenue_error() == 1
    with pytest.warns(FutureWarning):
        metrics = importlib.import_module(f"{team_package}.mlops.metrics")
    assert metrics is importlib.import_module("leanops_runtime.metrics")
