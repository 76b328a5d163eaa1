"""What the library's tests run on: the library itself and a team package.

The team package is the template's own (``template/src/{{ package_name }}``, linked here as
``team/reference_team``): the features, estimators and datasets a new project starts with, so
the library is tested against exactly what it will call. ``LEANOPS_TEST_TASK`` (classification,
the default, or regression) picks the reference configuration: the suite runs once per task.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
TEAM_PATH = HERE / "team"  # on sys.path (and PYTHONPATH of subprocesses): ``reference_team``
NAME = "reference_team"
TASK = os.environ.get("LEANOPS_TEST_TASK", "classification")
# The reference configuration of the task (params.yaml, the embedded dataset's contract, the
# allowlist), as the template generates it.
REFERENCE = HERE / "reference" / TASK
# The report's charts read no task: they are drawn and checked on classification only.
CHARTS = TASK == "classification"
if not REFERENCE.is_dir():
    raise SystemExit(f"LEANOPS_TEST_TASK={TASK!r}: not a task (classification or regression)")

if str(TEAM_PATH) not in sys.path:
    sys.path.insert(0, str(TEAM_PATH))
importlib.import_module(NAME)  # binds the library to the team package


def lib(module: str) -> ModuleType:
    """Import ``leanops_runtime.<module>``."""
    return importlib.import_module(f"leanops_runtime.{module}")


def load(module: str) -> ModuleType:
    """Import the team package's ``<module>`` (features, estimators, datasets)."""
    return importlib.import_module(f"{NAME}.{module}")


def without_cost(values: dict) -> dict:
    """A run's metrics (or a comparison's) without what the run cost (``cost.*``), which every
    run logs and no test can predict."""
    return {key: value for key, value in values.items() if not key.startswith("cost.")}
