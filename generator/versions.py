"""A template's refs, listed once per source without cloning, and the target of an update.

``git ls-remote`` works for local paths and URLs alike and costs one small request, against the
three renders of a ``copier update`` that finds nothing new. A template with version tags is
updated to its newest release (pre-releases skipped, as Copier does); one without tags to the
commit its HEAD points at (Copier's ``HEAD``); ``--to`` takes a tag, a version, a branch, ``HEAD``
or a commit hash.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from .errors import LeanopsError
from .gitutil import first_line
from .source import Source

LS_REMOTE_TIMEOUT_SECONDS = 60
# ``git describe`` output Copier records for a commit after a tag: v1.2-3-gabc1234.
DESCRIBE = re.compile(r"^(?P<tag>.+)-(?P<distance>\d+)-g(?P<sha>[0-9a-f]+)$")
HEX = re.compile(r"^[0-9a-f]{7,64}$")
SHORT = 12


@dataclass(frozen=True)
class Tag:
    """A git tag that is a PEP 440 version, and the commit it names."""

    name: str
    version: Version
    sha: str


@dataclass(frozen=True)
class Refs:
    """What ``git ls-remote`` says about a template: HEAD, branches and tags (peeled)."""

    head: str
    branches: dict[str, str]
    tags: dict[str, str]  # every tag, version or not -> commit

    def version_tags(self) -> list[Tag]:
        """The tags that are versions, oldest first."""
        found = []
        for name, sha in self.tags.items():
            version = parse_version(name)
            if version is not None:
                found.append(Tag(name, version, sha))
        return sorted(found, key=lambda tag: tag.version)


@dataclass(frozen=True)
class Target:
    """Where an update goes: the ref handed to Copier and the label naming the branch."""

    ref: str  # a tag name or a full commit hash
    label: str  # a tag name, or a short hash: template-update/<label>
    sha: str  # the commit (may be a prefix when the user gave one)
    version: Version | None  # when the target is a version tag
    asked: str = ""  # what the user asked for (--to), for messages

    def describe(self) -> str:
        """``v1.2.0``, or ``main (1a2b3c4d5e6f)`` for a branch, ``HEAD (...)`` without tags."""
        if self.version is not None or not self.asked or self.asked == self.label:
            return self.label
        return f"{self.asked} ({self.label})"


def parse_version(text: str) -> Version | None:
    """A PEP 440 version (a leading ``v`` allowed), or None."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


def list_refs(source: Source) -> Refs:
    """HEAD, branches and tags of ``source``; an unreachable source is a one-line error."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASK_YESNO": "false"}
    args = ["git", "ls-remote", source.location, "HEAD", "refs/heads/*", "refs/tags/*"]
    try:
        result = subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=LS_REMOTE_TIMEOUT_SECONDS,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise LeanopsError(
            f"template source {source.describe()} is unreachable (timed out)"
        ) from error
    except FileNotFoundError as error:
        raise LeanopsError("git is not installed; leanops needs it") from error
    if result.returncode != 0:
        reason = first_line(result.stderr, f"git exit {result.returncode}")
        raise LeanopsError(f"template source {source.describe()} is unreachable: {reason}")
    head, branches, tags = "", {}, {}
    for line in result.stdout.splitlines():
        sha, _, ref = line.partition("\t")
        if ref == "HEAD":
            head = sha
        elif ref.startswith("refs/heads/"):
            branches[ref.removeprefix("refs/heads/")] = sha
        elif ref.startswith("refs/tags/"):
            name = ref.removeprefix("refs/tags/")
            if name.endswith("^{}"):
                tags[name.removesuffix("^{}")] = sha  # the commit an annotated tag names
            else:
                tags.setdefault(name, sha)
    return Refs(head, branches, tags)


def commit_version(commit: str) -> Version | None:
    """The version a project's ``_commit`` stands for, or None for a bare commit hash.

    ``v1.2-3-gabc`` (three commits after v1.2) counts as just after 1.2, like Copier does.
    """
    if HEX.match(commit) and not commit.isdigit():
        return None
    version = parse_version(commit)
    if version is not None:
        return version
    match = DESCRIBE.match(commit)
    if match and (base := parse_version(match["tag"])) is not None:
        return Version(f"{base.base_version}.post{match['distance']}.dev0+g{match['sha']}")
    return None


def commit_sha(commit: str, refs: Refs) -> str | None:
    """The commit (or a prefix of it) a recorded ``_commit`` names, when it can be told."""
    if commit in refs.tags:
        return refs.tags[commit]
    match = DESCRIBE.match(commit)
    if match:
        return match["sha"]
    return commit if HEX.match(commit) else None


def choose_target(refs: Refs, wanted: str | None, source: Source) -> Target:
    """The update's target: ``wanted`` (tag, version, branch, HEAD or hash) or, by default,
    the newest release tag, or HEAD when the template has no version tags."""
    tags = refs.version_tags()
    if wanted is None:
        releases = [tag for tag in tags if not tag.version.is_prerelease]
        if releases:
            newest = releases[-1]
            return Target(newest.name, newest.name, newest.sha, newest.version)
        if not refs.head:
            raise LeanopsError(f"template source {source.describe()} has no commits")
        return Target(refs.head, refs.head[:SHORT], refs.head, None, "HEAD")
    target = named_target(refs, wanted)
    if target is None:
        raise LeanopsError(
            f"--to {wanted}: no such tag, version, branch or commit hash in {source.describe()}"
        )
    return target


def named_target(refs: Refs, wanted: str) -> Target | None:
    """The target ``--to wanted`` names: a version tag (by name or version), another tag,
    ``HEAD``, a branch, or a commit hash; None when it names nothing."""
    wanted_version = parse_version(wanted)
    for tag in refs.version_tags():
        if tag.name == wanted or (wanted_version is not None and tag.version == wanted_version):
            return Target(tag.name, tag.name, tag.sha, tag.version, wanted)
    branch = wanted.removeprefix("refs/heads/")
    sha = (
        refs.tags.get(wanted)
        or (refs.head if wanted == "HEAD" else None)
        or refs.branches.get(branch)
        or (wanted if HEX.match(wanted) else None)
    )
    return Target(sha, sha[:SHORT], sha, None, wanted) if sha else None


def unreleased_head(refs: Refs, target: Target, wanted: str | None) -> str:
    """A note when the default target, the newest release, is not the template's HEAD: commits
    made there reach no project until a release tag names them."""
    if wanted is not None or target.version is None or not refs.head:
        return ""
    if refs.head.startswith(target.sha) or target.sha.startswith(refs.head):
        return ""
    return (
        f"the template's HEAD ({refs.head[:SHORT]}) is not a release (the newest is "
        f"{target.label}): tag it to release what it holds, or update --to HEAD"
    )


def is_current(commit: str, target: Target, refs: Refs) -> tuple[bool, str]:
    """Whether a project at ``commit`` is already at ``target`` (or past it), and why not.

    Versions compare as versions; otherwise the commits compare (a recorded short hash is a
    prefix of the full one), so ``--to`` the current commit is "up to date".
    """
    current = commit_version(commit)
    if target.version is not None and current is not None:
        if current > target.version:
            return True, f"newer than {target.label}; downgrades are not supported"
        return current >= target.version, ""
    sha = commit_sha(commit, refs)
    if sha and (target.sha.startswith(sha) or sha.startswith(target.sha)):
        return True, ""
    return False, ""
