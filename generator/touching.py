"""Edits that only touch: merged where git's three-way merge calls them a conflict.

git (and so Copier) marks a conflict wherever the team's change and the template's are on
adjacent lines, even when no line was changed by both: a value the team set right under a
comment the template reworded (``estimator: random_forest`` below a new sentence) stops the
update of every project that set it. Here such a file is merged line by line instead: each side's
changes are applied where no line of the old version is changed by both and neither side inserts
where the other replaces. Any other conflict in the file leaves it exactly as git marked it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from .gitutil import git, git_bytes


@dataclass(frozen=True, order=True)
class Change:
    """Lines ``start:end`` of the old version replaced by ``lines`` (an insertion when empty)."""

    start: int
    end: int
    lines: tuple[str, ...]


def changes(base: list[str], other: list[str]) -> list[Change]:
    """What ``other`` changed in ``base``, in order."""
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    return [
        Change(i1, i2, tuple(other[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def merge_lines(base: list[str], ours: list[str], theirs: list[str]) -> list[str] | None:
    """Both sides' changes to ``base`` in one text, or None when they collide: a line of
    ``base`` changed by both (differently), an insertion by both at one place, or an insertion
    inside a range the other side replaced."""
    merged = sorted(set(changes(base, ours)) | set(changes(base, theirs)))
    out: list[str] = []
    position = 0  # the end, in base, of the change applied last
    previous: Change | None = None
    for change in merged:
        overlaps = change.start < position
        both_insert = previous is not None and previous.start == previous.end == change.start
        if overlaps or (both_insert and change.start == change.end):
            return None
        out += base[position : change.start]
        out += change.lines
        position, previous = change.end, change
    return out + base[position:]


def settle(work: Path, paths: Iterable[str]) -> list[str]:
    """Merge each conflicted file of ``paths`` whose edits only touch (from its index stages:
    the old template version, the project's, the new version); stage it. The paths merged."""
    merged = []
    for path in paths:
        stages = [git_bytes(work, f":{stage}:{path}") for stage in (1, 2, 3)]
        try:
            base, ours, theirs = (blob.decode("utf-8") for blob in stages if blob is not None)
        except (ValueError, UnicodeDecodeError):  # a side is missing, or the file is not text
            continue
        lines = merge_lines(*(text.splitlines(keepends=True) for text in (base, ours, theirs)))
        if lines is None:
            continue
        (work / path).write_bytes("".join(lines).encode("utf-8"))
        git(work, "add", "--", path)
        merged.append(path)
    return merged
