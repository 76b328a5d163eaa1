"""The package under test, found by the name ``pyproject.toml`` gives it.

Test modules import the project through ``load`` so they stay plain Python, with no templating.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
# The template's reference configuration (params.yaml, the embedded dataset's contract, the
# allowlist), as generated: the machinery's tests run on it, whatever data the team moved to.
REFERENCE = ROOT / "tests" / "mlops" / "reference"
NAME: str = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["leanops"][
    "package"
]


def load(module: str) -> ModuleType:
    """Import ``<package>.<module>``."""
    return importlib.import_module(f"{NAME}.{module}")
