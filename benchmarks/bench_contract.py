"""Benchmark: the data-contract check on 1,000,000 rows x 10 columns, and the whole pipeline.

1. ``contract.validate`` of a rendered project (the contract package the pipeline uses, driven by
   a contract YAML file: dtype, range, nullability, allowed values, unique ids) on clean data, vs
   a hand-written vectorised pandas check of the same rules, in the same run. Targets: <= 150 ms
   and <= 2.5x the hand-written check. Validation is pandera's alone (the one source of the
   rules; the former hand-written fast path is gone), so ``contract.validate`` is pandera's lazy
   ``schema.validate`` plus the failure records. The failing case (pandera's full lazy report)
   is timed too, for information: it only runs when data is bad.
2. ``python -m <package> pipeline`` on the embedded data, wall time in a subprocess, imports
   included (target <= 15 s on 2 cores).

Run from the repository root: ``.venv/bin/python benchmarks/bench_contract.py``.
Writes benchmarks/results/contract.json.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "contract.json"
ROWS = 1_000_000
REPEATS = 7
TARGET_MS = 150.0
TARGET_RATIO = 2.5
TARGET_PIPELINE_S = 15.0

# The rules, as a contract file: 10 columns, every kind of rule the issue names.
FLOATS = [f"x{i}" for i in range(6)]
CONTRACT = {
    "version": 1,
    "columns": {
        "sample_id": {"role": "id", "dtype": "int64", "unique": True},
        **{
            name: {
                "role": "feature_numeric",
                "dtype": "float64",
                "in_range": {"min_value": -10.0, "max_value": 10.0},
            }
            for name in FLOATS
        },
        "x_nullable": {
            "role": "feature_numeric",
            "dtype": "float64",
            "nullable": True,
            "in_range": {"min_value": 0.0, "max_value": 1.0},
        },
        "grade": {"role": "feature_categorical", "dtype": "int64", "isin": [1, 2, 3, 4, 5]},
        "target": {"role": "target", "dtype": "int64", "isin": [0, 1]},
    },
    "strict": True,
}


def make_frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"sample_id": np.arange(ROWS, dtype="int64")})
    for name in FLOATS:
        frame[name] = rng.normal(0.0, 2.0, ROWS).clip(-9.9, 9.9)
    nullable = rng.random(ROWS)
    nullable[rng.random(ROWS) < 0.05] = np.nan
    frame["x_nullable"] = nullable
    frame["grade"] = rng.integers(1, 6, ROWS)
    frame["target"] = rng.integers(0, 2, ROWS)
    return frame


def hand_written(frame: pd.DataFrame, rules: dict) -> bool:  # noqa: PLR0911
    """The same rules, written by hand with vectorised pandas."""
    columns = rules["columns"]
    if set(frame.columns) != set(columns):
        return False
    for name, rule in columns.items():
        series = frame[name]
        if str(series.dtype) != rule["dtype"]:
            return False
        nulls = series.isna()
        if not rule.get("nullable", False) and nulls.any():
            return False
        if rule.get("unique") and not series.is_unique:
            return False
        if "in_range" in rule:
            bounds = rule["in_range"]
            ok = series.between(bounds["min_value"], bounds["max_value"]) | nulls
            if not ok.all():
                return False
        if "isin" in rule and not (series.isin(rule["isin"]) | nulls).all():
            return False
    return True


def best_ms(fn, repeats: int = REPEATS) -> tuple[float, float]:
    """(median, min) milliseconds over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def render(dest: Path) -> tuple[Path, str]:
    from copier import run_copy

    run_copy(str(REPO), dest, defaults=True, unsafe=True, vcs_ref="HEAD", quiet=True)
    return dest, "ml_project"


def main() -> None:
    os.environ.setdefault("LEANOPS_SKIP_LOCK", "1")
    with tempfile.TemporaryDirectory(prefix="bench-contract-") as tmp:
        project, package = render(Path(tmp) / "p")
        sys.path.insert(0, str(project / "src"))
        contract_mod = __import__("leanops_runtime.contract", fromlist=["contract"])
        path = Path(tmp) / "bench.yaml"
        path.write_text(yaml.safe_dump(CONTRACT, sort_keys=False), encoding="utf-8")
        contract = contract_mod.load_contract("bench", path=path)
        rules = yaml.safe_load(path.read_text(encoding="utf-8"))
        frame = make_frame()
        assert contract_mod.validate(contract, frame) == []
        assert hand_written(frame, rules)
        ours, ours_min = best_ms(lambda: contract_mod.validate(contract, frame))
        theirs, theirs_min = best_ms(lambda: hand_written(frame, rules))
        pandera_ms, _ = best_ms(lambda: contract.schema.validate(frame, lazy=True), repeats=3)
        bad = frame.copy()
        bad.loc[123, "x0"] = 99.0
        bad.loc[456, "grade"] = 9
        failures = contract_mod.validate(contract, bad)
        assert len(failures) == 2 and not hand_written(bad, rules)
        bad_ms, _ = best_ms(lambda: contract_mod.validate(contract, bad), repeats=3)

        env = {**os.environ, "PYTHONPATH": "src"}
        runs = []
        for _ in range(2):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", package, "pipeline", "--force"],  # every stage, each time
                cwd=project,
                env=env,
                check=True,
                capture_output=True,
            )
            runs.append(time.perf_counter() - start)
        pipeline_s = max(runs)

    ratio = ours / theirs
    rows = [
        ("contract check, 1M x 10, clean (median ms)", ours, TARGET_MS, theirs, ratio),
        (
            "pandera schema.validate alone, clean (ms)",
            pandera_ms,
            None,
            theirs,
            pandera_ms / theirs,
        ),
        ("contract check with 2 failures + report (ms)", bad_ms, None, None, None),
        ("pipeline wall, embedded data (s, worst of 2)", pipeline_s, TARGET_PIPELINE_S, None, None),
    ]
    print("| figure | ours | target | hand-written pandas | ratio |")
    print("|---|---|---|---|---|")
    for name, value, target, alt, rat in rows:
        print(
            f"| {name} | {value:.1f} | {'-' if target is None else f'<= {target:g}'} "
            f"| {'-' if alt is None else f'{alt:.1f}'} | {'-' if rat is None else f'{rat:.2f}x'} |"
        )
    result = {
        "rows": ROWS,
        "columns": len(CONTRACT["columns"]),
        "contract_check_ms_median": round(ours, 1),
        "contract_check_ms_min": round(ours_min, 1),
        "hand_written_ms_median": round(theirs, 1),
        "hand_written_ms_min": round(theirs_min, 1),
        "ratio": round(ratio, 2),
        "pandera_validate_ms_median": round(pandera_ms, 1),
        "failing_check_ms_median": round(bad_ms, 1),
        "pipeline_wall_s": [round(r, 2) for r in runs],
        "targets": {"ms": TARGET_MS, "ratio": TARGET_RATIO, "pipeline_s": TARGET_PIPELINE_S},
        "met": ours <= TARGET_MS and ratio <= TARGET_RATIO and pipeline_s <= TARGET_PIPELINE_S,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
