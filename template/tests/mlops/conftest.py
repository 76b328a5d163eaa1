"""The machinery's tests run on the template's reference configuration, features included.

``features.py`` is the team's, written for the team's own columns (a ratio of two of them, say),
so the machinery's tests put the template's default in its place: the reference dataset has none
of those columns. The team's features are tested on the team's configuration in
``tests/test_configuration.py``. Subprocesses get the same through ``run_reference.py``.
"""

from __future__ import annotations

import pytest
from _package import load


@pytest.fixture(autouse=True)
def reference_features(monkeypatch: pytest.MonkeyPatch) -> None:
    """``build_features`` is the template's default for every machinery test."""
    default = load("mlops.features").default_preprocessor
    monkeypatch.setattr(load("features"), "build_features", default)
