"""Benchmark: the generated project's registry and drift check against the real alternatives.

Run from the repository root: ``.venv/bin/python benchmarks/bench_registry_drift.py``. Renders a
project with default answers into a temporary folder, then measures in the same run:

- promote and rollback bookkeeping (lock, read, atomic fsynced rewrite of ``registry.json``,
  fsynced audit line) against MLflow's alias swap (``MlflowClient.set_registered_model_alias`` on
  a local sqlite store, telemetry off), p50 of many calls;
- a whole ``promote`` with its gate (load and verify both models, evaluate both on the held-out
  split), once, for reference: this is what a user waits for;
- drift of 100,000 rows x 12 columns (10 numeric, 2 categorical) against the stored reference,
  and a hand-written scipy check of the same batch (``scipy.stats.ks_2samp`` against the full
  reference sample plus ``numpy.histogram`` PSI per column).

Writes ``benchmarks/results/registry_drift.json`` and prints a markdown table.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ["LEANOPS_SKIP_LOCK"] = "1"
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "registry_drift.json"
PACKAGE = "ml_project"
CALLS = 200
TARGETS = {"promote_ms": 5.0, "rollback_ms": 5.0, "drift_100k_x12_s": 1.0}


def render(destination: Path) -> Path:
    import copier

    copier.run_copy(str(REPO), destination, defaults=True, unsafe=True, vcs_ref="HEAD", quiet=True)
    return destination


def p50_ms(action: Callable[[int], object], calls: int = CALLS) -> float:
    """Median wall time of ``action(i)`` in milliseconds (after a few warm-up calls)."""
    for i in range(5):
        action(i)
    times = []
    for i in range(calls):
        start = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def best_s(action: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_registry(project: Path) -> dict[str, float]:
    """Our promote/rollback bookkeeping, and a whole gated promote once."""
    from sklearn.dummy import DummyClassifier

    registry_mod = __import__(f"{PACKAGE}.registry", fromlist=["Registry"])
    registry = registry_mod.Registry(project / "models")
    model = DummyClassifier().fit([[0.0], [1.0]], [0, 1])
    for _ in range(2):
        registry.register(model, metrics={"roc_auc": 0.5})
    promote_ms = p50_ms(lambda i: registry.set_production(1 + i % 2, reason="bench"))

    def rollback(i: int) -> None:
        # Promote (not timed separately) then roll back: the history stays two deep.
        registry.set_production(2 if registry.alias("production") == 1 else 1)
        start = time.perf_counter()
        registry.rollback(reason="bench")
        durations.append(time.perf_counter() - start)

    durations: list[float] = []
    for i in range(CALLS):
        rollback(i)
    rollback_ms = statistics.median(durations[5:]) * 1000
    return {"promote_ms": promote_ms, "rollback_ms": rollback_ms}


def bench_full_promote(project: Path) -> float:
    """One ``promote`` as the user runs it: models trained here, then the gate and the swap."""
    sys_path_before = list(sys.path)
    sys.path.insert(0, str(project / "tests"))
    try:
        from _models import fit, train_project

        config = __import__(f"{PACKAGE}.config", fromlist=["load_settings"])
        lifecycle = __import__(f"{PACKAGE}.lifecycle", fromlist=["held_out_evaluator"])
        promotion = __import__(f"{PACKAGE}.promotion", fromlist=["promote"])
        registry_mod = __import__(f"{PACKAGE}.registry", fromlist=["Registry"])
        settings = config.load_settings(project)
        train_project(settings, project)  # models/model.json and the held-out rows
        registry = registry_mod.Registry(project / "models-full")
        registry.register(fit(settings), metrics={})
        registry.set_production(1)
        registry.register(fit(settings), metrics={})
        start = time.perf_counter()
        evaluate = lifecycle.held_out_evaluator(settings, project)
        _, record = promotion.promote(registry, settings.promotion, evaluate)
        elapsed = time.perf_counter() - start
        assert record is not None
        return elapsed * 1000
    finally:
        sys.path[:] = sys_path_before


def bench_mlflow(scratch: Path) -> float:
    """MLflow's alias swap on a local sqlite registry (the same operation as our promote)."""
    from mlflow import MlflowClient

    uri = f"sqlite:///{scratch / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    client.create_registered_model("bench")
    for _ in range(2):
        client.create_model_version("bench", source=str(scratch / "artifact"))

    def swap(i: int) -> None:
        client.set_registered_model_alias("bench", "production", str(1 + i % 2))

    return p50_ms(swap)


def drift_frames(rows: int = 100_000) -> tuple[Any, Any]:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)

    def make(shift: float) -> pd.DataFrame:
        numeric = {f"x{i}": rng.normal(shift * (i % 3), 1 + i / 10, rows) for i in range(10)}
        categories = {f"c{i}": rng.choice(list("abcdefgh"), size=rows) for i in range(2)}
        return pd.DataFrame(numeric | categories)

    return make(0.0), make(0.3)


def scipy_check(reference: Any, batch: Any) -> dict[str, tuple[float, float]]:
    """The hand-written alternative: full-sample KS (scipy) and histogram PSI per column."""
    import numpy as np
    from pandas.api.types import is_numeric_dtype
    from scipy.stats import ks_2samp

    out = {}
    for name in reference.columns:
        if not is_numeric_dtype(reference[name]):
            ref = reference[name].value_counts(normalize=True)
            cur = batch[name].value_counts(normalize=True).reindex(ref.index, fill_value=0)
            p, q = np.clip(ref.to_numpy(), 1e-4, None), np.clip(cur.to_numpy(), 1e-4, None)
            out[name] = (float(np.sum((q - p) * np.log(q / p))), float("nan"))
            continue
        edges = np.quantile(reference[name], np.linspace(0, 1, 11))
        edges[0], edges[-1] = -np.inf, np.inf
        p = np.histogram(reference[name], edges)[0] / len(reference)
        q = np.histogram(batch[name], edges)[0] / len(batch)
        p, q = np.clip(p, 1e-4, None), np.clip(q, 1e-4, None)
        d = ks_2samp(reference[name], batch[name]).statistic
        out[name] = (float(np.sum((q - p) * np.log(q / p))), float(d))
    return out


def bench_drift(scratch: Path) -> tuple[dict[str, float], dict[str, float]]:
    drift = __import__(f"{PACKAGE}.drift", fromlist=["check"])
    reference_frame, batch = drift_frames()
    numeric = [f"x{i}" for i in range(10)]
    reference = drift.reference_stats(reference_frame, numeric, ["c0", "c1"])
    report = drift.check(reference, batch)
    assert set(drift.flagged(report, "warn")) >= {"x1", "x2"}, report
    parquet = scratch / "batch.parquet"
    batch.to_parquet(parquet)
    ours = {
        "drift_100k_x12_s": best_s(lambda: drift.check(reference, batch)),
        "drift_100k_x12_with_parquet_read_s": best_s(
            lambda: drift.check(reference, __import__("pandas").read_parquet(parquet))
        ),
    }
    theirs = {"drift_100k_x12_s": best_s(lambda: scipy_check(reference_frame, batch))}
    return ours, theirs


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-registry-") as scratch_name:
        scratch = Path(scratch_name)
        project = render(scratch / "ml-project")
        sys.path.insert(0, str(project / "src"))
        ours = bench_registry(project)
        ours["promote_with_gate_ms"] = bench_full_promote(project)
        drift_ours, drift_theirs = bench_drift(scratch)
        ours |= drift_ours
        swap = bench_mlflow(scratch)
    theirs: dict[str, float | None] = {
        "promote_ms": swap,
        "rollback_ms": swap,  # an MLflow rollback is the same alias swap
        "promote_with_gate_ms": None,
        "drift_100k_x12_s": drift_theirs["drift_100k_x12_s"],
        "drift_100k_x12_with_parquet_read_s": None,
    }
    ratios = {
        key: round(theirs[key] / value, 2)
        for key, value in ours.items()
        if theirs.get(key) and value > 0
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "results": {"leanops": ours, "alternative": theirs},
                "alternative": {
                    "promote_ms": "MlflowClient.set_registered_model_alias, sqlite store",
                    "rollback_ms": "MlflowClient.set_registered_model_alias, sqlite store",
                    "drift_100k_x12_s": "scipy ks_2samp (full reference) + numpy histogram PSI",
                },
                "targets": TARGETS,
                "ratios_alternative_over_ours": ratios,
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                },
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print("| figure | target | leanops | alternative | alternative / leanops |")
    print("|---|---|---|---|---|")
    for key, value in ours.items():
        other = theirs.get(key)
        target = TARGETS.get(key)
        print(
            f"| {key} | {'<= ' + format(target, 'g') if target else '-'} | {value:.3f} |"
            f" {'-' if other is None else format(other, '.3f')} | {ratios.get(key, '-')} |"
        )
    print(f"\nwrote {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
