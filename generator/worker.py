"""What one worker does for one project: update (or preview) it in a worktree of its own.

A worker never creates a branch and never touches the user's checkout: a clean update becomes a
commit on a detached HEAD (the branch is made afterwards, once per repository); conflicts stay
in the worktree for the branch step to hand over; anything else removes the worktree. Workers
stop at the next step once ``stop`` is set (Ctrl-C), so queued projects never start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from . import worktree
from .apply import Outcome, apply_update
from .errors import LeanopsError, one_line
from .gitutil import git, identity_options
from .plan import Job

CLEAN = "clean"
CONFLICTED = "conflicted"
UNCHANGED = "unchanged"
PREVIEWED = "previewed"
BROKEN = "broken"
STOPPED = "stopped"
SKIPPED = "skipped"


class StopFlag(Protocol):
    """A ``threading.Event`` or ``multiprocessing.Event``: set on Ctrl-C."""

    def is_set(self) -> bool: ...


@dataclass
class Attempt:
    """What a worker did with a job (picklable: it travels back from worker processes)."""

    job: Job
    state: str
    commit: str = ""
    worktree: str = ""
    outcome: Outcome = field(default_factory=lambda: Outcome([], [], [], [], []))
    message: str = ""
    diff: str = ""


def commit_message(job: Job, outcome: Outcome) -> list[str]:
    """``-m`` arguments: a subject naming both versions (and the folder in a monorepo), then
    what the reviewer must know."""
    where = f" in {job.offset}" if job.offset else ""
    subject = f"Update template from {job.project.commit} to {job.target.label}{where}"
    body = [f"leanops update from {job.project.src_path}"]
    if outcome.kept:
        body.append("Kept (edited here, removed upstream): " + ", ".join(outcome.kept))
    if outcome.held_back:
        body.append(
            "Held back (an ignored file of the checkout is at that path): "
            + ", ".join(outcome.held_back)
        )
    body += [f"Follow-up: {note}" for note in outcome.notes]
    args = ["-m", subject]
    for paragraph in body:
        args += ["-m", paragraph]
    return args


RESOLVED = "Conflicts resolved by hand: "


def prepare_message(work: Path, args: list[str], conflicts: list[str]) -> None:
    """Leave the update's commit message where ``git commit`` in ``work`` takes it up (git's
    ``SQUASH_MSG``), naming the files resolved by hand: that commit holds the team's work, so a
    newer update never deletes its branch as one made by ``leanops`` alone."""
    paragraphs = [*args[1::2], RESOLVED + ", ".join(conflicts)]  # the values of ``-m`` pairs
    where = Path(git(work, "rev-parse", "--git-path", "SQUASH_MSG").strip())
    (where if where.is_absolute() else work / where).write_text(
        "\n\n".join(paragraphs) + "\n", encoding="utf-8"
    )


def update_one(job: Job, stop: StopFlag | None = None) -> Attempt:
    """Update ``job``'s project in a new worktree at the user's HEAD; never raises an Exception
    (a KeyboardInterrupt still propagates, after its worktree is removed)."""
    if stop is not None and stop.is_set():
        return Attempt(job, SKIPPED)
    try:
        work = worktree.add_detached(job.repo, job.repo.head)
    except LeanopsError as error:
        return Attempt(job, BROKEN, message=f"{one_line(error)} (nothing was changed)")
    attempt = Attempt(job, BROKEN)
    try:
        attempt = settle(job, work, apply_update(job, work), stop)
    except (LeanopsError, OSError) as error:
        attempt.message = f"{one_line(error)} (nothing was changed)"
    finally:
        if attempt.state != CONFLICTED:
            worktree.remove(job.repo, work)
    return attempt


def settle(job: Job, work: Path, outcome: Outcome, stop: StopFlag | None) -> Attempt:
    """After Copier: keep conflicts in the worktree, commit a clean update, or stop."""
    if stop is not None and stop.is_set():
        return Attempt(job, STOPPED, outcome=outcome)
    if outcome.conflicts:
        return Attempt(job, CONFLICTED, worktree=str(work), outcome=outcome)
    if not outcome.changed:
        return Attempt(job, UNCHANGED, outcome=outcome)
    git(work, "add", "-A")
    git(work, *identity_options(work), "commit", "-q", "--no-verify",
        *commit_message(job, outcome))  # fmt: skip
    return Attempt(job, CLEAN, commit=git(work, "rev-parse", "HEAD").strip(), outcome=outcome)


def preview_one(job: Job, stop: StopFlag | None = None) -> Attempt:
    """The update's diff, made in a throw-away worktree: nothing of the user's is touched."""
    if stop is not None and stop.is_set():
        return Attempt(job, SKIPPED)
    try:
        work = worktree.add_detached(job.repo, job.repo.head)
    except LeanopsError as error:
        return Attempt(job, BROKEN, message=one_line(error))
    try:
        outcome = apply_update(job, work)
        git(work, "add", "-A")
        # A removed file is named, its lines not printed (-D): a preview stays readable when an
        # update removes a whole vendored package.
        diff = git(work, "diff", "--cached", "--no-color", "--stat", "--patch", "-D", "HEAD")
        state = CONFLICTED if outcome.conflicts else PREVIEWED if outcome.changed else UNCHANGED
        return Attempt(job, state, outcome=outcome, diff=diff)
    except (LeanopsError, OSError) as error:
        return Attempt(job, BROKEN, message=one_line(error))
    finally:
        worktree.remove(job.repo, work)


def discard(attempt: Attempt) -> None:
    """Throw away what an attempt left (a worktree with conflicts); its commit is unreferenced."""
    if attempt.worktree:
        worktree.remove(attempt.job.repo, Path(attempt.worktree))
        attempt.worktree = ""
