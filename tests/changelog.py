"""Read CHANGELOG.md's release headings: ``## 0.2.0 — commit 6b46e90`` or ``## 0.3.0 — unreleased``.

Tags do not travel with every copy of this repository; the headings say which commit each
release is, so a test can recreate the tags in a clone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HEADING = re.compile(
    r"^## (?P<version>\d+\.\d+\.\d+\S*)"
    r"(?: — (?:commit (?P<commit>[0-9a-f]{7,40})|(?P<unreleased>unreleased)))?\s*$"
)


@dataclass(frozen=True)
class Release:
    """A release heading: its version and commit (None while unreleased)."""

    version: str
    commit: str | None

    @property
    def tag(self) -> str:
        return f"v{self.version}"


def releases(changelog: Path) -> list[Release]:
    """Every release heading, newest first (the file's order). A heading that names neither a
    commit nor "unreleased" is an error: the convention is the point."""
    found = []
    for line in changelog.read_text(encoding="utf-8").splitlines():
        if not line.startswith("## "):
            continue
        match = HEADING.match(line)
        if match is None or not (match["commit"] or match["unreleased"]):
            raise ValueError(f"CHANGELOG heading without a commit or 'unreleased': {line!r}")
        found.append(Release(match["version"], match["commit"]))
    return found
