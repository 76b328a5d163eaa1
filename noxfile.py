"""Routine tasks of the leanops repository: ``nox -s tests``, ``lint``, ``demo``, ``bench``.

Every session installs the environment pinned in uv.lock (``uv sync --locked``), so a task gives
the same result on a laptop and in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO

import nox

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "tests"]
nox.needs_version = ">=2025.2.9"

ROOT = Path(__file__).parent
PYTHON_SOURCES = ["generator", "hooks", "tests", "benchmarks", "noxfile.py"]
# Runtime test modules whose code paths never read the task (tracking store, registry crash
# safety, alerts, output guards, drift on its own tables, bring-your-own-data tables that name
# their task, metrics of both tasks): run once, not per task.
TASK_FREE = (
    "alerts",
    "byod",  # its tables name their own task
    "data",
    "data_versions",  # keeping and restoring a table: no step reads the task
    "drift",
    "drift_simulation",
    "gate",
    "infer",
    "logs",  # the format of every command's log lines, whatever the task
    "metrics",  # both tasks in each test
    "moved",  # template 0.3.0's import paths: no step reads the task
    "outputs",
    "registry",  # it records the task's name, and reads nothing by it
    "registry_reliability",
    "retention",
    "runs_cli",
    "signing",
    "stages",
    "tracking",
    "tracking_mlflow",
    "tracking_reliability",
)


def sync(session: nox.Session, *groups: str) -> None:
    """Install this repository and the given dependency groups from uv.lock into the session.

    Nothing is byte-compiled at install: each module is compiled on its first import and its
    bytecode kept, even where PYTHONDONTWRITEBYTECODE is set (as on some CI machines, where each
    process would otherwise recompile its imports). The sessions import a fraction of their
    environment: compiling all of it at install took 29 s of CPU (15 s of wall time on 2 cores)
    before the first test could start.
    """
    session.env["PYTHONDONTWRITEBYTECODE"] = ""  # empty: Python writes bytecode
    session.run_install(
        "uv",
        "sync",
        "--locked",
        "--no-default-groups",
        *(f"--group={group}" for group in groups),
        f"--python={session.virtualenv.location}",
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location, "UV_COMPILE_BYTECODE": "0"},
        external=True,
    )


def render_defaults(session: nox.Session, destination: Path) -> Path:
    """Render a project with default answers from this working tree (uncommitted changes too)."""
    session.run(
        "copier",
        "copy",
        "--defaults",
        "--trust",
        "--vcs-ref=HEAD",
        "--quiet",
        str(ROOT),
        str(destination),
        env={"LEANOPS_SKIP_LOCK": "1"},
    )
    return destination


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite, slow end-to-end tests included (``-m 'not slow'`` to skip them):
    the template's and the CLI's tests, and beside them the runtime library's on each task.

    The runtime's suites (their pytest settings are in runtime/pyproject.toml) run while the
    repository's runs: its end-to-end tests spend much of their time waiting on installs,
    servers and git, and the runtime's fill those gaps. Each suite's output is printed when it
    ends; the session fails if any suite does.
    """
    sync(session, "dev", "bench")
    # One thread per process for OpenMP and BLAS (scikit-learn's boosting, numpy): the suites
    # already run as parallel processes, and each fit spreading over every core as well made
    # them wait on each other (the runtime's classification suite took 215 s on 2 cores, 127 s
    # with this). The projects' own commands keep their libraries' defaults.
    session.env["OMP_NUM_THREADS"] = "1"
    session.env["OPENBLAS_NUM_THREADS"] = "1"
    workers = "auto" if (os.cpu_count() or 1) > 1 else "0"
    runtime = [
        start_runtime_suite(session, task, skipped, workers if whole else "0")
        for task, skipped, whole in RUNTIME_SUITES
    ]
    failed = []
    try:
        # worksteal: a worker left without tests takes queued ones from the other (durations
        # vary from milliseconds to the two-minute end-to-end tests).
        session.run("pytest", "-n", workers, "--dist", "worksteal", *session.posargs)
    except nox.command.CommandFailed:
        failed.append("tests/")
    for task, process, output in runtime:
        code = process.wait()
        output.seek(0)
        session.log(f"runtime/tests on {task} (exit {code}):")
        print(output.read().decode("utf-8", "replace"), end="", flush=True)
        output.close()
        if code != 0:
            failed.append(f"runtime/tests on {task}")
    if failed:
        session.error(f"failed: {', '.join(failed)}")


# The runtime's suite per task: whole on classification; on regression, the modules whose code
# reads the task. The whole suite has workers of its own (worksteal), so that its last tests are
# not left on one core with the other idle (that tail was 12 to 48 s of a CI run).
RUNTIME_SUITES = (("classification", (), True), ("regression", TASK_FREE, False))


def start_runtime_suite(
    session: nox.Session, task: str, skipped: tuple[str, ...], workers: str
) -> tuple[str, subprocess.Popen[bytes], IO[bytes]]:
    """Start ``pytest runtime/tests`` on ``task``'s reference configuration, in the background,
    on ``workers`` xdist workers ("0": in its own process), its output into a temporary file:
    (task, process, output)."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by tests() when the suite ends)
    ignored = [f"--ignore=runtime/tests/test_{name}.py" for name in skipped]
    env = {**os.environ, **{k: v for k, v in session.env.items() if v is not None}}
    env |= {"LEANOPS_TEST_TASK": task, "PATH": f"{session.bin}{os.pathsep}{env.get('PATH', '')}"}
    process = subprocess.Popen(
        [
            str(Path(session.bin) / "pytest"),
            "runtime/tests",
            *("-n", workers, "--dist", "worksteal"),
            *ignored,
            *session.posargs,
        ],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    return task, process, output


@nox.session
def lint(session: nox.Session) -> None:
    """ruff and mypy on this repository and the runtime library; the same on the Python of a
    freshly rendered project."""
    sync(session, "dev")
    session.run("ruff", "check", *PYTHON_SOURCES)
    session.run("ruff", "format", "--check", *PYTHON_SOURCES)
    session.run("mypy")  # generator/, strict (configured in pyproject.toml)
    # The runtime library, with its own settings (runtime/pyproject.toml): the project's rules.
    session.chdir(ROOT / "runtime")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.chdir(ROOT)
    with tempfile.TemporaryDirectory() as scratch:
        project = render_defaults(session, Path(scratch) / "ml-project")
        session.chdir(project)
        session.run("ruff", "check", ".")
        session.run("ruff", "format", "--check", ".")
        session.run("mypy")
        session.chdir(ROOT)


# The demo's steps: the project's CLI commands, each shown as a newcomer types it, and one
# batch to score (the embedded table without its target, written to data/raw/batch.csv).
DEMO: list[list[str]] = [
    ["info"],
    ["contract", "check"],
    ["pipeline"],  # ends with the model registered as candidate
    ["runs", "list"],
    ["promote"],  # the gate: thresholds, then no regression
    ["#batch", "data/raw/batch.csv"],
    ["predict", "data/raw/batch.csv"],
    ["drift", "data/raw/batch.csv"],
    ["pipeline"],  # nothing changed: both stages skip, v1 reused
    ["pipeline", "--force"],  # every stage again: a second candidate
    ["promote"],  # ...promoted: identical metrics pass the gate
    ["rollback", "--reason", "demo: the recovery path"],
    ["models"],
]
# Runs DEMO in one interpreter, in the project: pandas, scikit-learn and the CLI are imported
# once, not once per command (1.5 s of CPU each, half of the demo's time). Stops at the first
# command that fails, with its exit code.
DEMO_STEPS = """
import shlex, sys
from leanops_runtime.cli import main

for step in STEPS:
    if step[0] == "#batch":
        from leanops_runtime.data import load_embedded

        load_embedded("breast_cancer").drop(columns="target").to_csv(step[1], index=False)
        print(f"# a batch to score: {step[1]} (the embedded table without its target)", flush=True)
        continue
    print(f"\\n$ ml-project {shlex.join(step)}", flush=True)
    code = main(step)
    if code:
        sys.exit(code)
"""


@nox.session
def demo(session: nox.Session) -> None:
    """Render a project with defaults (into the folder given, or a temporary one) and run it all.

    Shows the whole flow a newcomer gets: the ML pipeline end to end as a tracked run, the
    promotion gate, batch prediction, a drift check and a rollback. (Its lint and tests are
    what ``nox -s lint`` and ``nox -s tests`` prove.)
    """
    sync(session, "dev")
    if session.posargs:
        target = Path(session.posargs[0]).resolve()
        if target.exists():
            session.error(f"{target} exists; give a new folder")
        scratch = None
    else:
        scratch = tempfile.mkdtemp(prefix="leanops-demo-")
        target = Path(scratch) / "ml-project"
    project = render_defaults(session, target)
    session.chdir(project)
    session.log(f"Rendered {project}")
    with tempfile.TemporaryDirectory() as folder:
        driver = Path(folder) / "demo_steps.py"
        driver.write_text(f"STEPS = {json.dumps(DEMO)}\n{DEMO_STEPS}", encoding="utf-8")
        session.run("python", str(driver), env={"PYTHONPATH": str(project / "src")})
    session.chdir(ROOT)
    if scratch:
        shutil.rmtree(scratch)
        session.log(
            f"Demo done. The project was rendered into a temporary folder, now removed: paths "
            f"above under {scratch} are gone. Keep one with `uvx nox -s demo -- ./my-project`, or "
            "start yours with `leanops new my-project` (or `copier copy --trust "
            f"{ROOT} my-project`)."
        )
    else:
        session.log(
            f"Demo done: the project is {project}. Next: cd there, `uv sync`, then "
            "`uv run ml-project --help`; its docs/guide.md walks through bringing your own data."
        )


@nox.session
def bench(session: nox.Session) -> None:
    """Every benchmark in benchmarks/ (ours against the real alternative, in the same run)."""
    sync(session, "dev", "bench")
    scripts = sorted((ROOT / "benchmarks").glob("bench_*.py"))
    chosen = [s for s in scripts if not session.posargs or s.stem in session.posargs]
    for script in chosen:
        session.run("python", str(script))
