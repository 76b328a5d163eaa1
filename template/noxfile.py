"""Routine tasks: ``nox -s lint``, ``tests``, ``smoke``, ``pipeline`` and ``lock``.

Each runs in the environment uv.lock pins."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "tests"]
nox.options.error_on_external_run = True
# A session's environment is synced from uv.lock at every run, so keeping it between runs only
# saves the rebuild (and its modules' bytecode, written on first import): `nox -s tests` starts
# in seconds.
nox.options.reuse_venv = "yes"

ROOT = Path(__file__).parent
PACKAGE = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["leanops"][
    "package"
]


def install_project(session: nox.Session) -> None:
    """Install the project and its dev tools into the session, from uv.lock when there is one."""
    # Each module is compiled on its first import and its bytecode kept, even where
    # PYTHONDONTWRITEBYTECODE is set (as on some CI machines): a session imports a fraction of
    # its environment, and compiling all of it at install cost more than the tests themselves.
    session.env["PYTHONDONTWRITEBYTECODE"] = ""  # empty: Python writes bytecode
    if shutil.which("uv") and (ROOT / "uv.lock").is_file():
        session.run_install(
            "uv",
            "sync",
            "--locked",
            f"--python={session.virtualenv.location}",
            env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
        )
    else:  # pip: a runtime pinned to a commit first (no index holds it), then us
        pinned = runtime_requirement()
        if pinned:
            session.install(pinned)
        session.install("--group", "dev", "-e", ".")


def runtime_requirement() -> str | None:
    """The leanops runtime pinned to a commit, as pip spells it (``leanops-runtime @
    git+URL@REV#subdirectory=...``); None once pyproject.toml pins a published version instead
    (the index then has it)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    source = pyproject.get("tool", {}).get("uv", {}).get("sources", {}).get("leanops-runtime")
    if not source or "git" not in source:  # a version from an index (or a named index) instead
        return None
    url = f"git+{source['git']}@{source['rev']}#subdirectory={source['subdirectory']}"
    return f"leanops-runtime @ {url}"


@nox.session
def lint(session: nox.Session) -> None:
    """Lint, format-check and type-check the code, and run every pre-commit hook."""
    install_project(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    if (ROOT / ".git").exists():
        session.run("pre-commit", "run", "--all-files", "--show-diff-on-failure")


# requirements.lock: the runtime pins of uv.lock with hashes, for `pip install --require-hashes`.
# The same arguments as the post-copy hook and the pre-commit hook: uv writes them in the header.
EXPORT = (
    "uv",
    "export",
    "--format=requirements-txt",
    "--no-dev",
    "--no-emit-project",
    "--no-emit-package=leanops-runtime",
    "--locked",
    "--offline",
    "--quiet",
    "--output-file=requirements.lock",
)


@nox.session(venv_backend="none")
def lock(session: nox.Session) -> None:
    """Refresh uv.lock (``nox -s lock -- --upgrade`` upgrades every pin) and requirements.lock."""
    session.run("uv", "lock", *session.posargs, external=True)
    session.run(*EXPORT, external=True)


@nox.session
def pipeline(session: nox.Session) -> None:
    """Run the whole pipeline on the embedded or data/raw data; ends with a registered candidate."""
    install_project(session)
    session.run("python", "-m", PACKAGE, "pipeline")


@nox.session
def smoke(session: nox.Session) -> None:
    """The whole flow (pipeline, promote, predict, drift, report) on the embedded dataset, in a
    scratch folder: the pinned runtime works end to end whatever data the project uses. (Your
    own data is not in git: check it where it lives with ``contract check``.)"""
    install_project(session)
    session.run("pytest", "-q", "tests/test_smoke.py", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (extra arguments go to pytest: ``-n auto`` spreads it over every core).

    One process by default: the suite is the team's own (the library's tests run where it is
    made), and each extra worker imports pandas and scikit-learn again, which costs a small suite
    more than it saves (7.1 s against 7.4-9.7 s on 2 cores, with 40% less CPU)."""
    install_project(session)
    session.run("pytest", *session.posargs)
