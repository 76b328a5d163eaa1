"""Where a run happens: the git commit (and whether the checkout is dirty), user, host, process,
and what the environment runs: package versions and the lock file's SHA-256 (``info`` prints
them; every tracked run records the lock hash, so a result can be traced to its environment).

``git status`` is started in the background (``start_git``) so it runs while the store opens;
``subprocess`` and ``importlib.metadata`` are imported only when used: ``tracking`` imports
this module and must start in milliseconds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess

GIT_TIMEOUT_S = 10.0


def start_git(root: Path | str) -> subprocess.Popen[bytes] | None:
    """Start ``git status`` for the checkout at ``root``; None when git cannot start. A file git
    does not track and does not ignore makes the checkout dirty: a run's code may be in it."""
    import subprocess

    args = ["git", "-C", str(root), "status", "--porcelain=v2", "--branch", "--untracked-files"]
    try:
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:
        return None


def git_result(
    process: subprocess.Popen[bytes] | None, timeout: float = GIT_TIMEOUT_S
) -> tuple[str | None, bool | None]:
    """``(commit, dirty)`` from ``start_git``'s process; ``(None, None)`` without git."""
    import subprocess

    if process is None:
        return None, None
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:  # a stale lock, a slow network drive: no git record
        process.kill()
        process.communicate()
        return None, None
    if process.returncode != 0:
        return None, None
    commit = None
    dirty = False
    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith("# branch.oid "):
            oid = line.split()[2]
            commit = None if oid == "(initial)" else oid
        elif not line.startswith("#"):
            dirty = True
    return commit, dirty


def git_state(root: Path | str = ".") -> tuple[str | None, bool | None]:
    """``(commit, dirty)`` of the git checkout at ``root``; ``(None, None)`` without git."""
    return git_result(start_git(root))


def first_commit(root: Path | str = ".") -> str | None:
    """The first commit of the git history at ``root``: the same in every clone of a project,
    different in any other project (the earliest root when histories were joined); None
    without git or commits."""
    import subprocess

    args = ["git", "-C", str(root), "rev-list", "--max-parents=0", "HEAD"]
    try:
        done = subprocess.run(args, capture_output=True, timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    roots = done.stdout.decode("ascii", "replace").split()
    return sorted(roots)[0] if done.returncode == 0 and roots else None


ANSWERS_FILE = ".copier-answers.yml"


def template_commit(root: Path | str = ".") -> str | None:
    """The template version the project was rendered or last updated from: the ``_commit``
    Copier records in ``.copier-answers.yml`` (None outside a rendered project)."""
    try:
        text = (Path(root) / ANSWERS_FILE).read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "_commit" and value.strip():
            return value.strip().strip("'\"")
    return None


def process_start(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (Linux), to tell a live run from a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]


def died_here(host: str | None, pid: int | None, proc_start: str | None) -> bool:
    """Whether a run started by process ``pid`` on ``host`` is gone: only this host can tell
    (a pid reused by another process counts as gone when its start time differs)."""
    if host != machine()[0] or not pid:
        return False
    if not pid_alive(pid):
        return True
    return proc_start is not None and process_start(pid) != proc_start


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def user(*, from_environment: bool = True) -> str | None:
    """The login name, as ``getpass.getuser`` finds it (without importing getpass);
    ``from_environment=False``: the account's own, skipping the variables any command line sets."""
    for key in ("LOGNAME", "USER", "LNAME", "USERNAME") if from_environment else ():
        if os.environ.get(key):
            return os.environ[key]
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, AttributeError):
        return None


def identity(where: Path | str = ".") -> str:
    """Who makes a change or a run: git's configured e-mail (``user.email``, as in the
    project's commits), else ``user@host`` of the account; the registry's audit and the runs
    name the same person.

    Not ``$USER``, which any command line can set (``USER=x promote``). A local registry is as
    trustworthy as the file system it lives on; a team that needs identities nobody can choose
    shares an MLflow server, whose registry records the authenticated user.
    """
    import socket
    import subprocess

    try:
        found = subprocess.run(
            ["git", "config", "user.email"],
            cwd=where if Path(where).is_dir() else ".",
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    if found:
        return found
    # The account, not an environment variable; those only where it has no passwd entry (some
    # containers).
    name = user(from_environment=False) or user() or "unknown"
    return f"{name}@{socket.gethostname()}"


def machine() -> tuple[str, str]:
    """``(host, platform)``, from ``os.uname`` where it exists (importing platform costs more)."""
    if hasattr(os, "uname"):
        name = os.uname()
        return name.nodename, f"{name.sysname}-{name.release}-{name.machine}"
    import platform

    return platform.node(), f"{platform.system()}-{platform.release()}-{platform.machine()}"


def relative_path(path: Path, root: Path) -> str:
    """``path`` relative to the project at ``root`` when inside it (POSIX form), else absolute."""
    absolute = path.resolve()
    base = root.resolve()
    if absolute.is_relative_to(base):
        return absolute.relative_to(base).as_posix()
    return str(absolute)


LOCK_FILE = "uv.lock"
KEY_PACKAGES = (
    "leanops-runtime",
    "numpy",
    "pandas",
    "scikit-learn",
    "scipy",
    "pandera",
    "pyarrow",
    "skops",
)


def lock_sha256(root: Path | str = ".") -> str | None:
    """SHA-256 of ``uv.lock`` at ``root``, or None when the project is not locked yet."""
    from ..files import sha256_of

    path = Path(root) / LOCK_FILE
    return sha256_of(path) if path.is_file() else None


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str]:
    """Installed versions of the given distributions ('missing' when not installed)."""
    from importlib import metadata

    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def environment_report(root: Path | str = ".") -> dict[str, object]:
    """Everything ``info`` prints, as data."""
    import platform
    import sys

    from .. import package

    return {
        "package": package(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executable": sys.executable,
        "lock_sha256": lock_sha256(root) or "not locked (run: uv lock)",
        # The release the project and its pinned runtime come from, as Copier recorded it.
        "template": template_commit(root) or f"unknown (no {ANSWERS_FILE})",
        "packages": package_versions(),
    }
