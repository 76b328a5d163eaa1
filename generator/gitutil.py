"""Small git helpers for the updater: run a command, read the status, find conflicts."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LeanopsError

UNMERGED = frozenset({"DD", "AU", "UD", "UA", "DU", "AA", "UU"})
# Copier's inline conflicts: "<<<<<<< before updating" ... ">>>>>>> after updating".
MARKERS = re.compile(rb"^<<<<<<< .*^>>>>>>> ", re.MULTILINE | re.DOTALL)
MAX_SCANNED_BYTES = 5_000_000


class GitError(LeanopsError):
    """A git command failed; the message is git's first error line."""


def git(repo: Path, *args: str, check: bool = True) -> str:
    """Run ``git -C repo args`` and return stdout; a failure raises :class:`GitError`."""
    result = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        reason = lines[0] if lines else f"exit {result.returncode}"
        raise GitError(f"git {' '.join(args[:2])} failed in {repo}: {reason}")
    return result.stdout


def toplevel(path: Path) -> Path | None:
    """The work tree holding ``path``, or None when it is not in git."""
    result = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    return Path(result.stdout.strip()) if result.returncode == 0 else None


def identity_options(repo: Path) -> list[str]:
    """``-c`` options giving a commit an author when git has none configured."""
    found = git(repo, "config", "--get-regexp", r"^user\.(name|email)$", check=False)
    keys = {line.split(" ", 1)[0] for line in found.splitlines()}
    options = []
    if "user.name" not in keys:
        options += ["-c", "user.name=leanops"]
    if "user.email" not in keys:
        options += ["-c", "user.email=leanops@localhost"]
    return options


@dataclass
class Status:
    """``git status`` of a work tree, split the way the updater needs it."""

    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unmerged: list[str] = field(default_factory=list)


def status(repo: Path) -> Status:
    """Paths (relative to the work tree) that differ from HEAD, untracked files included."""
    out = git(repo, "status", "--porcelain=v1", "-z", "--untracked-files=all")
    entries = iter(out.split("\0"))
    result = Status()
    for entry in entries:
        if not entry:
            continue
        code, path = entry[:2], entry[3:]
        if code[0] in "RC":
            next(entries, None)  # the rename's source path
        result.changed.append(path)
        if code in UNMERGED:
            result.unmerged.append(path)
        elif "D" in code:
            result.deleted.append(path)
    return result


def has_markers(file: Path) -> bool:
    """True when ``file`` holds a conflict block (``<<<<<<<`` ... ``>>>>>>>``)."""
    try:
        if not file.is_file() or file.stat().st_size > MAX_SCANNED_BYTES:
            return False
        return MARKERS.search(file.read_bytes()) is not None
    except OSError:
        return False


def conflicts(repo: Path, current: Status) -> list[str]:
    """Files left in conflict: unmerged paths, ``.rej`` files and files holding markers."""
    found = set(current.unmerged)
    for path in current.changed:
        if path.endswith(".rej") or has_markers(repo / path):
            found.add(path)
    return sorted(found)
