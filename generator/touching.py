"""Edits that only touch: merged where git's three-way merge calls them a conflict.

git (and so Copier) marks a conflict wherever the team's change and the template's are on
adjacent lines, even when no line was changed by both: a value the team set right under a
comment the template reworded (``estimator: random_forest`` below a new sentence) stops the
update of every project that set it. Here each block git marked is merged line by line instead,
when its two sides' changes are unambiguous and apart: no line of the old version changed by
both, no insertion where the other side removed or replaced lines or among repeated lines the
other side changed, no line added by both. What git merged itself is kept as git merged it,
and so is what a migration changed after Copier's merge; a file with any other conflict is
left exactly as git marked it.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from .gitutil import git, git_bytes

# The labels Copier gives ``git merge-file``: its markers are reproduced to the byte.
COPIER_LABELS = ("before updating", "last update", "after updating")


def split_lines(text: str) -> list[str]:
    """Lines as git counts them: ended by ``\\n`` alone (a form feed, ``\\r``, U+2028 are text)."""
    return re.findall(r"[^\n]*\n|[^\n]+", text)


@dataclass(frozen=True, order=True)
class Change:
    """Lines ``start:end`` of the old version replaced by ``lines`` (an insertion when empty)."""

    start: int
    end: int
    lines: tuple[str, ...]
    side: str  # "ours" or "theirs"

    @property
    def inserts(self) -> bool:
        return self.start == self.end

    @property
    def deletes(self) -> bool:
        return not self.lines


def changes(base: list[str], other: list[str], side: str) -> list[Change]:
    """What ``other`` changed in ``base``, in order."""
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    return [
        Change(i1, i2, tuple(other[j1:j2]), side)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def window(base: list[str], change: Change) -> tuple[int, int]:
    """The lines of ``base`` a change could equally be made at: an insertion or a deletion
    slides along repeated lines; a replacement could take in the line above (below) it when
    that line is its own first (last) new line or a copy of its first (last) old one.
    difflib's choice among them need not be what was meant."""
    if not (change.inserts or change.deletes):
        low, high = change.start, change.end
        if low > 0 and base[low - 1] in (change.lines[0], base[low]):
            low -= 1
        if high < len(base) and base[high] in (change.lines[-1], base[high - 1]):
            high += 1
        return low, high
    result = base[: change.start] + list(change.lines) + base[change.end :]
    size = len(change.lines) if change.inserts else change.end - change.start

    def same(at: int) -> bool:
        if change.inserts:
            return base[:at] + result[at : at + size] + base[at:] == result
        return base[:at] + base[at + size :] == result

    low = high = change.start
    while low > 0 and same(low - 1):
        low -= 1
    while high + (0 if change.inserts else size) < len(base) and same(high + 1):
        high += 1
    return low, high + (0 if change.inserts else size)


def collide(base: list[str], one: Change, other: Change) -> bool:
    """Whether two changes of different sides cannot both be made without a reader's eye."""
    one_at, other_at = window(base, one), window(base, other)
    if one.inserts and other.inserts:  # at one place, or at places that could be one
        return one_at[0] <= other_at[1] and other_at[0] <= one_at[1]
    if one.inserts or other.inserts:
        (low, high), rest, (rest_low, rest_high) = (
            (one_at, other, other_at) if one.inserts else (other_at, one, one_at)
        )
        beside = rest_low <= high and low <= rest_high
        rewrote = rest.end - rest.start > 1 or len(rest.lines) != rest.end - rest.start
        if beside and (rest.deletes or rewrote or low < high):
            return True  # beside lines the other side removed or rewrote (a block made one
            # line: `alerts: {...}`), or sliding into its change
        return rest_low < low < rest_high or rest_low < high < rest_high
    return one_at[0] < other_at[1] and other_at[0] < one_at[1]


def merge_lines(base: list[str], ours: list[str], theirs: list[str]) -> list[str] | None:
    """Both sides' changes to ``base`` in one text, or None when any two collide, when both
    add a same non-blank line in different changes (each may be the other's copy), or when
    the result depends on how repeated lines are aligned: merged from the last line up, it
    must come out the same."""
    merged = merge_aligned(base, ours, theirs)
    upward = merge_aligned(base[::-1], ours[::-1], theirs[::-1])
    if merged is None or upward is None or merged != upward[::-1]:
        return None
    return merged


def merge_aligned(base: list[str], ours: list[str], theirs: list[str]) -> list[str] | None:
    """``merge_lines`` for the one alignment difflib finds."""
    mine = changes(base, ours, "ours")
    same = {(change.start, change.end, change.lines) for change in mine}
    upstream = [
        change
        for change in changes(base, theirs, "theirs")
        if (change.start, change.end, change.lines) not in same  # made alike on both sides
    ]
    if new_lines(mine) & new_lines(upstream):
        return None
    if any(collide(base, one, other) for one in mine for other in upstream):
        return None
    out: list[str] = []
    position = 0
    for change in sorted(mine + upstream):
        out += base[position : change.start]
        out += change.lines
        position = change.end
    return out + base[position:]


@dataclass
class Block:
    """One conflict block of ``git merge-file --diff3``: each side's lines."""

    ours: list[str]
    base: list[str]
    theirs: list[str]


def marker_size(*texts: str) -> int:
    """A marker longer than any run of marker characters starting a line of ``texts`` (an
    underline of ``=``): no line of the file can be read as one."""
    runs = (len(run) for text in texts for run in re.findall(r"(?m)^(<+|\|+|=+|>+)", text))
    return max(41, 1 + max(runs, default=0))


def parse(marked: list[str], size: int) -> list[str | Block] | None:
    """``git merge-file --diff3 --marker-size=size`` output: its lines, and its blocks in
    their place; None when the markers do not close."""
    out: list[str | Block] = []
    block: Block | None = None
    part = ""
    for line in marked:
        marker = line.rstrip("\n").split(" ", 1)[0]
        if marker == "<" * size and block is None:
            block, part = Block([], [], []), "ours"
        elif marker == "|" * size and part == "ours":
            part = "base"
        elif marker == "=" * size and part == "base":
            part = "theirs"
        elif marker == ">" * size and block is not None and part == "theirs":
            out.append(block)
            block, part = None, ""
        elif block is not None:
            getattr(block, part).append(line)
        else:
            out.append(line)
    return None if block is not None else out


def resolve(parts: list[str | Block]) -> list[str] | None:
    """The lines with each block merged by ``merge_lines``; None when a block cannot be, or
    when a line would run into the next (no final newline)."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        merged = merge_lines(part.base, part.ours, part.theirs)
        if merged is None:
            return None
        out += merged
    if any(not line.endswith("\n") for line in out[:-1]):
        return None
    return out


def new_lines(made: list[Change]) -> set[str]:
    """The non-blank lines ``made`` adds."""
    return {line for change in made for line in change.lines if line.strip()}


def added(base: list[str], other: list[str]) -> set[str]:
    """The non-blank lines ``other`` adds to ``base``."""
    return new_lines(changes(base, other, ""))


def added_twice(parts: list[str | Block], base: str, ours: str, theirs: str) -> bool:
    """Whether a block adds a line the other side adds anywhere in the file (git merged the
    other copy by itself): the merge would hold it twice."""
    whole = {
        "ours": added(split_lines(base), split_lines(ours)),
        "theirs": added(split_lines(base), split_lines(theirs)),
    }
    for block in (part for part in parts if isinstance(part, Block)):
        if added(block.base, block.ours) & whole["theirs"]:
            return True
        if added(block.base, block.theirs) & whole["ours"]:
            return True
    return False


def merge_file(
    repo: Path, current: bytes, base: bytes, other: bytes, *options: str
) -> subprocess.CompletedProcess[bytes]:
    """``git merge-file -p OPTIONS current base other`` run in ``repo`` (whose settings, such as
    ``merge.conflictStyle``, shaped Copier's markers); exit code: the number of conflicts."""
    with tempfile.TemporaryDirectory(prefix="leanops-merge-") as scratch:
        paths = []
        for name, data in (("current", current), ("base", base), ("other", other)):
            path = Path(scratch) / name
            path.write_bytes(data)
            paths.append(str(path))
        return subprocess.run(
            ["git", "-C", str(repo), "merge-file", "-p", *options, *paths],
            capture_output=True,
            check=False,
        )


def merged_blocks(repo: Path, base: bytes, ours: bytes, theirs: bytes) -> bytes | None:
    """The three-way merge of the stages with each conflict block git marks merged by
    ``merge_lines``; None when one cannot be."""
    try:
        texts = [data.decode("utf-8") for data in (base, ours, theirs)]
    except UnicodeDecodeError:
        return None
    if any(text and not text.endswith("\n") for text in texts):
        return None  # git ends a block's last line: the final newline's absence would be lost
    size = marker_size(*texts)
    marked = merge_file(repo, ours, base, theirs, "--diff3", f"--marker-size={size}")
    if not 0 <= marked.returncode <= 127:  # git failed: not a count of conflicts
        return None
    parts = parse(split_lines(marked.stdout.decode("utf-8", "replace")), size)
    if parts is None or added_twice(parts, *texts):
        return None
    lines = resolve(parts)
    return None if lines is None else "".join(lines).encode("utf-8")


def settled(repo: Path, work_tree: bytes, base: bytes, ours: bytes, theirs: bytes) -> bytes | None:
    """The file Copier left in conflict (``work_tree``: its markers, and whatever a migration
    changed after them) with its touching edits merged; None when it is not only those."""
    merged = merged_blocks(repo, base, ours, theirs)
    if merged is None:
        return None
    labels = [option for label in COPIER_LABELS for option in ("-L", label)]
    copier_made = merge_file(repo, ours, base, theirs, *labels).stdout
    if work_tree == copier_made:
        return merged
    # A migration changed the file after Copier's merge: its changes, laid over the merge.
    migrated = merge_file(repo, merged, copier_made, work_tree)
    return migrated.stdout if migrated.returncode == 0 else None


def settle(work: Path, paths: Iterable[str]) -> list[str]:
    """Merge each conflicted file of ``paths`` whose conflicts are only touching edits (from
    its index stages: the old template version, the project's, the new version); stage it.
    The paths merged."""
    done = []
    for path in paths:
        stages = [git_bytes(work, f":{stage}:{path}") for stage in (1, 2, 3)]
        file = work / path
        if file.is_symlink() or not file.is_file():
            continue
        base, ours, theirs = stages
        if base is None or ours is None or theirs is None:  # added or removed on one side
            continue
        merged = settled(work, file.read_bytes(), base, ours, theirs)
        if merged is None:
            continue
        file.write_bytes(merged)
        git(work, "add", "--force", "--", path)  # tracked: stages say so, whatever ignores it
        done.append(path)
    return done
