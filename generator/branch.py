"""One branch per repository and target: the workers' results become what the user merges.

Projects of one repository (a monorepo) are updated in parallel, each in its own worktree, from
the same commit. Here their clean updates are stacked, one commit per project, on
``template-update/<target>``; their conflicts, if any, are gathered into a single worktree on that
branch, where the user resolves them and commits. Only refs and worktrees this run made are
touched, under the repository's lock, and the older update branches the new one supersedes
that hold nothing but leanops' own update commits (``retire_superseded``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from . import worktree
from .checkout import BRANCH_PREFIX, branch_exists, shown_dirty, update_branches
from .errors import LeanopsError, one_line
from .gitutil import Repo, git, identity_options, repo_lock, run_git, status
from .results import CONFLICTS, FAILED, INTERRUPTED, NOT_STARTED, UP_TO_DATE, UPDATED, Result
from .worker import (
    BROKEN,
    CLEAN,
    CONFLICTED,
    PREVIEWED,
    RESOLVED,
    SKIPPED,
    STOPPED,
    UNCHANGED,
    Attempt,
    commit_message,
    discard,
    prepare_message,
)


def changes(repo: Repo, base: str, commit: str) -> list[tuple[str, str, str]]:
    """``(mode, sha, path)`` of every path ``commit`` changes from ``base`` (mode "0": removed)."""
    out = git(repo.top, "diff-tree", "-r", "-z", "--no-renames", base, commit)
    fields = out.split("\0")
    found = []
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        if not meta.startswith(":"):
            continue
        _, new_mode, _, new_sha, kind = meta[1:].split(" ")
        found.append(("0", "0" * 40, path) if kind == "D" else (new_mode, new_sha, path))
    return found


def stack(repo: Repo, base: str, commits: list[str]) -> str:
    """Commits made from ``base`` on disjoint folders, replayed one on top of the other.

    No worktree is needed: each commit's changes go into a temporary index over the previous
    tip. Two commits changing one path (projects nested or migrations overlapping) is an error.
    """
    tip, touched = commits[0], {path for _, _, path in changes(repo, base, commits[0])}
    for commit in commits[1:]:
        found = changes(repo, base, commit)
        overlap = touched & {path for _, _, path in found}
        if overlap:
            raise LeanopsError(f"two updates change {sorted(overlap)[0]}; update them one by one")
        touched |= {path for _, _, path in found}
        with tempfile.TemporaryDirectory(prefix="leanops-index-") as tmp:
            env = {**os.environ, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
            for args, text in (
                (("read-tree", tip), None),
                (("update-index", "-z", "--index-info"), "".join(
                    f"{mode} {sha}\t{path}\0" for mode, sha, path in found)),
                (("write-tree",), None),
            ):  # fmt: skip
                done = run_git(repo.top, *args, input_text=text, env=env)
                if done.returncode != 0:
                    raise LeanopsError(f"git {args[0]} failed: {done.stderr.strip()}")
            tree = done.stdout.strip()
        author, email, date, message = git(
            repo.top, "log", "-1", "--format=%an%x00%ae%x00%ad%x00%B", commit
        ).split("\0", 3)
        env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email}
        env["GIT_AUTHOR_DATE"] = date
        made = run_git(
            repo.top, *identity_options(repo.top), "commit-tree", tree, "-p", tip, "-F", "-",
            input_text=message, env=env,
        )  # fmt: skip
        if made.returncode != 0:
            raise LeanopsError(f"git commit-tree failed: {made.stderr.strip()}")
        tip = made.stdout.strip()
    return tip


def hand_over(source: Path, destination: Path, conflicts: list[str]) -> None:
    """Move a project's conflicted state (files and index entries, merge stages included) from
    its worker's worktree into the branch's worktree. Both started from the same commit for
    that project's files, so only the paths the update changed are copied.

    Everything but the ``conflicts`` is then staged (new, changed and deleted files alike), so
    resolving the conflicting files, adding them and committing commits the whole update.
    """
    changed = set(status(source).changed)
    if not changed:
        return
    entries = [
        entry
        for entry in git(source, "ls-files", "-s", "-z").split("\0")
        if entry and entry.split("\t", 1)[1] in changed
    ]
    for path in sorted(changed):
        origin, target = source / path, destination / path
        if target.is_symlink() or target.is_file():
            target.unlink()
        if origin.is_symlink() or origin.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target, follow_symlinks=False)
    git(destination, "update-index", "-z", "--force-remove", "--stdin",
        input_text="".join(f"{path}\0" for path in sorted(changed)))  # fmt: skip
    if entries:
        git(destination, "update-index", "-z", "--index-info",
            input_text="".join(f"{entry}\0" for entry in entries))  # fmt: skip
    git(destination, "update-index", "-q", "--refresh", check=False)
    settled = sorted(changed - set(conflicts))
    if settled:
        git(destination, "add", "-A", "--pathspec-from-file=-", "--pathspec-file-nul",
            input_text="".join(f"{path}\0" for path in settled))  # fmt: skip


def plain_result(attempt: Attempt) -> Result:
    """The result of an attempt that makes no branch."""
    job = attempt.job
    if attempt.state == UNCHANGED:
        return job.result(status=UP_TO_DATE, message="the update changes no file")
    if attempt.state == SKIPPED:
        return job.result(status=NOT_STARTED, message="not started: interrupted (nothing changed)")
    if attempt.state == STOPPED:
        return job.result(status=INTERRUPTED, message="interrupted (nothing was changed)")
    return job.result(status=FAILED, message=attempt.message)


def finish_group(attempts: list[Attempt]) -> list[Result]:
    """Make the branch of one repository and target from its projects' attempts."""
    pending = [a for a in attempts if a.state in {CLEAN, CONFLICTED}]
    results = [plain_result(a) for a in attempts if a.state not in {CLEAN, CONFLICTED}]
    if not pending:
        return results
    job = pending[0].job
    repo, branch = job.repo, job.branch
    clean = [a for a in pending if a.state == CLEAN]
    conflicted = [a for a in pending if a.state == CONFLICTED]
    made_branch, place = False, worktree.persistent_path(repo, branch)
    retired: list[str] = []
    try:
        with repo_lock(repo.common_dir):
            if branch_exists(repo, branch):
                raise LeanopsError(f"branch {branch} appeared while updating; retry later")
            tip = stack(repo, repo.head, [a.commit for a in clean]) if clean else repo.head
            git(repo.top, "branch", "--no-track", branch, tip)
            made_branch = True
            retired = retire_superseded(repo, branch, [a.job.offset for a in pending])
        if conflicted:
            if place.exists():
                raise LeanopsError(f"{place} exists (an earlier update?); remove it and retry")
            worktree.add_on_branch(repo, branch, place)
            for attempt in conflicted:
                hand_over(Path(attempt.worktree), place, attempt.outcome.conflicts)
                discard(attempt)
            messages = [commit_message(a.job, a.outcome) for a in conflicted]
            resolved = [path for a in conflicted for path in a.outcome.conflicts]
            prepare_message(place, [arg for message in messages for arg in message], resolved)
    except (LeanopsError, OSError) as error:
        for attempt in conflicted:
            discard(attempt)
        if place.exists() and conflicted:
            worktree.remove(repo, place)
        if made_branch:
            git(repo.top, "branch", "-q", "-D", branch, check=False)
        message = f"{one_line(error)} (nothing was changed)"
        return results + [a.job.result(status=FAILED, message=message) for a in pending]
    made = [branch_result(a, branch, place if conflicted else None) for a in pending]
    if retired:
        note = (
            f" (deleted the older update branch(es) this one supersedes, never merged and holding "
            f"only leanops' update commits: {', '.join(retired)})"
        )
        for result in made:
            result.message += note
    return results + made


def retire_superseded(repo: Repo, made: str, folders: list[str]) -> list[str]:
    """Delete the update branches to versions older than ``made``'s that nobody worked on, and
    return their names; call under the repository's lock.

    Such a branch will never be merged: ``made`` carries its projects (``folders``, relative to
    the repository; "" is all of it) further. It is deleted only when it changes nothing outside
    those folders, is not merged, not checked out here, has no worktree (or only leanops' own
    clean one, which ``git worktree remove`` then removes) and every commit it adds to HEAD is
    a leanops update commit. A branch holding any commit of the team's is kept (``leanops
    status`` names it superseded).
    """
    from .versions import parse_version

    target = parse_version(made.removeprefix(BRANCH_PREFIX))
    if target is None:
        return []
    retired = []
    for old in update_branches(repo):
        version = parse_version(old.name.removeprefix(BRANCH_PREFIX))
        if version is None or version >= target or old.merged or old.here:
            continue
        if old.changes or old.conflicts or not only_update_commits(repo, old.name):
            continue
        if not within(repo, old.name, folders):  # it also updates a project not updated now
            continue
        tree = old.worktree
        if tree is not None:
            own = tree.is_dir() and tree.resolve() == worktree.persistent_path(repo, old.name)
            if not own or run_git(repo.top, "worktree", "remove", str(tree)).returncode != 0:
                continue
        if run_git(repo.top, "branch", "-D", old.name).returncode == 0:
            retired.append(old.name)
    return retired


def within(repo: Repo, branch: str, folders: list[str]) -> bool:
    """Whether every path ``branch`` changes since it left HEAD's history is in ``folders``."""
    if "" in folders:
        return True
    base = git(repo.top, "merge-base", "HEAD", f"refs/heads/{branch}").strip()
    prefixes = tuple(folder.rstrip("/") + "/" for folder in folders)
    return all(path.startswith(prefixes) for _, _, path in changes(repo, base, branch))


def only_update_commits(repo: Repo, branch: str) -> bool:
    """Whether every commit ``branch`` adds to HEAD is one ``leanops update`` made alone (its
    message says ``leanops update from <template>`` and names no conflicts resolved by hand)."""
    messages = git(repo.top, "log", "--format=%B%x00", f"HEAD..refs/heads/{branch}").split("\0")
    made = [message.strip() for message in messages if message.strip()]
    return bool(made) and all(
        "\n\nleanops update from " in message and f"\n\n{RESOLVED}" not in message
        for message in made
    )


def branch_result(attempt: Attempt, branch: str, place: Path | None) -> Result:
    """An updated or conflicted project, with what to do next."""
    outcome = attempt.outcome
    result = attempt.job.result(
        branch=branch,
        changed=outcome.changed,
        conflicts=outcome.conflicts,
        kept=outcome.kept,
        held_back=outcome.held_back,
        notes=outcome.notes,
    )
    if place is None:
        result.status = UPDATED
        result.message = f"merge with: git merge {branch}"
        return result
    result.worktree = str(place)
    abandon = f"git worktree remove --force {place} && git branch -D {branch}"
    if attempt.state == CONFLICTED:
        result.status = CONFLICTS
        result.message = (
            f"resolve in {place}: the rest of the update is staged there; edit the conflicting "
            f"files, `git add` them and `git commit --no-edit` (the update's message is "
            f"prepared); then `git merge {branch}` here and "
            f"`git worktree remove {place}`. Or abandon: {abandon}"
        )
    else:
        result.status = UPDATED
        result.message = (
            f"committed on {branch}, which waits for the conflicts of another project to be "
            f"resolved in {place}; then `git merge {branch}`"
        )
    return result


def preview_result(attempt: Attempt) -> Result:
    """The result of a ``--dry-run``/``diff`` attempt."""
    from .results import CONFLICTS as CONFLICTING
    from .results import WOULD_UPDATE

    if attempt.state not in {PREVIEWED, CONFLICTED}:
        result = plain_result(attempt)
        if attempt.state == BROKEN:
            result.message = attempt.message
    else:
        outcome = attempt.outcome
        result = attempt.job.result(
            status=CONFLICTING if attempt.state == CONFLICTED else WOULD_UPDATE,
            changed=outcome.changed,
            conflicts=outcome.conflicts,
            kept=outcome.kept,
            held_back=outcome.held_back,
            notes=outcome.notes,
            diff=attempt.diff,
        )
    if dirty := attempt.job.uncommitted:
        shown = shown_dirty(dirty, attempt.job.offset)
        result.notes = [
            f"previewed from the last commit: your uncommitted changes ({shown}) are not in it",
            *result.notes,
        ]
    return result
