"""Every file of a rendered project has an owner, and the README says who.

``[tool.leanops] machinery`` in the project's ``pyproject.toml`` is the list ``leanops check``
and the team read; the rest is the team's (or generated). A file the template adds without
deciding whose it is fails here, as does a machinery entry the README's "Who owns what" omits.
"""

from __future__ import annotations

import tomllib
from pathlib import Path, PurePosixPath

from generator.project_facts import matching

# The team's files, by pattern (``*`` stays within one folder), and the generated ones.
TEAMS = (
    "src/*/features.py",
    "src/*/estimators.py",
    "src/*/datasets.py",
    "tests/test_configuration.py",
    "tests/test_datasets.py",
    "params.yaml",
    "contracts/*",
    "trusted-types.txt",
    "allowed_signers",
    "README.md",
    "docs/*",
    "docs/*/*",
    "LICENSE",
    ".gitignore",
    ".env.example",
    "data/*/*",
    "pyproject.toml",
)
GENERATED = ("uv.lock", "requirements.lock", ".copier-answers.yml")


def machinery(project: Path) -> list[str]:
    """The project's ``[tool.leanops] machinery`` patterns."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    return list(pyproject["tool"]["leanops"]["machinery"])


def owners(project: Path, files: set[str]) -> dict[str, list[str]]:
    """Each file with the kinds that claim it: exactly one is right."""
    # What `leanops check` reads as machinery, by its own matching.
    claimed = matching(project, project, machinery(project))
    found = {}
    for relative in sorted(files):
        kinds = []
        if relative in claimed:
            kinds.append("machinery")
        anchored = PurePosixPath("/" + relative)
        if any(anchored.match("/" + pattern) for pattern in TEAMS):
            kinds.append("team")
        if relative in GENERATED:
            kinds.append("generated")
        found[relative] = kinds
    return found


def readme_omits(project: Path) -> list[str]:
    """Machinery patterns the README's machinery row does not name."""
    readme = (project / "README.md").read_text(encoding="utf-8")
    row = next(
        line for line in readme.splitlines() if line.startswith("| **the template's machinery**")
    )
    omitted = []
    for pattern in machinery(project):
        shown = pattern.removesuffix("**")
        top = shown.split("/")[0] + "/" if "/" in shown else shown
        if f"`{shown}`" not in row and f"`{top}`" not in row and f"`{Path(shown).name}`" not in row:
            omitted.append(pattern)
    return omitted
