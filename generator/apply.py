"""One project's update inside its worktree: Copier's merge, then what leanops adds to it.

After Copier: files the template removed but the project edited are kept; new template files
at a path where the user's checkout has an ignored file are held back (git would overwrite that
file silently when the branch is merged); a file whose conflict is only edits on adjacent lines
is merged (and said so); conflicts are found (Copier exits 0 on them); and migrations'
follow-ups are collected.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import copier_api
from .gitutil import conflicts, git, git_bytes, status
from .plan import Job
from .relock import RELOCK_AFTER_CONFLICTS, relock
from .touching import settle


@dataclass
class Outcome:
    """The state of a worktree after the update was merged into it."""

    changed: list[str]
    conflicts: list[str]
    kept: list[str]
    held_back: list[str]
    notes: list[str]


def keep_edited_deletions(work: Path, job: Job, deleted: list[str]) -> list[str]:
    """Restore files Copier deleted (removed upstream) that the project had edited.

    A deleted file is kept when its committed content differs from what the old template
    version rendered, i.e. someone edited it here. Returns the kept paths (work-tree relative).
    """
    if not deleted:
        return []
    kept = []
    prefix = f"{job.offset}/" if job.offset else ""
    with tempfile.TemporaryDirectory(prefix="leanops-old-") as tmp:
        old = Path(tmp) / "old"
        project = job.project
        copier_api.render(job.source.location, old, project.user_answers, project.commit)
        for path in deleted:
            if not path.startswith(prefix):
                continue
            rendered = old / path.removeprefix(prefix)
            if not rendered.is_file():
                continue  # not a template file (a migration removed it): leave it removed
            committed = git_bytes(work, f"HEAD:{path}")
            if committed is not None and committed != rendered.read_bytes():
                git(work, "restore", "--source=HEAD", "--staged", "--worktree", "--", path)
                kept.append(path)
    return kept


def in_the_way(top: Path, path: str) -> bool:
    """True when the user's checkout has something at ``path`` or a file where a parent folder
    of it would go: merging a branch that adds ``path`` would overwrite or break it."""
    target = top / path
    if target.exists() or target.is_symlink():
        return True
    return any(
        parent.exists() and not parent.is_dir()
        for parent in target.parents
        if parent.is_relative_to(top) and parent != top
    )


def hold_back_ignored(work: Path, top: Path, added: list[str]) -> list[str]:
    """Drop new files from the update where the user's checkout has an (ignored) file.

    The project folder is clean when an update starts, so whatever exists there at a path git
    does not track is ignored: git would replace it without a word on merge.
    """
    held = []
    for path in added:
        if in_the_way(top, path):
            git(work, "rm", "-q", "--cached", "--ignore-unmatch", "--", path)
            (work / path).unlink(missing_ok=True)
            held.append(path)
    return held


def ignored_new(work: Path) -> list[str]:
    """Files the update made that the project's ignore rules match (bytecode aside): a worktree
    starts with tracked files only, so these are new template files git would leave out."""
    out = git(work, "status", "--porcelain=v1", "-z", "--ignored", "--untracked-files=all")
    return sorted(
        entry[3:]
        for entry in out.split("\0")
        if entry.startswith("!! ") and "__pycache__/" not in entry
    )


def take_ignored_new(work: Path, top: Path) -> tuple[list[str], list[str]]:
    """New template files at paths the project ignores: held back where the user's checkout
    has a file there (merging would replace it), else staged all the same (``git add -f``), so
    the update branch holds the whole template. (held back, staged)."""
    held, taken = [], []
    for path in ignored_new(work):
        if in_the_way(top, path):
            (work / path).unlink(missing_ok=True)
            held.append(path)
        else:
            git(work, "add", "--force", "--", path)
            taken.append(path)
    return held, taken


def read_notes(notes: Path) -> list[str]:
    """Follow-ups the migrations left, in order, without repeats."""
    if not notes.is_file():
        return []
    lines = [line.strip() for line in notes.read_text(encoding="utf-8").splitlines()]
    return list(dict.fromkeys(line for line in lines if line))


def names_file(note: str, path: str) -> bool:
    """Whether a migration's follow-up is about the project file ``path`` (it starts
    ``<path>: ``, after the migration's own prefix)."""
    return note.startswith(f"{path}: ") or f" migration: {path}: " in note


def about_kept(notes: list[str], kept: list[str], deleted: list[str], prefix: str) -> list[str]:
    """The migrations' follow-ups without those about files the update removed and leanops did
    not keep; for each kept file, the migration's note of it, or where none says more, ours."""
    gone = [path.removeprefix(prefix) for path in deleted if path not in kept]
    notes = [note for note in notes if not any(names_file(note, path) for path in gone)]
    return notes + [
        f"kept {path}: the template moved or removed it; port your edits to its new home (see "
        "the template's CHANGELOG) and delete it"
        for path in kept
        if not any(names_file(note, path.removeprefix(prefix)) for note in notes)
    ]


def apply_update(job: Job, work: Path) -> Outcome:
    """Run Copier's update for ``job`` in worktree ``work`` and inspect the result."""
    with tempfile.TemporaryDirectory(prefix="leanops-notes-") as tmp:
        notes = Path(tmp) / "notes.txt"
        copier_api.run_copier_update(
            work / job.offset, job.target.ref, checkout=job.project.path, notes=notes
        )
        found = read_notes(notes)
    after = status(work)
    touching = settle(work, after.unmerged)
    if touching:
        after = status(work)
    kept = keep_edited_deletions(work, job, after.deleted)
    held = hold_back_ignored(work, job.repo.top, after.added)
    held_ignored, taken = take_ignored_new(work, job.repo.top)
    held += held_ignored
    prefix = f"{job.offset}/" if job.offset else ""
    found = about_kept(found, kept, after.deleted, prefix)
    # A migration's "<file> is in conflict" said before the touching edits were merged.
    settled = [f" {path.removeprefix(prefix)} is in conflict" for path in touching]
    found = [note for note in found if not any(said in f" {note}" for said in settled)]
    found += [
        f"{name}: the template adds it at a path your ignore rules match: committed on the "
        f"update branch all the same (`git rm --cached {name}` there keeps it out of git)"
        for name in (path.removeprefix(prefix) for path in taken)
    ]
    found += [
        f"{path.removeprefix(prefix)}: your edit and the template's change to the line beside it "
        "are both in (git would have marked them a conflict): read them together"
        for path in touching
    ]
    locked = git_bytes(work, f"HEAD:{prefix}uv.lock") is not None
    pyproject = f"{prefix}pyproject.toml"
    # Conflicts elsewhere (a README, params.yaml) leave pyproject.toml lockable: the lock moves
    # with the pin, and only the team's resolutions are left to commit.
    in_conflict = conflicts(work, after)
    if locked and {pyproject, f"{pyproject}.rej"} & set(in_conflict):
        found.append(RELOCK_AFTER_CONFLICTS.format(where=job.project.path))
    elif locked and pyproject in after.changed:
        found += relock(work / job.offset, str(job.project.path))
    if kept or held or taken or locked:
        after = status(work)
    return Outcome(after.changed, conflicts(work, after), kept, held, found)
