"""``python tests/mlops/run_reference.py COMMAND...``: the project's command line, run with the
template's default features in place of the team's ``features.py``.

``nox -s smoke`` and the machinery's subprocess tests run the pipeline on the reference
configuration, whose columns the team's own features may not know (see ``conftest.py`` here).
"""

from __future__ import annotations

import importlib
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    """Run the command ``argv`` with the reference features."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package = pyproject["tool"]["leanops"]["package"]
    team = importlib.import_module(f"{package}.features")
    machinery = importlib.import_module(f"{package}.mlops.features")
    team.build_features = machinery.default_preprocessor
    cli = importlib.import_module(f"{package}.mlops.cli")
    return int(cli.main(argv))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
