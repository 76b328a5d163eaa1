"""Team mode against a real MLflow server: two teammates, two clones, one run history and registry.

One PostgreSQL server (Debian's, a temporary cluster) and one ``mlflow server`` on it, started
by the generated README's command (basic-auth app, the project's own ``team/basic_auth.ini``)
on 127.0.0.1 for the module: free ports, a temporary artifact folder. Two clones of
one generated project (``tracking_backend: mlflow``) are two teammates, each with credentials in
their own ``.env``. Alice trains and promotes; Bob sees her run and the production model, predicts
with it, trains, promotes and rolls back; the audit log names both. Then both promote at the same
moment, many times: exactly one wins each time and the other is told who moved production.

Each teammate's commands run through the project's CLI (``cli.main``) in a shell of theirs kept
open for the test (``SESSION``), so the suite pays MLflow's import once per teammate, not once per
command; each command starts from the shell's first environment, as a new process would, and
reads the clone's ``.env`` again. The racing teammates run in processes of their own. Skipped
only where MLflow (with its auth extra) is not installed.
"""

from __future__ import annotations

import csv
import importlib.util
import itertools
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BIN, CLI_DRIVER, NESTED_TIMEOUT, render_template, run_in
from readme import commands, project_docs, split_command

# Looked up, not imported: the server and the teammates' shells import MLflow in processes of
# their own, and importing it here would cost each xdist worker a second at collection.
if importlib.util.find_spec("mlflow") is None:
    pytest.skip("MLflow is not installed", allow_module_level=True)
if importlib.util.find_spec("flask_wtf") is None:
    pytest.skip("the MLflow basic-auth app needs mlflow[auth]", allow_module_level=True)

# PostgreSQL and ssh-keygen: Debian's, which .ci/run may still be installing.
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("system_packages")]

ADMIN_PASSWORD = "admin-password-for-tests"  # noqa: S105 (a throwaway server on 127.0.0.1)
USERS = {"alice": "alice-password-1234", "bob": "bob-password-1234"}

# A teammate's shell, kept open for the whole test: one JSON line in per step (a CLI command's
# arguments, or a script of the teammate's own run as ``python -c``), one JSON line out. Each
# step would otherwise start an interpreter importing MLflow and scikit-learn (seconds of CPU).
SESSION = """
import contextlib, io, json, os, sys, traceback
from leanops_runtime.cli import main
from leanops_runtime.tracking import mlflow_client

first = dict(os.environ)
for line in sys.stdin:
    step = json.loads(line)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            if "script" in step:
                try:
                    exec(compile(step["script"], "<script>", "exec"), {"__name__": "__main__"})
                    code = 0
                except BaseException:
                    traceback.print_exc()
                    code = 1
            else:
                code = main(step["args"])
        finally:
            # What a step leaves in the process goes with it (the credentials handed to MLflow
            # through the environment, its client): the next step reads .env as a new one would.
            os.environ.clear()
            os.environ.update(first)
            mlflow_client._clients.clear()
    answer = {"code": code, "out": out.getvalue(), "err": err.getvalue()}
    print(json.dumps(answer), file=sys.__stdout__, flush=True)
"""

# A teammate with write access to the server, not using leanops: the next record of the log, in
# alice's name, promoting the version production is not, unsigned; prints its number.
FORGE = """
import socket
from leanops_runtime.registry import open_registry
from leanops_runtime.registry.records import stamp
from leanops_runtime.settings import load_settings

registry = open_registry(load_settings("."), ".")
state = registry.state()
other = max(v for v in state.versions if v != state.production)
record = {"action": "promote", "alias": "production", "from": state.production, "to": other,
          "reason": "looks fine", "forced": False}
record = stamp(record, state, time="2026-12-03T10:00:00+00:00", who=f"alice@{socket.gethostname()}")
registry.append(record)
print(record["seq"])
"""

# A teammate deletes the production version with MLflow's own client, outside leanops.
DELETE_PRODUCTION = """
from leanops_runtime.registry import open_registry
from leanops_runtime.settings import load_settings

registry = open_registry(load_settings("."), ".")
production = registry.state().production
registry.client.delete_model_version(registry.model_name, str(production))
print(production)
"""

# One side of a promotion race: read production, wait at the barrier, then compare-and-set.
RACE = """
import pathlib, sys, time
from leanops_runtime.registry import RegistryError, open_registry
from leanops_runtime.settings import load_settings

folder, me, rounds = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
registry = open_registry(load_settings("."), ".")
for r in range(rounds):
    state = registry.state()
    others = sorted(v for v in state.versions if v != state.production)
    target = others[0] if me == "alice" else others[1]
    (folder / f"ready-{r}-{me}").touch()
    while not (folder / f"go-{r}").exists():
        time.sleep(0.001)
    try:
        registry.set_production(target, expect=state.production, reason=f"race {r}")
        print(f"{r} won v{target}", flush=True)
    except RegistryError as error:
        print(f"{r} lost {error}", flush=True)
    (folder / f"done-{r}-{me}").touch()
"""

# Eight teammates' runs, written at the same moment (after the barrier file): one process each,
# forked from this one once it has imported leanops and MLflow (each would spend seconds on
# that alone), each with its own credentials. Prints "<name> <run id>" per writer.
WRITE = """
import json, os, pathlib, sys, time
from leanops_runtime.settings import load_settings
from leanops_runtime.tracking import start_run
import mlflow.tracking  # noqa: F401 (imported once, before the writers are forked)

go, writers = pathlib.Path(sys.argv[1]), json.loads(sys.argv[2])
children = {}
for name, password in writers.items():
    pid = os.fork()
    if pid == 0:
        os.environ |= {"MLFLOW_TRACKING_USERNAME": name, "MLFLOW_TRACKING_PASSWORD": password}
        settings = load_settings(".")
        while not go.exists():
            time.sleep(0.005)
        with start_run("load", params={"writer": name}, settings=settings, root=".") as run:
            for step in range(20):
                run.log_metric("loss", 1.0 / (step + 1), step=step)
        os.write(1, f"{name} {run.id}\\n".encode())  # one write: lines never interleave
        os._exit(0)
    children[pid] = name
print("ready", flush=True)  # every writer is forked: the test may touch the barrier
failed = [children[pid] for pid in children if os.waitpid(pid, 0)[1] != 0]
sys.exit(f"writers failed: {failed}" if failed else 0)
"""
WRITERS = 8


@dataclass
class Server:
    url: str
    folder: Path


@dataclass
class Result:
    code: int
    out: str
    err: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def request(url: str, data: dict[str, str] | None = None, auth: str | None = None) -> int:
    """A small HTTP call to the server (basic auth as ``user:password``); its status."""
    import base64

    body = json.dumps(data).encode() if data is not None else None
    call = urllib.request.Request(url, data=body, method="POST" if body else "GET")  # noqa: S310
    call.add_header("Content-Type", "application/json")
    if auth:
        call.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(call, timeout=10) as answer:  # noqa: S310 (127.0.0.1)
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated team project (tracking_backend: mlflow), committed, to clone; alice's and
    bob's keys listed in its allowed_signers, as the README has each teammate do."""
    project = render_template(
        tmp_path_factory.mktemp("team") / "project", tracking_backend="mlflow"
    )
    keys = project.parent / "keys"
    keys.mkdir()
    lines = []
    for name in USERS:
        key = keys / name
        made = run_in(
            keys, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)
        )
        assert made.returncode == 0, made.stderr
        lines.append(f"{name}@* {' '.join(key.with_suffix('.pub').read_text().split()[:2])}\n")
    with (project / "allowed_signers").open("a", encoding="utf-8") as signers:
        signers.writelines(lines)
    for step in (["add", "allowed_signers"], ["commit", "-qm", "Our keys"]):
        done = run_in(project, "git", *step)
        assert done.returncode == 0, done.stderr
    return project


def postgres_bin() -> Path | None:
    """The folder of Debian's PostgreSQL server programs (``initdb``, ``pg_ctl``), if any."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A PostgreSQL server of its own on a free port of 127.0.0.1 with a database ``mlflow``
    owned by the role ``mlflow``, as the README's two commands make it; its URL for MLflow.
    PostgreSQL refuses to run as root: then it runs as the ``postgres`` user Debian creates."""
    bin_dir = postgres_bin()
    assert bin_dir is not None, "PostgreSQL is not installed (Debian: apt install postgresql)"
    # Its own folder right under the temporary root: pytest's folders are closed to other users.
    folder = Path(tempfile.mkdtemp(prefix="leanops-postgres-"))
    as_owner: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", free_port()
    for command in (
        [str(bin_dir / "initdb"), "-D", str(data), "-U", "mlflow", "--auth=trust", "--no-sync"],
        [
            str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w",
            "-o", f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={folder}",
            "start",
        ],
        [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "mlflow", "mlflow"],
    ):  # fmt: skip
        done = subprocess.run([*as_owner, *command], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    try:
        yield f"postgresql+psycopg://mlflow@127.0.0.1:{port}/mlflow"
    finally:
        stop = [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
        subprocess.run([*as_owner, *stop], capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def readme_server_command(
    project: Path, port: int, database: str
) -> tuple[dict[str, str], list[str]]:
    """The generated README's one command that starts the team's server, with five stand-ins:
    this environment's mlflow (and its psycopg) for ``uvx --from 'mlflow[auth]>=3' --with
    'psycopg[binary]>=3.2' mlflow`` (no download), the loopback address and a free port for
    ``--host 0.0.0.0 --port 5000``, the test's database for the README's, a fixed admin password
    for ``$ADMIN_PASSWORD``, and one worker."""
    readme = project_docs(project)
    (line,) = [c.text for c in commands(readme) if " mlflow server " in c.text]
    env, argv = split_command(line)
    assert argv[:6] == [
        "uvx", "--from", "mlflow[auth]>=3", "--with", "psycopg[binary]>=3.2", "mlflow"
    ], argv  # fmt: skip
    argv = [str(BIN / "mlflow"), *argv[6:]]
    store = argv[argv.index("--backend-store-uri") + 1]
    assert store == "postgresql+psycopg://mlflow:$DB_PASSWORD@localhost/mlflow", store
    argv[argv.index("--backend-store-uri") + 1] = database
    hosts = argv[argv.index("--allowed-hosts") + 1]
    assert hosts == "$SERVER_NAME:*,localhost:*,127.0.0.1:*", hosts
    # The machine's name is 127.0.0.1 here; localhost is left out, so a teammate who writes
    # localhost is refused by the server as one with an unknown name would be.
    for flag, value in (
        ("--host", "127.0.0.1"),
        ("--port", str(port)),
        ("--allowed-hosts", "127.0.0.1:*"),
    ):
        argv[argv.index(flag) + 1] = value
    assert env.pop("MLFLOW_AUTH_ADMIN_PASSWORD") == "$ADMIN_PASSWORD"
    assert env.pop("MLFLOW_FLASK_SERVER_SECRET_KEY") == "$(openssl rand -hex 16)"
    assert env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] == "false"  # no GenAI job runners
    env |= {
        "MLFLOW_AUTH_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "MLFLOW_FLASK_SERVER_SECRET_KEY": "tests-only-secret",
        "MLFLOW_DISABLE_TELEMETRY": "true",
    }
    return env, [*argv, "--workers", "1"]


@pytest.fixture(scope="module")
def server(
    project: Path, postgres: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """``mlflow server`` as the generated README starts it, on PostgreSQL, on a free port of
    127.0.0.1, from a folder holding the project's ``team/`` (the README runs it where its model
    files will live)."""
    folder = tmp_path_factory.mktemp("mlflow-server")
    shutil.copytree(project / "team", folder / "team")
    port = free_port()
    extra, command = readme_server_command(project, port, postgres)
    env = {**os.environ, **extra}
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + NESTED_TIMEOUT
        while request(f"{url}/health") != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("mlflow server did not start:\n" + (folder / "server.log").read_text())
            time.sleep(0.5)
        for user, password in USERS.items():
            status = request(
                f"{url}/api/2.0/mlflow/users/create",
                {"username": user, "password": password},
                auth=f"admin:{ADMIN_PASSWORD}",
            )
            assert status == 200, status
        yield Server(url, folder)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)  # uvicorn's graceful stop can take long; the data is scratch
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def teammate(project: Path, server: Server, name: str, password: str | None = None) -> Path:
    """A clone of the project with ``name``'s credentials in its .env (never in params.yaml)."""
    clone = project.parent / name
    if not clone.exists():
        result = run_in(project.parent, "git", "clone", "-q", str(project), str(clone))
        assert result.returncode == 0, result.stderr
    key = project.parent / "keys" / name
    (clone / ".env").write_text(
        f"MLFLOW_TRACKING_URI={server.url}\n"
        f"MLFLOW_TRACKING_USERNAME={name}\n"
        f"MLFLOW_TRACKING_PASSWORD={password or USERS.get(name, 'x')}\n"
        + (f"ML_PROJECT_SIGNING_KEY={key}\n" if key.is_file() else "")
    )
    return clone


_sessions: dict[Path, subprocess.Popen[str]] = {}


def session(clone: Path) -> subprocess.Popen[str]:
    """The teammate's shell in ``clone`` (``SESSION``), started at its first step (never again:
    a shell that ended is a failure of the step that finds it so)."""
    if clone not in _sessions:
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **teammate_env()}
        env.pop("VIRTUAL_ENV", None)
        with shell_log(clone).open("w") as log:  # the shell keeps its own descriptor
            _sessions[clone] = subprocess.Popen(
                [sys.executable, "-c", SESSION],
                cwd=clone,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
    return _sessions[clone]


def shell_log(clone: Path) -> Path:
    """Where the teammate's shell writes what escapes its steps (a crash of the shell itself)."""
    return clone.parent / f"{clone.name}-shell.log"


def close_sessions() -> dict[str, int]:
    """End every teammate's shell; the exit code of each (killed after 30 s: negative)."""
    codes = {}
    for clone, process in _sessions.items():
        if process.stdin is not None:
            process.stdin.close()
        try:
            codes[clone.name] = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            codes[clone.name] = process.wait()
    _sessions.clear()
    return codes


def step(clone: Path, request: dict[str, object]) -> Result:
    """One step in the teammate's shell; its exit code and output."""
    process = session(clone)
    assert process.stdin is not None and process.stdout is not None
    assert process.poll() is None, f"the shell in {clone.name} ended:\n" + shell_log(
        clone
    ).read_text(encoding="utf-8")
    process.stdin.write(json.dumps(request) + "\n")
    process.stdin.flush()
    while True:  # the step's answer: its first line that is JSON (anything else went astray)
        ready, _, _ = select.select([process.stdout], [], [], NESTED_TIMEOUT)
        line = process.stdout.readline() if ready else ""
        if not line or line.startswith("{"):
            break
    assert line, f"the shell in {clone.name} died or hung at {request}:\n" + shell_log(
        clone
    ).read_text(encoding="utf-8")
    answer = json.loads(line)
    return Result(answer["code"], answer["out"], answer["err"])


def cli(clone: Path, *commands: list[str]) -> list[Result]:
    """Run CLI commands in ``clone``, in its teammate's shell; their exit codes and output."""
    return [step(clone, {"args": args}) for args in commands]


def script(clone: Path, code: str) -> Result:
    """A teammate's own Python code (not leanops' CLI), run in ``clone``'s shell."""
    return step(clone, {"script": code})


def ok(result: Result) -> str:
    assert result.code == 0, result.out + result.err
    return result.out + result.err


BATCH = """
from ml_project.datasets import TARGET
from leanops_runtime.data import load_embedded
load_embedded('breast_cancer').drop(columns=[TARGET]).to_csv('batch.csv', index=False)
"""


def test_team_mode_on_a_real_server(project: Path, server: Server) -> None:
    """One test, so that pytest-xdist never starts a second server for this module."""
    try:
        two_teammates_share_one_history_one_registry_and_one_audit(project, server)
        wrong_credentials_are_one_line(project, server)
        an_unknown_host_name_is_named_as_such(project, server)
        concurrent_promotions_one_wins_the_other_is_told(project, server)
        eight_teammates_write_runs_at_once_and_nothing_is_lost(project, server)
        a_version_deleted_on_the_server_blocks_nothing(project, server)
        a_log_deleted_by_an_admin_is_restored_by_an_admin(project, server)
    finally:
        exits = close_sessions()
    assert all(code == 0 for code in exits.values()), exits


def two_teammates_share_one_history_one_registry_and_one_audit(
    project: Path, server: Server
) -> None:
    alice = teammate(project, server, "alice")
    bob = teammate(project, server, "bob")
    assert "MLFLOW_TRACKING_PASSWORD" not in (alice / "params.yaml").read_text()

    pipeline, promote = cli(alice, ["pipeline"], ["promote"])
    ok(pipeline)
    assert "promoted: v1 is production (was none)" in ok(promote)

    ok(script(bob, BATCH))
    runs, models, predict, drift = cli(
        bob,
        ["runs", "list", "--name", "pipeline"],
        ["models"],
        ["predict", "batch.csv"],
        ["drift", "batch.csv"],
    )
    (alice_run,) = [line.split()[0] for line in ok(runs).splitlines()[2:]]
    assert "finished" in runs.out
    assert "production" in ok(models)
    assert "alice@" in models.out, "the version names the teammate who trained it"
    assert "predictions of model v1" in ok(predict)
    ok(drift)
    lines = (bob / "reports" / "predictions-batch.csv").read_text().splitlines()
    assert all(line.endswith(",v1") for line in lines[1:])

    steps = cli(
        bob,
        ["runs", "show", alice_run],
        ["pipeline"],
        ["evaluate"],
        ["promote", "--force", "--reason", "bob's model"],
        ["rollback", "--reason", "bob rolls back"],
        ["models", "--types"],
        ["runs", "export", "--format", "csv", "-o", "reports/runs.csv"],
        ["runs", "export", "--format", "csv", "-o", "trusted-types.txt"],
    )
    show, bob_pipeline, evaluate, bob_promote, rollback, types, export, refused = steps
    assert "user" in ok(show)
    assert "alice" in show.out
    ok(bob_pipeline)
    ok(evaluate)
    assert "v2 is production (was v1)" in ok(bob_promote)
    assert "v1 is production (was v2)" in ok(rollback)
    ok(types)
    ok(export)
    exported = csv.DictReader((bob / "reports" / "runs.csv").read_text().splitlines())
    assert [row["name"] for row in exported].count("pipeline") == 2
    assert refused.code == 2
    assert "refusing to write output" in refused.err

    (audit,) = cli(alice, ["models", "--audit", "--json"])
    records = [json.loads(line) for line in ok(audit).splitlines() if line.startswith("{")]
    actions = [(r["action"], r["who"].split("@")[0]) for r in records]
    assert actions == [
        ("register", "alice"),
        ("promote", "alice"),
        ("register", "bob"),
        ("promote", "bob"),
        ("rollback", "bob"),
    ], "the audit records the authenticated user of each change"
    assert records[-1]["reason"] == "bob rolls back"
    assert all("sig" in record for record in records), "every change is signed by its writer"

    # bob writes a promotion of v2 to the server's log in alice's name, past the gate and
    # leanops: his credentials let him write there, but no key of alice's signed it.
    forged = script(bob, FORGE)
    ok(forged)
    models, predict, audit = cli(
        bob, ["models"], ["predict", "batch.csv"], ["models", "--audit", "--json"]
    )
    assert re.search(r"(?m)^v1\s+production", ok(models)), "the forged promotion changed nothing"
    seq = int(forged.out.strip())
    assert f"record {seq} is not applied (it changes nothing; " in models.err
    assert "it is not signed" in models.err
    assert "is not applied" in ok(predict)
    (shown,) = [json.loads(line) for line in ok(audit).splitlines() if f'"seq": {seq},' in line]
    assert shown["not_applied"].startswith("it is not signed"), "the audit marks it"


def a_version_deleted_on_the_server_blocks_nothing(project: Path, server: Server) -> None:
    alice = teammate(project, server, "alice")
    ok(script(alice, BATCH))
    deleted = script(alice, DELETE_PRODUCTION)
    version = int(ok(deleted).strip())
    models, predict, pipeline, promote, served = cli(
        alice,
        ["models"],
        ["predict", "batch.csv"],
        ["pipeline", "--force"],
        ["promote"],
        ["predict", "batch.csv"],
    )
    assert re.search(rf"(?m)^v{version}\s+\S*production,withdrawn", ok(models))
    assert predict.code == 2
    assert "it is withdrawn and never served" in predict.err
    ok(pipeline)
    assert "is gated on the thresholds alone" in ok(promote)
    assert f"predictions of model v{version}" not in ok(served)


LEDGER = """
from leanops_runtime.registry import open_registry
from leanops_runtime.settings import load_settings

print(open_registry(load_settings("."), ".").ledger(create=False))
"""


def a_log_deleted_by_an_admin_is_restored_by_an_admin(project: Path, server: Server) -> None:
    """The admin deletes the registry's log run; a teammate's next change cannot restore it
    (EDIT does not restore runs) and says to ask an admin, not that the login is wrong."""
    bob = teammate(project, server, "bob")
    ledger = ok(script(bob, LEDGER)).strip()
    admin = f"admin:{ADMIN_PASSWORD}"
    assert request(f"{server.url}/api/2.0/mlflow/runs/delete", {"run_id": ledger}, admin) == 200
    (refused,) = cli(bob, ["rollback", "--reason", "the log is gone"])
    assert refused.code == 2, refused.out + refused.err
    assert f"run {ledger}, was deleted on the server, and only an admin may restore it" in (
        refused.err
    )
    assert "permission denied" not in refused.err
    assert request(f"{server.url}/api/2.0/mlflow/runs/restore", {"run_id": ledger}, admin) == 200
    ok(cli(bob, ["models"])[0])


def an_unknown_host_name_is_named_as_such(project: Path, server: Server) -> None:
    carol = teammate(project, server, "carol")
    env = (carol / ".env").read_text()
    (carol / ".env").write_text(env.replace("http://127.0.0.1:", "http://localhost:"))
    (models,) = cli(carol, ["models"])
    assert models.code == 2
    assert "refuses the host name in MLFLOW_TRACKING_URI" in models.err
    assert "--allowed-hosts" in models.err
    assert "MLFLOW_TRACKING_PASSWORD" not in models.err


def wrong_credentials_are_one_line(project: Path, server: Server) -> None:
    mallory = teammate(project, server, "mallory", password="guess")  # noqa: S106 (a wrong one, on purpose)
    (models,) = cli(mallory, ["models"])
    assert models.code == 2
    assert "not authenticated as mallory" in models.err
    assert models.err.count("\n") == 1


def teammate_env() -> dict[str, str]:
    """How ``cli`` runs a clone's code: its own .env decides, not this process's MLflow
    variables."""
    return {"PYTHONPATH": "src", **{key: "" for key in os.environ if key.startswith("MLFLOW_")}}


def concurrent_promotions_one_wins_the_other_is_told(project: Path, server: Server) -> None:
    alice = teammate(project, server, "alice")
    bob = teammate(project, server, "bob")
    (train,) = cli(alice, ["train"])  # a third version: each side wants another one
    ok(train)
    barrier = project.parent / "barrier"
    barrier.mkdir()
    rounds = 5
    full_env = {**os.environ, **teammate_env(), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    racers = {
        name: subprocess.Popen(
            [sys.executable, "-c", RACE, str(barrier), name, str(rounds)],
            cwd=clone,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, clone in (("alice", alice), ("bob", bob))
    }
    deadline = time.monotonic() + 300
    for r in range(rounds):
        for stage in ("ready", "done"):
            while not all((barrier / f"{stage}-{r}-{n}").exists() for n in racers):
                assert all(p.poll() in (None, 0) for p in racers.values()), [
                    p.communicate() for p in racers.values()
                ]
                assert time.monotonic() < deadline, "the race did not finish"
                time.sleep(0.002)
            if stage == "ready":
                (barrier / f"go-{r}").touch()
    outcomes: dict[int, list[str]] = {r: [] for r in range(rounds)}
    for process in racers.values():
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        for line in out.splitlines():
            number, _, outcome = line.partition(" ")
            outcomes[int(number)].append(outcome)
    for outcome in outcomes.values():
        won = [o for o in outcome if o.startswith("won")]
        lost = [o for o in outcome if o.startswith("lost")]
        assert (len(won), len(lost)) == (1, 1), outcome
        assert "production changed while the gate ran (now v" in lost[0], lost[0]
        assert ", by " in lost[0], "the loser is told who moved production"

    # Both at once through the CLI: the second is refused with a clear one-line message.
    results = {}
    commands = {
        name: subprocess.Popen(
            [sys.executable, "-c", CLI_DRIVER, json.dumps([["promote", "--version", "1"]])],
            cwd=clone,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, clone in (("alice", alice), ("bob", bob))
    }
    for name, process in commands.items():
        out, _ = process.communicate(timeout=NESTED_TIMEOUT)
        results[name] = json.loads(out.splitlines()[-1])
    codes = sorted(result["code"] for result in results.values())
    state = cli(alice, ["models", "--audit", "100", "--json"])[0]
    records = [json.loads(line) for line in ok(state).splitlines() if line.startswith("{")]
    if records[-1]["to"] == 1 and codes == [0, 2]:
        (loser,) = [r for r in results.values() if r["code"] == 2]
        assert "production changed while the gate ran" in loser["err"] or (
            "already the production version" in loser["err"]
        )
    else:  # production was v1 already after the race: both are told so
        assert codes == [2, 2], results
    # The moves of production: not refusals, nor bob's unsigned record, which moved nothing.
    moves = ("promote", "force-promote", "rollback")
    changes = [r for r in records if r["action"] in moves and "sig" in r]
    for before, after in itertools.pairwise(changes):
        assert after["from"] == before["to"], "one unbroken chain of production changes"


def eight_teammates_write_runs_at_once_and_nothing_is_lost(project: Path, server: Server) -> None:
    alice = teammate(project, server, "alice")
    go = project.parent / "go-writers"
    writers = {}
    for number in range(WRITERS):
        name, password = f"writer{number}", f"writer-password-{number}-1234"
        status = request(
            f"{server.url}/api/2.0/mlflow/users/create",
            {"username": name, "password": password},
            auth=f"admin:{ADMIN_PASSWORD}",
        )
        assert status == 200, status
        writers[name] = password
    env = {**os.environ, **teammate_env(), "MLFLOW_TRACKING_URI": server.url}
    process = subprocess.Popen(
        [sys.executable, "-c", WRITE, str(go), json.dumps(writers)],
        cwd=alice,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready", process.communicate()
    go.touch()
    out, err = process.communicate(timeout=NESTED_TIMEOUT)
    assert process.returncode == 0, err
    found = (re.fullmatch(r"(writer\d+) ([0-9a-f]{32})", line) for line in out.splitlines())
    ids = dict(match.groups() for match in found if match)
    assert sorted(ids) == sorted(writers), out + err
    (listing,) = cli(alice, ["runs", "export", "--format", "json"])
    ok(listing)
    runs = {run["id"]: run for run in json.loads(listing.out)}
    for name, run_id in ids.items():
        run = runs[run_id]
        assert run["status"] == "finished", run
        assert run["user"] == name, "each run names the teammate who wrote it"
        history = [point for point in run["metric_history"] if point["key"] == "loss"]
        assert sorted(point["step"] for point in history) == list(range(20)), name
