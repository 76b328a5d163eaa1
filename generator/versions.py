"""A template's versions, listed once per source without cloning it.

``git ls-remote --tags`` works for local paths and URLs alike and costs one small request,
against the three renders of a ``copier update`` that finds nothing new.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from .errors import LeanopsError

LS_REMOTE_TIMEOUT_SECONDS = 60
# ``git describe`` output Copier records for a commit after a tag: v1.2-3-gabc1234.
DESCRIBE = re.compile(r"^(?P<tag>.+)-(?P<distance>\d+)-g(?P<sha>[0-9a-f]+)$")


@dataclass(frozen=True)
class Tag:
    """A git tag that is a PEP 440 version."""

    name: str
    version: Version


def parse_version(text: str) -> Version | None:
    """A PEP 440 version (a leading ``v`` allowed), or None."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


def list_tags(source: str) -> list[Tag]:
    """The source's version tags, oldest first; an unreachable source is a one-line error."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASK_YESNO": "false"}
    try:
        result = subprocess.run(
            ["git", "ls-remote", "--tags", "--refs", source],
            capture_output=True,
            text=True,
            timeout=LS_REMOTE_TIMEOUT_SECONDS,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise LeanopsError(f"template source {source} is unreachable (timed out)") from error
    except FileNotFoundError as error:
        raise LeanopsError("git is not installed; leanops update needs it") from error
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        reason = lines[0].removeprefix("fatal: ") if lines else f"git exit {result.returncode}"
        raise LeanopsError(f"template source {source} is unreachable: {reason}")
    tags = []
    for line in result.stdout.splitlines():
        _, _, ref = line.partition("\t")
        name = ref.removeprefix("refs/tags/")
        version = parse_version(name)
        if version is not None:
            tags.append(Tag(name, version))
    return sorted(tags, key=lambda tag: tag.version)


def commit_version(commit: str) -> Version | None:
    """The version a project's ``_commit`` stands for, or None for a bare commit hash.

    ``v1.2-3-gabc`` (three commits after v1.2) counts as just after 1.2, like Copier does.
    """
    version = parse_version(commit)
    if version is not None:
        return version
    match = DESCRIBE.match(commit)
    if match and (base := parse_version(match["tag"])) is not None:
        return Version(f"{base.base_version}.post{match['distance']}.dev0+g{match['sha']}")
    return None


def choose_target(tags: list[Tag], wanted: str | None) -> Tag | None:
    """The tag to update to: ``wanted`` (by name or version) or the newest; None if none fits."""
    if wanted is None:
        return tags[-1] if tags else None
    wanted_version = parse_version(wanted)
    for tag in tags:
        if tag.name == wanted or (wanted_version is not None and tag.version == wanted_version):
            return tag
    return None
