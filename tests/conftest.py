"""Fixtures that render the template from this working tree into temporary folders."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# The post-copy hook would run `uv lock` (network, seconds): the slow tests do it for real.
# Set before Copier is imported: its task runner snapshots the environment at import time.
os.environ["LEANOPS_SKIP_LOCK"] = "1"

import copier
from plumbum import local

# pytest's `filterwarnings` setting imports copier before this file runs, so Copier's task runner
# (plumbum) may already hold its environment snapshot: set the variable there too.
local.env["LEANOPS_SKIP_LOCK"] = "1"

REPO = Path(__file__).resolve().parent.parent
# How long a nested command (a generated project's own suite, an install, the demo, a server or
# a browser starting) may run before its test gives up. Generous: a busy machine is many times
# slower than an idle one, and a test must not fail for being slow. LEANOPS_NESTED_TIMEOUT
# (seconds) overrides it; every nested command of the suite takes its bound from here.
NESTED_TIMEOUT = float(os.environ.get("LEANOPS_NESTED_TIMEOUT", "3600"))
BIN = Path(sys.executable).parent

Render = Callable[..., Path]


def wait_for_system_packages() -> None:
    """Return once Debian's packages the tests need are installed: at once, unless ``.ci/run``
    is installing them in the background, holding the file ``LEANOPS_PACKAGES_LOCK`` names
    locked until apt ends (the tests that need none start meanwhile)."""
    path = os.environ.get("LEANOPS_PACKAGES_LOCK")
    if path and Path(path).is_file():  # gone: the install it guarded is over
        with Path(path).open("rb") as held:
            fcntl.flock(held, fcntl.LOCK_SH)


@pytest.fixture(scope="session")
def system_packages() -> None:
    """Debian's chromium, PostgreSQL and ssh-keygen, for the tests that run them."""
    wait_for_system_packages()


def render_template(destination: Path, **answers: object) -> Path:
    """Render this working tree (uncommitted changes included) with defaults plus ``answers``."""
    copier.run_copy(
        str(REPO),
        destination,
        data=answers,
        defaults=True,
        unsafe=True,
        vcs_ref="HEAD",
        quiet=True,
    )
    return destination


@pytest.fixture
def render(tmp_path: Path) -> Render:
    """``render(**answers)`` -> a freshly generated project folder."""
    counter = iter(range(1000))

    def _render(**answers: object) -> Path:
        return render_template(tmp_path / f"project{next(counter)}", **answers)

    return _render


def run_in(
    project: Path, *args: str, timeout: float = NESTED_TIMEOUT, env: dict | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command inside a generated project with this environment's tools first on PATH."""
    full_env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    full_env.pop("VIRTUAL_ENV", None)
    full_env.update(env or {})
    return subprocess.run(
        list(args),
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        check=False,
    )


# The generated project's commands, run one after the other in one interpreter (the CLI and
# scikit-learn are imported once, not once per command): one JSON line per command.
CLI_DRIVER = """
import contextlib, io, json, sys
from leanops_runtime.cli import main

for args in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as stop:  # as the interpreter would exit: None is 0, text is 1
            code = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
            if not isinstance(stop.code, int | None):
                print(stop.code, file=sys.stderr)
    print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue()}), flush=True)
"""


def run_cli(project: Path, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Each of ``commands`` (the project's CLI arguments) run in ``project``, in one child
    interpreter, as if each were ``python -m <package> ...``; one result each, in order."""
    code = [sys.executable, "-c", CLI_DRIVER, json.dumps(commands)]
    done = run_in(project, *code, env={"PYTHONPATH": "src"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(answers) == len(commands), done.stdout[-3000:] + done.stderr[-3000:]
    return [
        subprocess.CompletedProcess(args, answer["code"], answer["out"], answer["err"])
        for args, answer in zip(commands, answers, strict=True)
    ]


def run_project_tests(project: Path, *pytest_args: str) -> subprocess.CompletedProcess[str]:
    """The generated project's own test suite, in this environment (no install per render)."""
    return run_in(
        project, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args
    )


# Seconds of CPU the longest tests take (measured on an idle machine); they start first, longest
# first, so that none of them is left running alone on one xdist worker at the end. Others keep
# their collection order.
LONGEST = {
    "test_team_mode_on_a_real_server": 85,
    "test_the_readme_install_commands_in_an_isolated_environment": 40,
    "test_the_update_keeps_every_local_edit_and_the_project_passes_and_runs": 20,
    "test_the_readme_walkthrough_runs_as_written": 20,
    "test_pre_commit_passes_on_a_fresh_project": 15,
    "test_a_working_project_page_shows_model_runs_drift_contract_and_audit": 15,
    "test_the_quick_start_demo_runs": 12,
    "test_the_bring_your_own_data_section_runs_as_written": 7,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest tests first (see ``LONGEST``), then the rest in their order."""
    items.sort(key=lambda item: -LONGEST.get(item.name.split("[")[0], 0))
