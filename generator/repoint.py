"""``leanops source``: point a project at its template's new location, at the version it has.

A project rendered from a local checkout pins the runtime with a ``file://`` URL, and its
Dockerfile, README and guide say how to build from that folder. Copier's updates render both
sides from the recorded ``_src_path``, so a source edited by hand leaves those lines as they were
for good: each later update keeps them as the team's edit, and ``leanops check`` calls the
Dockerfile edited. This renders the project's version twice, from the recorded source and from the
new one, merges the difference into each file with git's three-way file merge (the lines that
name the source move, the team's edits stay), records the new source and relocks. Nothing is
committed: the team reviews the change with ``git diff``.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .checkout import Checkout, inspect, shown_dirty
from .copier_api import render
from .errors import EXIT_CONFLICTS, EXIT_OK, LeanopsError
from .fleet import ANSWERS_FILE, Project, read_project
from .gitutil import git, status
from .relock import relock
from .scratch import renders_in_scratch
from .source import Source, absolute_source, expand_url, is_remote, resolve_source

Answers = Mapping[str, object]
LOCK_FILES = ("uv.lock", "requirements.lock")

DESCRIPTION = """\
Point a project at its template's new location: the git URL it was pushed to, or the folder it
moved to. The project stays at its template version.

A project made from a local checkout pins the runtime to that folder (a file:// URL), and its
Dockerfile, README and guide build from there. This renders the project's version from the old
source and from the new one and merges the difference into your files (your edits stay; a line
you changed where the source is named is a conflict, marked in the file), writes the new source
into .copier-answers.yml, and relocks uv.lock. Nothing is committed: review with `git diff`.

Needs a clean project folder (commit or stash first), the new source reachable, and the old one
too unless it is a local folder that moved.
Exit codes: 0 done, 1 an error (nothing changed), 3 conflicts left to resolve."""


@dataclass
class Repointed:
    """What changed in the project: the source it now records, merged files, those left with
    conflicts, follow-ups."""

    source: str
    changed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def project_files(root: Path) -> set[str]:
    """Every file of a render, relative to it (its .git folder aside)."""
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def merge_file(
    current: Path, base: Path, other: Path, labels: tuple[str, str, str]
) -> tuple[bytes, bool]:
    """git's three-way merge of ``base`` -> ``other`` into ``current``: the merged content, and
    False when it holds conflict markers."""
    done = subprocess.run(
        [
            "git",
            "merge-file",
            "-p",
            *(f"-L{label}" for label in labels),
            str(current),
            str(base),
            str(other),
        ],
        capture_output=True,
        check=False,
    )
    if done.returncode < 0 or done.returncode > 127:
        reason = done.stderr.decode("utf-8", "replace").strip()
        raise LeanopsError(f"git merge-file failed on {current.name}: {reason}")
    return done.stdout, done.returncode == 0


def with_source(text: str, source: str) -> str:
    """The answers file's text with ``_src_path`` set to ``source``, its other lines kept."""
    line = yaml.safe_dump({"_src_path": source}, default_flow_style=False).strip()
    lines = text.splitlines(keepends=True)
    for index, old in enumerate(lines):
        if old.startswith("_src_path:"):
            lines[index] = line + "\n"
            return "".join(lines)
    raise LeanopsError(f"{ANSWERS_FILE} has no _src_path line: not a project Copier made")


def renders(
    old: Source, new: str, version: tuple[str, Answers], *, scratch: Path, project: Path
) -> tuple[Path, Path]:
    """The project's ``version`` (its commit and answers) as the old source renders it and as
    the new one does.

    The old source is given as the answers file records it, from the project folder (as Copier
    reads it there), so that its render names it exactly as the project does. A local template
    folder that moved is gone from its old path: its render is the new folder's, made through a
    link of a name nothing else holds, with the recorded path put in the link's place.
    """
    commit, data = version
    before, after = scratch / "before", scratch / "after"
    try:
        render(new, after, data, commit)
    except LeanopsError as error:
        raise LeanopsError(f"{new} cannot be rendered at {commit[:12]}: {error}") from error
    if Path(old.location).exists() or is_remote(old.location) or is_remote(new):
        try:
            with contextlib.chdir(project):
                render(old.recorded, before, data, commit)
        except LeanopsError as error:
            raise LeanopsError(
                f"the recorded source {old.describe()} cannot be rendered at {commit[:12]}, and "
                f"the merge needs it (restore or clone it there): {error}"
            ) from error
        return before, after
    link = scratch / f"leanops-moved-{secrets.token_hex(8)}"
    link.symlink_to(new, target_is_directory=True)
    render(str(link), before, data, commit)
    for name in project_files(before):
        content = (before / name).read_bytes()
        if str(link).encode() in content:
            (before / name).write_bytes(content.replace(str(link).encode(), old.recorded.encode()))
    return before, after


def merged(before: Path, after: Path, project: Path, labels: tuple[str, str, str]) -> Repointed:
    """Each file the two renders differ in, merged with the project's own: every merge is made
    before any file is written, so a merge git cannot make leaves the project as it was."""
    result = Repointed(source="")
    contents: dict[str, bytes] = {}
    for name in sorted(project_files(before) | project_files(after)):
        base, other, mine = before / name, after / name, project / name
        if name == ANSWERS_FILE:
            continue
        if not base.is_file() or not other.is_file():
            result.notes.append(f"{name}: only one source renders it; left as it is")
        elif base.read_bytes() == other.read_bytes():
            continue
        elif not mine.is_file():
            result.notes.append(f"{name}: you removed it; left removed")
        else:
            contents[name], clean = merge_file(mine, base, other, labels)
            result.changed.append(name)
            if not clean:
                result.conflicts.append(name)
    for name, content in contents.items():
        (project / name).write_bytes(content)
    return result


def clean_project(folder: Path) -> tuple[Project, Checkout]:
    """The project in ``folder`` and its checkout; an error unless it is a leanops project
    committed in git with nothing uncommitted (the merge then loses nothing)."""
    project = read_project(folder)
    checkout = inspect(project)
    if isinstance(checkout, str):
        raise LeanopsError(f"{folder}: {checkout}")
    if checkout.dirty:
        shown = shown_dirty(checkout.dirty, checkout.offset, checkout.untracked)
        raise LeanopsError(
            f"{folder} has uncommitted changes ({shown}): commit them or `git stash -u`, then "
            "run again"
        )
    if attention := checkout.attention():  # an update half done: conflict markers committed
        raise LeanopsError(f"{folder}: {attention}")
    return project, checkout


def repoint(folder: Path, new_source: str) -> Repointed:
    """Move the project in ``folder`` to ``new_source`` at its recorded template version (see
    the module)."""
    project, checkout = clean_project(folder)
    old = resolve_source(project.src_path, project.path)
    new = absolute_source(new_source)  # a path made absolute: the file:// pin needs one
    if expand_url(new) == old.location:
        raise LeanopsError(f"{folder} already uses {new}")
    answers_file = project.path / ANSWERS_FILE
    answered = with_source(answers_file.read_text(encoding="utf-8"), new)
    labels = ("yours", f"template from {old.recorded}", f"template from {new}")
    version = (project.commit, project.user_answers)
    with renders_in_scratch(), tempfile.TemporaryDirectory(prefix="leanops-source-") as scratch:
        before, after = renders(old, new, version, scratch=Path(scratch), project=project.path)
        result = merged(before, after, project.path, labels)
    result.source = new
    answers_file.write_text(answered, encoding="utf-8")
    result.changed.append(ANSWERS_FILE)
    top, prefix = checkout.repo.top, f"{checkout.offset}/" if checkout.offset else ""
    if not git(top, "ls-files", "--", f"{prefix}uv.lock").strip():
        return result
    if "pyproject.toml" in result.conflicts:
        result.notes.append("pyproject.toml is in conflict: resolve it, then `uv run nox -s lock`")
    elif "pyproject.toml" in result.changed:
        result.notes += relock(project.path, str(folder))
        now = status(top, checkout.offset or ".").changed
        result.changed += [name for name in LOCK_FILES if prefix + name in now]
    return result


def cmd_source(args: argparse.Namespace) -> int:
    """``leanops source NEW [PATH]``."""
    project = Path(args.path)
    done = repoint(project, args.source)
    for name in done.changed:
        print(f"  {'conflict' if name in done.conflicts else 'changed '}  {name}")
    for note in done.notes:
        print(f"  note: {note}")
    if done.conflicts:
        print(f"{project}: resolve the conflict markers, then review with `git diff` and commit")
        return EXIT_CONFLICTS
    print(f"{project} now points at {done.source}: review with `git diff` and commit")
    return EXIT_OK


def add_source(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``source`` command's arguments."""
    parser = subparsers.add_parser(
        "source",
        help="point a project at its template's new location (a git URL, or a moved folder)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=DESCRIPTION,
    )
    parser.add_argument("source", help="the template's new location: a git URL, gh:/gl:, or a path")
    parser.add_argument("path", nargs="?", default=".", help="the project (default: here)")
    parser.set_defaults(handler=cmd_source)
