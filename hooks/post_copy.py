"""Post-copy task: lock, export requirements.lock, make the first commit. Standard library only.

Copier runs this in the new project after ``copier copy`` (never during ``copier update``, whose
temporary renders would otherwise run it too). Each step is skipped when it cannot run, with a
message that says how to do it by hand: the project is generated either way, unless its template
was given as a relative path, which nothing could install the runtime from (the task fails, and
Copier removes the folder it made).

Environment: ``LEANOPS_SKIP_LOCK=1`` skips ``uv lock`` (tests, offline machines).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

LOCK_TIMEOUT_SECONDS = 300


def say(message: str) -> None:
    """Progress for the person running copier (stderr, like Copier's own messages)."""
    print(f"leanops: {message}", file=sys.stderr)


def run(
    args: list[str], *, timeout: float | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command (no shell) in the project, capturing its output."""
    return subprocess.run(
        args, capture_output=True, text=True, check=False, timeout=timeout, cwd=cwd
    )


# The runtime's pin in pyproject.toml: ``leanops-runtime = { git = "...", rev = "..." ... }``.
RUNTIME_PIN = re.compile(
    r'^leanops-runtime = \{ git = "([^"]+)", rev = "([0-9a-f]+)"', re.MULTILINE
)


def local_pin(project: Path) -> tuple[str, str] | None:
    """The template folder and commit the runtime is pinned to, when its source is a local
    checkout (a ``file://`` URL); None otherwise."""
    pyproject = project / "pyproject.toml"
    found = RUNTIME_PIN.search(pyproject.read_text("utf-8")) if pyproject.is_file() else None
    if found is None or not found.group(1).startswith("file://"):
        return None
    return found.group(1).removeprefix("file://"), found.group(2)


def relative_source(project: Path) -> str | None:
    """Why the project cannot be kept, when the template was given as a relative path
    (``copier copy ../leanops p``): Copier records it as given, uv cannot install a runtime
    pinned to a relative file URL (git reads ``..`` as a host name), and ``copier update``
    would resolve it from wherever it runs. None when the source is fine."""
    pin = local_pin(project)
    if pin is None:
        return None
    source = pin[0]
    if Path(source).is_absolute():
        return None
    # Where Copier resolved the path: the working folder of Copier's process (this task's
    # parent, on Linux), else the shell's; the first that holds the template.
    folders = [f"/proc/{os.getppid()}/cwd", *filter(None, [os.environ.get("PWD")])]
    absolute = next(
        (
            Path(folder, source).resolve()
            for folder in folders
            if Path(folder, source, "copier.yml").is_file()
        ),
        None,
    )
    named = f" ({absolute})" if absolute else ""
    return (
        f"the template was given as the relative path {source!r}, which uv cannot install the "
        "runtime from and copier update would look for wherever it runs: run the same copier "
        f"copy with the checkout's absolute path{named}, or use leanops new"
    )


def runtime_pin_reachable(project: Path) -> bool:
    """False, said with the fix, when the runtime is pinned to a commit its local template
    checkout lacks: Copier renders uncommitted changes of a local template from a temporary
    commit, which ``uv lock`` and ``uv sync`` then cannot fetch ("not our ref")."""
    pin = local_pin(project)
    if pin is None or shutil.which("git") is None:
        return True
    checkout, rev = pin
    result = run(["git", "-C", checkout, "cat-file", "-e", f"{rev}^{{commit}}"])
    if result.returncode == 0:
        return True
    last = run(["git", "-C", checkout, "rev-parse", "HEAD"]).stdout.strip() or "<commit>"
    say(
        f"the runtime is pinned to {rev[:12]}, which is not a commit of {checkout}: the template "
        "checkout has uncommitted changes, rendered from a temporary commit that uv cannot "
        f"fetch; commit them and render again, or render its last commit: --vcs-ref {last} "
        "(HEAD would name the temporary commit)"
    )
    return False


def uv_reason(stderr: str) -> str:
    """uv's own summary of a failure: its ``error:`` line or the one it marks with a cross, else
    its first line that is not progress (the last ones are often the tail of a quoted git or
    network message)."""
    cross = "\N{MULTIPLICATION SIGN}"
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    found = next((line for line in lines if line.startswith(("error:", cross))), None)
    progress = ("Using ", "Resolved ", "Updating ", "Updated ", "Prepared ", "Downloading ")
    found = found or next((line for line in lines if not line.startswith(progress)), None)
    return (found or "unknown error").removeprefix("error: ").removeprefix(f"{cross} ")


def lock_environment(project: Path) -> bool:
    """Write uv.lock with uv when it is available and the registry reachable."""
    if os.environ.get("LEANOPS_SKIP_LOCK"):
        say("skipped uv lock (LEANOPS_SKIP_LOCK is set); lock later with: uv lock")
        return False
    uv = shutil.which("uv")
    if uv is None:
        say("uv not found, so the environment is not locked yet; install uv, then run: uv lock")
        return False
    try:
        result = run([uv, "lock", "--directory", str(project)], timeout=LOCK_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        say("uv lock timed out (is the package index reachable?); run later: uv lock")
        return False
    if result.returncode != 0:
        say(f"uv lock failed ({uv_reason(result.stderr)}); fix it, then run: uv lock")
        return False
    say("locked the environment in uv.lock")
    return True


# The runtime pins of uv.lock with hashes, for `pip install --require-hashes -r requirements.lock`;
# the leanops runtime itself is a git requirement (pip cannot hash one): installed after them.
EXPORT_ARGS = [
    "export",
    "--format=requirements-txt",
    "--no-dev",
    "--no-emit-project",
    "--no-emit-package=leanops-runtime",
    "--locked",
    "--offline",
    "--quiet",
    "--output-file=requirements.lock",
]


def export_requirements(project: Path) -> bool:
    """Write requirements.lock from uv.lock (offline: everything needed is in the lock)."""
    if shutil.which("uv") is None or not (project / "uv.lock").is_file():
        return False
    try:
        # Run in the project (no --directory): uv writes the command into the file's header, which
        # must match the nox lock session's and the pre-commit hook's.
        result = run(["uv", *EXPORT_ARGS], timeout=60, cwd=project)
    except subprocess.TimeoutExpired:
        result = None
    if result is None or result.returncode != 0:
        say("could not export requirements.lock; run later: nox -s lock")
        return False
    say("exported the runtime pins with hashes to requirements.lock")
    return True


def inside_git_repository(project: Path) -> bool:
    """True when the project is already inside a git work tree (then we leave git alone)."""
    result = run(["git", "-C", str(project), "rev-parse", "--is-inside-work-tree"])
    return result.returncode == 0 and result.stdout.strip() == "true"


def git_identity(project: Path, author_name: str, author_email: str) -> list[str]:
    """``-c`` options giving the commit an author when git has none configured."""
    options = []
    if not run(["git", "-C", str(project), "config", "user.name"]).stdout.strip():
        options += ["-c", f"user.name={author_name}"]
    if not run(["git", "-C", str(project), "config", "user.email"]).stdout.strip():
        options += ["-c", f"user.email={author_email}"]
    return options


def first_commit(project: Path, author_name: str, author_email: str, version: str) -> bool:
    """``git init`` and commit the generated tree, so ``copier update`` works later."""
    if shutil.which("git") is None:
        say("git not found: run `git init && git add -A && git commit` before `copier update`")
        return False
    if inside_git_repository(project):
        say("inside an existing git repository: left for you to commit")
        return False
    init = ["git", "init", "-q"]
    if not run(["git", "config", "--get", "init.defaultBranch"]).stdout.strip():
        init += ["-b", "main"]
    steps = [
        [*init, str(project)],
        ["git", "-C", str(project), "add", "-A"],
        [
            "git",
            *git_identity(project, author_name, author_email),
            "-c",
            "commit.gpgsign=false",
            "-C",
            str(project),
            "commit",
            "-q",
            "--no-verify",
            "-m",
            f"Generate project from the leanops template {version}".strip(),
        ],
    ]
    for step in steps:
        result = run(step)
        if result.returncode != 0:
            reason = (result.stderr.strip().splitlines() or ["unknown error"])[-1]
            say(f"git step failed ({reason}); commit the project by hand before `copier update`")
            return False
    say("initialised git and committed the generated project")
    return True


def main(argv: list[str] | None = None) -> int:
    """Lock, then commit; a skipped step is reported, not fatal. Fails, so that Copier removes
    the new project, only when its template was given as a relative path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--author-name", default="leanops")
    parser.add_argument("--author-email", default="leanops@localhost")
    parser.add_argument("--version", default="", help="template version, for the commit message")
    args = parser.parse_args(argv)
    project = Path.cwd()
    refusal = relative_source(project)
    if refusal is not None:
        say(refusal)
        return 1
    if runtime_pin_reachable(project) and lock_environment(project):
        export_requirements(project)
    first_commit(project, args.author_name, args.author_email, args.version)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
