"""The tracking store under stress: many writers on a brand-new store, a run killed mid-write."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _package import NAME, TEAM_PATH, lib

tracking = lib("tracking")

WRITERS = 8
CALLS = 500

# A writer waits at a file barrier (every process started, interpreters warm), then opens the
# store for the first time and logs its metrics one call at a time.
WRITER = f"""
import sys, time
from pathlib import Path
import {NAME}  # binds the library to the team package
from leanops_runtime import tracking

folder = Path(sys.argv[1])
(folder / ("ready-" + sys.argv[2])).touch()
while not (folder / "go").exists():
    time.sleep(0.001)
with tracking.start_run("writer", params=dict(worker=sys.argv[2]), db=folder / "new.db") as run:
    for step in range({CALLS}):
        run.log_metric("value", step, step=step)
"""

# Logs forever, after telling the test that its run is open.
DOOMED = f"""
import sys, itertools
from pathlib import Path
import {NAME}  # binds the library to the team package
from leanops_runtime import tracking

folder = Path(sys.argv[1])
with tracking.start_run("doomed", db=folder / "kill.db") as run:
    for step in itertools.count():
        run.log_metric("value", step, step=step)
        if step == 100:  # written then renamed, so the test never reads a half-written id
            (folder / "running.tmp").write_text(run.id)
            (folder / "running.tmp").replace(folder / "running")
"""


def spawn(code: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(TEAM_PATH), tracking.env_backend(): "local"}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE
    )


def wait_for(condition: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


def test_many_processes_on_a_brand_new_store(tmp_path: Path) -> None:
    writers = [spawn(WRITER, str(tmp_path), str(i)) for i in range(WRITERS)]
    wait_for(lambda: len(list(tmp_path.glob("ready-*"))) == WRITERS, "writers to start")
    assert not (tmp_path / "new.db").exists()
    (tmp_path / "go").touch()
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()

    with sqlite3.connect(tmp_path / "new.db") as conn:
        logged = "FROM metrics WHERE key NOT LIKE 'cost.%'"  # each run's cost comes on top
        assert conn.execute(f"SELECT COUNT(*) {logged}").fetchone()[0] == WRITERS * CALLS
        per_run = conn.execute(f"SELECT COUNT(*) {logged} GROUP BY run_id").fetchall()
        assert per_run == [(CALLS,)] * WRITERS
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    runs = tracking.LocalRunStore(tmp_path / "new.db").list_runs()
    assert [run["status"] for run in runs] == ["finished"] * WRITERS


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_killed_run_reads_as_crashed_and_store_stays_sound(tmp_path: Path) -> None:
    doomed = spawn(DOOMED, str(tmp_path))
    marker = tmp_path / "running"
    wait_for(lambda: marker.exists() or doomed.poll() is not None, "the run to start")
    assert doomed.poll() is None, doomed.communicate()[1].decode()
    run_id = marker.read_text()
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=30)

    with sqlite3.connect(tmp_path / "kill.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    record = tracking.LocalRunStore(tmp_path / "kill.db").get_run(run_id)
    assert record["status"] == "crashed"
    assert record["end_time"] is None
    assert len(record["metric_history"]) > 100
    crashed = tracking.LocalRunStore(tmp_path / "kill.db").list_runs(status="crashed")
    assert [r["id"] for r in crashed] == [run_id]
