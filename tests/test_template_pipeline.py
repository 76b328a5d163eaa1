"""The generated project's pipeline runs end to end for each task, and bad data stops it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import Render, run_in

FLOORS = {"classification": ("accuracy", 0.9), "regression": ("r2", 0.3)}
DATASETS = {"classification": "breast_cancer", "regression": "diabetes"}


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_pipeline_runs_and_contract_check_rejects_broken_csv(render: Render, task: str) -> None:
    project = render(ml_task=task)
    dataset = DATASETS[task]
    assert sorted(p.name for p in (project / "contracts").iterdir()) == [f"{dataset}.yaml"]
    env = {"PYTHONPATH": "src"}
    result = run_in(project, sys.executable, "-m", "ml_project", "pipeline", env=env)
    assert result.returncode == 0, result.stderr
    for path in (
        f"data/processed/{dataset}.parquet",
        f"models/{dataset}/v1/model.skops",
        f"models/{dataset}/audit.jsonl",
        "reports/metrics.json",
        f"reports/contract_{dataset}.json",
    ):
        assert (project / path).is_file(), path
    metrics = json.loads((project / "reports/metrics.json").read_text("utf-8"))["metrics"]
    name, floor = FLOORS[task]
    assert metrics[name] > floor, metrics

    model_before = (project / f"models/{dataset}/audit.jsonl").read_bytes()
    raw = project / "data/raw" / f"{dataset}.csv"
    processed = project / f"data/processed/{dataset}.parquet"
    import pandas as pd

    frame = pd.read_parquet(processed)
    frame.drop(columns=[frame.columns[1]]).assign(surprise=1).to_csv(raw, index=False)
    check = run_in(project, sys.executable, "-m", "ml_project", "contract", "check", env=env)
    assert check.returncode == 1, check.stderr
    assert "missing column" in check.stderr and "unexpected column" in check.stderr
    rerun = run_in(project, sys.executable, "-m", "ml_project", "pipeline", env=env)
    assert rerun.returncode == 1
    assert (project / f"models/{dataset}/audit.jsonl").read_bytes() == model_before
    report = json.loads(Path(project / f"reports/contract_{dataset}.json").read_text("utf-8"))
    assert report["passed"] is False
