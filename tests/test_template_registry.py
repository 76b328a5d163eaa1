"""The registry flow of a generated project, end to end for both tasks: pipeline -> promote ->
predict -> drift (quiet on the same data, a warning on shifted data) -> retrain -> rollback, and
file modes that let the Docker image's user (another uid) read what was written."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Render, run_in

MAKE_BATCHES = """
import sys
from ml_project.datasets import TARGET
from ml_project.mlops.data import load_embedded
from ml_project.mlops.settings import load_settings

frame = load_embedded(load_settings().data.dataset).drop(columns=[TARGET])
frame.to_csv("new.csv", index=False)
shifted = frame.copy()
column = [c for c in frame.columns if c != "sample_id"][2]
shifted[column] = shifted[column] + 3 * shifted[column].std()
shifted.to_csv("shifted.csv", index=False)
frame.drop(columns=[column]).to_csv("broken.csv", index=False)
print(column)
"""


def cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_in(project, sys.executable, "-m", "ml_project", *args, env={"PYTHONPATH": "src"})


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """The command's output (results on stdout, then its log lines from stderr)."""
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_pipeline_promote_predict_drift_rollback(render: Render, task: str) -> None:
    project = render(ml_task=task)
    ok(cli(project, "pipeline"))
    dataset = "breast_cancer" if task == "classification" else "diabetes"
    line = project / "models" / dataset
    [record] = [json.loads(text) for text in (line / "audit.jsonl").read_text().splitlines()]
    assert (record["action"], record["to"]) == ("register", 1)
    entry = record["entry"]
    assert entry["metrics"]
    assert entry["reference_sha256"]
    assert entry["holdout_sha256"]
    assert entry["contract_version"]
    assert entry["data_fingerprint"]
    assert sorted(path.name for path in (line / "v1").iterdir()) == [
        "holdout.parquet",
        "model.skops",
        "reference.json",
    ]
    assert not list((project / "models").glob("*.json")), "no trust file beside the versions"

    out = ok(cli(project, "promote"))
    assert "candidate v1" in out
    assert "promoted: v1 is production (was none)" in out

    shifted_column = ok(
        run_in(project, sys.executable, "-c", MAKE_BATCHES, env={"PYTHONPATH": "src"})
    ).strip()
    ok(cli(project, "predict", "new.csv"))
    lines = (project / "reports" / "predictions-new.csv").read_text().splitlines()
    assert lines[0].split(",")[-1] == "model_version"
    assert all(line.endswith(",v1") for line in lines[1:])

    quiet = cli(project, "drift", "new.csv", "--fail-on", "warn")
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert "warning" not in quiet.stderr
    shifted = cli(project, "drift", "shifted.csv")
    assert shifted.returncode == 0, shifted.stderr
    assert f"warning: drift alert on 1 feature(s): {shifted_column}" in shifted.stderr
    assert cli(project, "drift", "shifted.csv", "--fail-on", "alert").returncode == 1
    report = json.loads((project / "reports" / "drift-shifted.json").read_text())
    assert report["status"] == "alert"

    broken = cli(project, "predict", "broken.csv", "-o", "reports/broken.csv")
    assert broken.returncode == 1, broken.stdout + broken.stderr  # bad data: like the pipeline
    assert broken.stderr.startswith("error:")
    assert not (project / "reports" / "broken.csv").exists()

    ok(cli(project, "pipeline"))
    out = ok(cli(project, "promote"))
    assert "promoted: v2 is production (was v1)" in out
    out = ok(cli(project, "rollback", "--reason", "end-to-end test"))
    assert "v1 is production (was v2)" in out
    audit = [json.loads(text) for text in (line / "audit.jsonl").read_text().splitlines()]
    assert [record["action"] for record in audit] == [
        "register",
        "promote",
        "register",
        "promote",
        "rollback",
    ]
    assert audit[-1]["reason"] == "end-to-end test"
    # Everything the commands wrote follows the umask: others (the image's uid 10001) may read.
    mask = os.umask(0o022)
    os.umask(mask)
    for path in [*(project / "models").rglob("*"), *(project / "reports").rglob("*")]:
        expected = (0o777 if path.is_dir() else 0o666) & ~mask
        assert stat.S_IMODE(path.stat().st_mode) == expected, path
