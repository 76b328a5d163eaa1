"""Benchmark: the generated project's tracking store against MLflow (sqlite backend), same run.

Run from the repository root: ``.venv/bin/python benchmarks/bench_tracking.py``. Renders a project
with default answers into a temporary folder, then measures, for both stores: import time (fresh
interpreter, best of several), first use of a brand-new store (fresh interpreter: open the store,
start a run, log one metric, end it), ``log_metric`` p50, a batch of 1,000 metrics, and the
dataset fingerprint of 1M rows x 10 columns (MLflow's dataset digest for reference, with whether
each notices a one-cell edit at row 500,000). MLflow's telemetry is off. Writes
``benchmarks/results/tracking.json``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["LEANOPS_SKIP_LOCK"] = "1"
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "tracking.json"
PACKAGE = "ml_project"
TARGETS = {
    "list_200_runs_ms": 50.0,
    "import_ms": 50.0,
    "first_use_ms": 50.0,
    "log_metric_p50_ms": 0.5,
    "batch_1000_ms": 10.0,
    "fingerprint_1m_x10_s": 0.2,
}


def render(destination: Path) -> Path:
    import copier

    copier.run_copy(str(REPO), destination, defaults=True, unsafe=True, vcs_ref="HEAD", quiet=True)
    return destination


def in_fresh_python(code: str, cwd: Path, env: dict[str, str]) -> float:
    """Run ``code`` in a new interpreter; it prints one float (seconds), returned here."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


IMPORT_CODE = (
    "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
)

OURS_FIRST_USE = f"""
import time
import {PACKAGE}
from leanops_runtime import tracking
t = time.perf_counter()
with tracking.start_run("bench", db=DB, backend="local") as run:
    run.log_metric("x", 1.0)
print(time.perf_counter() - t)
"""

MLFLOW_FIRST_USE = """
import time
import mlflow
t = time.perf_counter()
mlflow.set_tracking_uri("{uri}")
with mlflow.start_run(run_name="bench"):
    mlflow.log_metric("x", 1.0)
print(time.perf_counter() - t)
"""


def best(values: list[float]) -> float:
    return min(values)


def p50(action: object, calls: int) -> float:
    durations = []
    for i in range(calls):
        start = time.perf_counter()
        action(i)  # type: ignore[operator]
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def frame(rows: int = 1_000_000) -> object:
    """1M rows x 10 columns of the kinds a tabular dataset holds."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            **{f"x{i}": rng.normal(size=rows) for i in range(5)},
            "count": rng.integers(0, 1_000, rows),
            "flag": rng.integers(0, 2, rows).astype(bool),
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(rows), unit="s"),
            "kind": pd.Categorical(rng.choice(["a", "b", "c", "d"], rows)),
            "city": pd.Series(rng.choice([f"city-{i}" for i in range(50)], rows)),
        }
    )


def main() -> int:
    scratch = Path(tempfile.mkdtemp(prefix="bench-tracking-"))
    try:
        return measure(scratch)
    finally:
        os.chdir(REPO)
        shutil.rmtree(scratch, ignore_errors=True)


def measure(scratch: Path) -> int:
    """Run every measurement with ``scratch`` as the working area; print and save the results."""
    project = render(scratch / "project")
    env = {"PYTHONPATH": str(project / "src")}
    sys.path.insert(0, str(project / "src"))
    os.chdir(project)
    results: dict[str, dict[str, float | None]] = {"leanops": {}, "mlflow": {}}
    ours, theirs = results["leanops"], results["mlflow"]

    # Import time, fresh interpreter each time.
    ours["import_ms"] = 1000 * best(
        [
            in_fresh_python(IMPORT_CODE.format(module="leanops_runtime.tracking"), project, env)
            for _ in range(7)
        ]
    )
    theirs["import_ms"] = 1000 * best(
        [in_fresh_python(IMPORT_CODE.format(module="mlflow"), project, env) for _ in range(3)]
    )

    # First use of a brand-new store, fresh interpreter (the import itself not counted).
    ours["first_use_ms"] = 1000 * best(
        [
            in_fresh_python(
                f"DB = {str(scratch / f'new{i}.db')!r}\n" + OURS_FIRST_USE, project, env
            )
            for i in range(5)
        ]
    )
    theirs["first_use_ms"] = 1000 * best(
        [
            in_fresh_python(
                MLFLOW_FIRST_USE.format(uri=f"sqlite:///{scratch}/mlflow{i}.db"), project, env
            )
            for i in range(2)
        ]
    )

    # Per-call and batch logging, in this process, on a warm store.
    from leanops_runtime import tracking

    with tracking.start_run("bench", db=scratch / "warm.db", backend="local") as run:
        run.log_metric("warmup", 0.0)
        ours["log_metric_p50_ms"] = 1000 * p50(lambda i: run.log_metric("loss", i, step=i), 2_000)
        ours["batch_1000_ms"] = 1000 * best(
            [
                _timed(lambda s=s: run.log_metrics({f"m{i}": i for i in range(1_000)}, step=s))
                for s in range(7)
            ]
        )

    import mlflow
    from mlflow.entities import Metric

    mlflow.set_tracking_uri(f"sqlite:///{scratch}/mlflow-warm.db")
    with mlflow.start_run() as active:
        client = mlflow.MlflowClient()
        mlflow.log_metric("warmup", 0.0)
        theirs["log_metric_p50_ms"] = 1000 * p50(
            lambda i: mlflow.log_metric("loss", i, step=i), 200
        )

        def mlflow_batch(step: int) -> None:
            now = int(time.time() * 1000)
            metrics = [Metric(f"m{i}", float(i), now, step) for i in range(1_000)]
            client.log_batch(active.info.run_id, metrics=metrics)

        theirs["batch_1000_ms"] = 1000 * best(
            [_timed(lambda s=s: mlflow_batch(s)) for s in range(3)]
        )

    ours["list_200_runs_ms"], theirs["list_200_runs_ms"] = list_runs_ms(scratch, tracking)

    # Dataset fingerprint (ours: every row and column type; MLflow: its dataset digest).
    import pandas as pd
    from mlflow.data.digest_utils import compute_pandas_digest

    data = frame()
    ours["fingerprint_1m_x10_s"] = best(
        [_timed(lambda: tracking.fingerprint(data)) for _ in range(3)]
    )
    theirs["fingerprint_1m_x10_s"] = best(
        [_timed(lambda: compute_pandas_digest(data)) for _ in range(3)]
    )
    edited = data.copy()
    edited.loc[500_000, "when"] = edited.loc[500_000, "when"] + pd.Timedelta("1s")
    ours["sees_edit_at_row_500k"] = float(
        tracking.fingerprint(edited)["sha256"] != tracking.fingerprint(data)["sha256"]
    )
    theirs["sees_edit_at_row_500k"] = float(
        compute_pandas_digest(edited) != compute_pandas_digest(data)
    )

    report(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "results": results,
                "targets": TARGETS,
                "ratios_mlflow_over_ours": ratios(results),
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "mlflow": mlflow.__version__,
                    "pandas": pd.__version__,
                },
                "command": ".venv/bin/python benchmarks/bench_tracking.py",
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwrote {RESULTS.relative_to(REPO)}")
    return 0


def list_runs_ms(scratch: Path, tracking: object) -> tuple[float, float]:
    """``runs list`` of 200 runs, newest first, through each backend's reader (ours, MLflow's)."""
    db = scratch / "list.db"
    for i in range(200):
        with tracking.start_run(f"run{i}", params={"i": i}, db=db, backend="local"):  # type: ignore[attr-defined]
            pass
    local_store = tracking.LocalRunStore(db)  # type: ignore[attr-defined]
    ours = 1000 * best([_timed(local_store.list_runs) for _ in range(5)])
    backend = __import__("leanops_runtime.tracking.mlflow_backend", fromlist=["client"])
    connection = backend.Connection(f"sqlite:///{scratch}/mlflow-list.db", "bench")
    client = backend.client(connection)
    experiment = backend.experiment_id(client, "bench")
    for i in range(200):
        created = client.create_run(experiment, run_name=f"run{i}")
        client.set_terminated(created.info.run_id)
    mlflow_store = backend.MlflowRunStore(connection)
    return ours, 1000 * best([_timed(mlflow_store.list_runs) for _ in range(5)])


def _timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def ratios(results: dict[str, dict[str, float | None]]) -> dict[str, float]:
    return {
        key: round(results["mlflow"][key] / value, 1)
        for key, value in results["leanops"].items()
        if key in TARGETS and value and results["mlflow"].get(key)
    }


def report(results: dict[str, dict[str, float | None]]) -> None:
    ours, theirs = results["leanops"], results["mlflow"]
    rate = ratios(results)
    print("| figure | target | leanops | MLflow (sqlite) | MLflow / leanops |")
    print("|---|---|---|---|---|")
    for key, target in TARGETS.items():
        unit = key.rpartition("_")[2]
        met = "ok" if ours[key] <= target else "MISSED"
        print(
            f"| {key.rpartition('_')[0]} | <= {target:g} {unit} | {ours[key]:.3g} {unit} ({met}) "
            f"| {theirs[key]:.3g} {unit} | {rate.get(key, 0):g}x |"
        )
    seen = {name: "yes" if r["sees_edit_at_row_500k"] else "no" for name, r in results.items()}
    print(
        f"| one-cell edit at row 500,000 noticed | yes | {seen['leanops']} | {seen['mlflow']} | |"
    )


if __name__ == "__main__":
    sys.exit(main())
