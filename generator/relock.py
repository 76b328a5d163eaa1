"""After an update that changed ``pyproject.toml``: bring the project's lock files along.

A template release that adds or raises a dependency leaves ``uv.lock`` stale, and every
``uv sync --locked`` (CI, nox, the Docker image) then refuses the project. So when the update
changed ``pyproject.toml`` of a project that commits ``uv.lock``, leanops runs ``uv lock`` in
the update's worktree and re-exports ``requirements.lock`` with the very command its header
records (uv writes it there), so both land on the update branch with the rest. When uv or the
package index cannot be reached, nothing is half-done: a follow-up says what to run after merging.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

LOCK_TIMEOUT_SECONDS = 300
HEADER_COMMAND = "#    uv export "
FOLLOW_UP = "uv.lock is stale after this update: run `uv run nox -s lock` in {where} and commit"
STALE_EXPORT = (
    "requirements.lock in {where} did not match uv.lock before this update (a lock refreshed "
    "without `uv run nox -s lock`): exported again here, so its diff holds more than the "
    "template's change"
)
# A pyproject.toml in conflict cannot be locked until the team resolves it.
RELOCK_AFTER_CONFLICTS = (
    "uv.lock is stale after this update and was not refreshed (pyproject.toml is in conflict): "
    "once it is resolved, run `uv run nox -s lock` where you resolved it (the update's "
    "worktree for {where}) and commit uv.lock and requirements.lock with the resolution"
)


def export_command(requirements: Path) -> list[str] | None:
    """The ``uv export ...`` command recorded in ``requirements.lock``'s header, if any."""
    try:
        lines = requirements.read_text(encoding="utf-8").splitlines()[:5]
    except OSError:
        return None
    for line in lines:
        if line.startswith(HEADER_COMMAND):
            return shlex.split(line.removeprefix("#").strip())
    return None


RUNTIME_EXCLUDED = "--no-emit-package=leanops-runtime"


def without_runtime(export: list[str], project: Path) -> list[str]:
    """``export``, leaving out the leanops runtime when the project pins it: a git requirement
    has no hash, so ``pip install --require-hashes`` would refuse the whole file. The option
    goes where the template's own export command has it (after ``--no-emit-project``)."""
    try:
        pins_runtime = "leanops-runtime" in (project / "pyproject.toml").read_text("utf-8")
    except OSError:
        pins_runtime = False
    if not pins_runtime or RUNTIME_EXCLUDED in export:
        return export
    at = export.index("--no-emit-project") + 1 if "--no-emit-project" in export else len(export)
    return [*export[:at], RUNTIME_EXCLUDED, *export[at:]]


def to_stdout(export: list[str]) -> list[str]:
    """``uv export ...`` as recorded, printing to stdout what it would write, from ``uv.lock`` as
    it is (``--frozen``: whether ``uv.lock`` fits ``pyproject.toml`` is ``uv lock --check``'s)."""
    argv: list[str] = []
    words = iter(export)
    for word in words:
        if word in ("-o", "--output-file"):
            next(words, None)
        elif not word.startswith("--output-file=") and word not in ("--locked", "--frozen"):
            argv.append(word)
    return [*argv, "--frozen"]


def pins(requirements: str) -> set[str]:
    """A requirements file's requirement and hash lines, without its comments, continuation
    marks or order (another uv may list the same hashes in another order)."""
    lines = (line.strip().removesuffix("\\").strip() for line in requirements.splitlines())
    return {line for line in lines if line and not line.startswith("#")}


def exported_in_step(project: Path) -> bool | None:
    """Whether ``requirements.lock`` pins what ``uv.lock`` gives, by the export command its header
    records; None when there is no such header, no uv, or ``uv.lock`` cannot be read as it is."""
    uv = shutil.which("uv")
    requirements = project / "requirements.lock"
    export = export_command(requirements)
    if uv is None or export is None:
        return None
    try:
        done = subprocess.run(
            [uv, *to_stdout(without_runtime(export, project))[1:]],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=LOCK_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return pins(done.stdout) == pins(requirements.read_text(encoding="utf-8"))


def relock(project: Path, shown: str) -> list[str]:
    """Refresh ``uv.lock`` (and ``requirements.lock``) in ``project``; follow-ups on failure, and
    when ``requirements.lock`` was already out of step with ``uv.lock`` before the update (its
    diff then holds more than the template's change).

    ``shown`` names the project in a follow-up (its folder as the user knows it).
    """
    uv = shutil.which("uv")
    if uv is None:
        return [FOLLOW_UP.format(where=shown) + " (uv is not installed here)"]
    stale = exported_in_step(project) is False
    steps = [[uv, "lock"]]
    export = export_command(project / "requirements.lock")
    if export is not None:
        steps.append([uv, *without_runtime(export, project)[1:]])
    for step in steps:
        try:
            done = subprocess.run(
                step,
                cwd=project,
                capture_output=True,
                text=True,
                timeout=LOCK_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return [FOLLOW_UP.format(where=shown) + f" ({type(error).__name__})"]
        if done.returncode != 0:
            reason = next((line for line in done.stderr.splitlines() if line.strip()), "")
            return [FOLLOW_UP.format(where=shown) + f" (`{' '.join(step[1:3])}`: {reason})"]
    return [STALE_EXPORT.format(where=shown)] if stale else []  # stale: the header was read
