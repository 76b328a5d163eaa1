"""A clean, tagged git copy of this template, as a published template repository would be."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import REPO

TEMPLATE_PARTS = ("copier.yml", "template", "hooks")
GIT = [
    "git",
    "-c",
    "user.name=test",
    "-c",
    "user.email=test@example.com",
    "-c",
    "commit.gpgsign=false",
]


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return its output; raise on failure."""
    result = subprocess.run(
        [*GIT, "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return result.stdout


def copy_template_parts(destination: Path) -> Path:
    """Copy what a template repository holds (copier.yml, template/, hooks/) into a new folder."""
    destination.mkdir(parents=True)
    for part in TEMPLATE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(
                source, destination / part, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(source, destination / part)
    return destination


def make_template_repo(destination: Path, tag: str = "v0.1.0") -> Path:
    """Copy the template's parts of this working tree into a new git repo, commit and tag it."""
    copy_template_parts(destination)
    git(destination, "init", "-q", "-b", "main")
    git(destination, "add", "-A")
    git(destination, "commit", "-q", "-m", "template")
    git(destination, "tag", tag)
    return destination
