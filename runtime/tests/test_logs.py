"""Standardised logs: every command's stderr is log records only, one JSON object per line with
``--log-format json``; MLflow's own INFO lines never reach the user's terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _package import HERE, NAME, TEAM_PATH, lib, load

cli = lib("cli")
data = lib("data")
settings_mod = lib("settings")

FIELDS = {"time", "level", "logger", "message"}
RUN_REFERENCE = HERE / "run_reference.py"


def json_lines(stderr: str) -> list[dict[str, object]]:
    """Every stderr line parsed as JSON (a line that is not JSON fails the test)."""
    records = []
    for line in stderr.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            pytest.fail(f"not a JSON log line: {line!r}")
        assert set(record) >= FIELDS, record
        records.append(record)
    return records


def test_every_command_logs_json_lines_only(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_mod.load_settings(project)
    batch = data.load_embedded(settings.data.dataset).drop(columns=[load("datasets").TARGET])
    batch.to_csv(project / "batch.csv", index=False)
    shifted = batch.copy()
    column = shifted.columns[3]
    shifted[column] = shifted[column] + 3 * shifted[column].std()
    shifted.to_csv(project / "shifted.csv", index=False)
    quiet = {"info", "models", "runs"}  # their result is on stdout; they may log nothing
    commands = [
        (["info"], 0),
        (["contract", "check"], 0),
        (["pipeline"], 0),
        (["models"], 0),
        (["promote"], 0),
        (["runs", "list"], 0),
        (["drift", "batch.csv"], 0),
        (["drift", "shifted.csv"], 0),
        (["report"], 0),
        (["drift", "missing.csv"], 2),
        (["rollback"], 2),
    ]
    levels = set()
    for args, code in commands:
        assert cli.main([*args, "--log-format", "json"]) == code, args
        records = json_lines(capsys.readouterr().err)
        assert records or args[0] in quiet, args
        levels |= {str(record["level"]) for record in records}
        assert all(str(record["logger"]).startswith("leanops_runtime") for record in records), (
            records
        )
    assert {"info", "warning", "error"} <= levels


def test_text_logs_are_plain_lines(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["drift", "missing.csv"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert len(err.strip().splitlines()) == 1


def test_mlflow_info_lines_do_not_leak(project: Path, tmp_path: Path) -> None:
    pytest.importorskip("mlflow")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MLFLOW_", f"{NAME.upper()}_"))
    }
    env |= {
        "PYTHONPATH": str(TEAM_PATH),
        f"{NAME.upper()}_TRACKING_BACKEND": "mlflow",
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
    }
    result = subprocess.run(
        [sys.executable, str(RUN_REFERENCE), "pipeline", "--log-format", "json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    records = json_lines(result.stderr)  # MLflow's own format would fail here
    loggers = {str(record["logger"]) for record in records}
    assert all(name.startswith("leanops_runtime") for name in loggers), loggers
    assert "Creating initial MLflow database tables" not in result.stderr
    assert any("pipeline done" in str(record["message"]) for record in records)


def test_a_teams_own_stage_logs_like_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """A module of the team's package run as a stage of its own: without the call its info lines
    go nowhere (Python's last resort shows warnings only); after it, both show, as a command's."""
    import importlib
    import logging

    stage = logging.getLogger(f"{NAME}.residuals")
    logging.getLogger().handlers.clear()  # a fresh interpreter: nothing configured yet
    logging.getLogger().setLevel(logging.WARNING)
    stage.info("checked 12 rows")
    assert capsys.readouterr().err == ""
    importlib.import_module(NAME).configure_logging()  # the public API (the package docstring)
    stage.info("checked 12 rows")
    stage.warning("2 rows look odd")
    assert capsys.readouterr().err == "checked 12 rows\nwarning: 2 rows look odd\n"


def test_a_library_warning_is_one_log_line() -> None:
    """A solver's warning (path, line, category, message, its source line) is one line."""
    import io
    import warnings

    stream = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        lib("logs").configure("text", stream=stream)
        warnings.warn_explicit(
            "lbfgs failed to converge (status=1):\nSTOP: TOTAL NO. OF ITERATIONS REACHED LIMIT.",
            UserWarning,
            "/venv/site-packages/sklearn/linear_model/_logistic.py",
            469,
        )
    assert stream.getvalue() == "warning: UserWarning: lbfgs failed to converge (status=1):\n"
