"""A clean, tagged git copy of this template, as a published template repository would be."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO
from plumbum import local

TEMPLATE_PARTS = ("copier.yml", "template", "hooks", "runtime")
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
    """Copy what a template repository holds (copier.yml, template/, hooks/, runtime/) into a new
    folder."""
    destination.mkdir(parents=True)
    for part in TEMPLATE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(
                source, destination / part, ignore=shutil.ignore_patterns("__pycache__", ".*_cache")
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


# --- a tiny template: the update machinery without the real template's render cost -----------

TINY_COPIER_YML = """\
_subdirectory: template
_answers_file: .copier-answers.yml
_templates_suffix: .jinja
_envops:
  keep_trailing_newline: true
name:
  type: str
  default: demo
ml_task:
  type: str
  default: classification
"""
TINY_FILES = {
    "{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml }}",
    "params.yaml.jinja": "name: {{ name }}\nseed: 42\nsplit: 0.2\nfolds: 5\nC: 1.0\n",
    "README.md": "# Demo\n\nA project.\n",
    ".gitignore": "reports/README.md\n*.db\n.env\n",
}


def write_tiny(template: Path, files: dict[str, str | None]) -> None:
    """Write (or, for None, delete) files under the tiny template's template/ folder."""
    for name, text in files.items():
        target = template / "template" / name
        if text is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


def make_tiny_template(destination: Path, tag: str | None = "v1") -> Path:
    """A one-question template in a new git repo, committed and (unless ``tag`` is None) tagged."""
    destination.mkdir(parents=True)
    (destination / "copier.yml").write_text(TINY_COPIER_YML, encoding="utf-8")
    write_tiny(destination, TINY_FILES)
    git(destination, "init", "-q", "-b", "main")
    release(destination, tag)
    return destination


def release(template: Path, tag: str | None, files: dict[str, str | None] | None = None) -> str:
    """Change the template's files, commit, tag when ``tag`` is given; return the commit."""
    write_tiny(template, files or {})
    git(template, "add", "-A")
    git(template, "commit", "-q", "--allow-empty", "-m", f"template {tag or 'change'}")
    if tag:
        git(template, "tag", tag)
    return git(template, "rev-parse", "HEAD").strip()


def tiny_project(
    template: Path, destination: Path, ref: str = "v1", *, commit: bool = True, **answers: str
) -> Path:
    """Render the tiny template into ``destination``; init and commit a repo unless the folder
    is inside one already (a monorepo), where it is committed to that repo."""
    import copier

    copier.run_copy(
        str(template), destination, data=answers, defaults=True, vcs_ref=ref, quiet=True
    )
    inside = subprocess.run(
        ["git", "-C", str(destination), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    if inside.returncode != 0:
        git(destination, "init", "-q", "-b", "main")
    if commit:
        git(destination, "add", "-A")
        git(destination, "commit", "-q", "-m", f"add {destination.name}")
    return destination


def reach_as(url: str, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make git (so Copier and uv) reach the local repository ``repo`` at ``url``, for one test:
    an ``url.<repo>.insteadOf`` rule in the environment, and in plumbum's own copy of it, which
    Copier's git commands read."""
    config = {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{repo.as_uri()}.insteadOf",
        "GIT_CONFIG_VALUE_0": url,
    }
    for key, value in config.items():
        monkeypatch.setenv(key, value)
        monkeypatch.setitem(local.env, key, value)
