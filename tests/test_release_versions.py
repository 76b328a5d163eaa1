"""The CLI and the runtime carry the version of the release they belong to.

A project pins the runtime by commit; its version is what ``info`` and ``uv.lock`` show a person
asking which release a project runs, so it must move with every release heading.
"""

from __future__ import annotations

import tomllib

from changelog import releases
from conftest import REPO


def _version(pyproject: str) -> str:
    with (REPO / pyproject).open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def test_the_cli_and_the_runtime_have_the_newest_changelog_version() -> None:
    newest = releases(REPO / "CHANGELOG.md")[0].version
    assert _version("pyproject.toml") == newest
    assert _version("runtime/pyproject.toml") == newest
