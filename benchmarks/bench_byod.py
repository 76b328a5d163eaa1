"""Benchmark: bring your own table at scale: ``contract infer`` + ``pipeline`` on 300,000 rows.

A synthetic table of 300,000 rows x 20 columns (10 numeric with missing values, 5 low-cardinality
strings, 2 strings with >= 5,000 distinct values, 1 datetime, 1 id, a binary string target) is
written as CSV into a freshly rendered project; then, as a new user would, ``contract infer`` and
``pipeline`` run as child processes, once with the linear model and once with hist gradient
boosting. Wall time, CPU time and peak RSS are measured per child (``os.wait4``), with the load
average before each run (the machine may be shared). Python's bytecode is compiled once
beforehand (a pipeline on the embedded data), as any installed environment has it; children may
write it even where ``PYTHONDONTWRITEBYTECODE`` is set. Targets: infer + pipeline <= 30 s wall
and <= 1.5 GB peak RSS on 2 cores.

Run from the repository root: ``.venv/bin/python benchmarks/bench_byod.py``.
Writes benchmarks/results/byod.json.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "byod.json"
PACKAGE = "ml_project"
ROWS = 300_000
TARGET_S = 30.0
TARGET_RSS_MB = 1536.0
ESTIMATORS = ("logistic_regression", "hist_gradient_boosting")


def make_table(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    """20 columns: id, 10 numbers with gaps, 5 small categories, 2 wide codes, a date, a label."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"account_id": [f"A{i:07d}" for i in rng.permutation(rows)]})
    signal = np.zeros(rows)
    for i in range(10):
        values = rng.normal(i, 1 + i / 5, rows)
        signal += values * (0.3 if i < 4 else 0.02)
        values[rng.random(rows) < 0.03] = np.nan
        frame[f"x{i}"] = values.round(4)
    for i in range(5):
        levels = [f"level{j}" for j in range(3 + 2 * i)]
        values = rng.choice(levels, rows)
        signal += (values == levels[0]) * 0.5
        frame[f"cat{i}"] = values
    for i, distinct in enumerate((5_000, 8_000)):
        codes = rng.integers(0, distinct, rows)
        signal += (codes % 7 == 0) * 0.4
        frame[f"code{i}"] = [f"K{c:05d}" for c in codes]
    days = rng.integers(0, 4 * 365, rows)
    frame["opened_at"] = (pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D")).strftime(
        "%Y-%m-%d"
    )
    signal += rng.normal(0, 1.0, rows)
    frame["churned"] = np.where(signal > np.quantile(np.nan_to_num(signal), 0.7), "yes", "no")
    return frame


def timed(command: list[str], cwd: Path) -> tuple[float, float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS MB, exit code, stderr) of one child process."""
    env = {**os.environ, "PYTHONPATH": "src"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, child.returncode, stderr


def render(dest: Path) -> Path:
    from copier import run_copy

    run_copy(str(REPO), dest, defaults=True, unsafe=True, vcs_ref="HEAD", quiet=True)
    return dest


def set_params(project: Path, estimator: str) -> None:
    path = project / "params.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    params["task"] = "classification"
    params["data"]["dataset"] = "accounts"
    if params["train"]["estimator"] != estimator:  # its own hyperparameters, as a user does
        params["train"]["hyperparameters"] = {}
    params["train"]["estimator"] = estimator
    params["train"]["also_try"] = []  # this estimator alone, without the choice
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def main() -> None:
    os.environ.setdefault("LEANOPS_SKIP_LOCK", "1")
    python = sys.executable
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-byod-") as tmp:
        warm = render(Path(tmp) / "warm-up")
        assert timed([python, "-m", PACKAGE, "pipeline"], warm)[3] == 0
        table = make_table()
        csv = Path(tmp) / "accounts.csv"
        table.to_csv(csv, index=False)
        size_mb = csv.stat().st_size / 1e6
        for estimator in ESTIMATORS:
            project = render(Path(tmp) / estimator)
            raw = project / "data" / "raw" / "accounts.csv"
            raw.write_bytes(csv.read_bytes())
            infer = [python, "-m", PACKAGE, "contract", "infer", str(raw.relative_to(project))]
            infer += ["--target", "churned", "-o", "contracts/accounts.yaml"]
            load = os.getloadavg()[0]
            infer_s, infer_cpu, infer_mb, code, err = timed(infer, project)
            assert code == 0, err
            set_params(project, estimator)
            pipeline = [python, "-m", PACKAGE, "pipeline"]
            pipeline_s, pipeline_cpu, pipeline_mb, code, err = timed(pipeline, project)
            assert code == 0, err
            metrics = json.loads((project / "reports" / "metrics.json").read_text("utf-8"))
            contract = yaml.safe_load((project / "contracts" / "accounts.yaml").read_text("utf-8"))
            roles = {name: spec["role"] for name, spec in contract["columns"].items()}
            results.append(
                {
                    "estimator": estimator,
                    "infer_s": round(infer_s, 2),
                    "infer_peak_rss_mb": round(infer_mb),
                    "pipeline_s": round(pipeline_s, 2),
                    "pipeline_peak_rss_mb": round(pipeline_mb),
                    "total_s": round(infer_s + pipeline_s, 2),
                    "total_cpu_s": round(infer_cpu + pipeline_cpu, 2),
                    "load_average_before": round(load, 2),
                    "peak_rss_mb": round(max(infer_mb, pipeline_mb)),
                    "metrics": metrics["metrics"],
                    "roles": roles,
                }
            )
    print(f"table: {ROWS} rows x {table.shape[1]} columns, CSV {size_mb:.0f} MB")
    print(
        "| estimator | infer s | pipeline s | total s (<= 30) | CPU s | peak RSS MB (<= 1536) "
        "| ROC AUC | load before |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['estimator']} | {r['infer_s']:.1f} | {r['pipeline_s']:.1f} | "
            f"{r['total_s']:.1f} | {r['total_cpu_s']:.1f} | {r['peak_rss_mb']} | "
            f"{r['metrics']['roc_auc']:.3f} | {r['load_average_before']:.1f} |"
        )
    report = {
        "rows": ROWS,
        "columns": int(table.shape[1]),
        "csv_mb": round(size_mb, 1),
        "runs": results,
        "targets": {"total_s": TARGET_S, "peak_rss_mb": TARGET_RSS_MB},
        "met": all(r["total_s"] <= TARGET_S and r["peak_rss_mb"] <= TARGET_RSS_MB for r in results),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
