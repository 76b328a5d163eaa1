"""Benchmark: is the default model as good as a careful hand-written baseline, and how fast?

Three tables built in code, shaped like the public tables new users brought (a 4-class target
from thresholds and interactions, with a 300-value code; a non-linear regression with
categories; a binary target that is nearly linear in its features). Each is written as CSV into
a freshly rendered project; ``contract infer`` then ``pipeline`` run as child processes, as a new
user runs them:

- **default**: the rendered ``params.yaml`` as is (hist gradient boosting, fitted alone);
- **choice**: ``also_try`` the linear model too (3-fold cross-validation on the training rows
  picks the better), the opt-in for near-linear targets;
- **0.3.0 boosting**: a project rendered from the 0.3.0 release commit with
  ``estimator: hist_gradient_boosting``: the boosting pipeline as it was before this version;
- **script**: a plain scikit-learn script, the baseline a careful colleague writes in 15 lines:
  the same seeded split, strings ordinal-encoded, ``HistGradientBoosting*`` with defaults.

Reported per table: the held-out accuracy (classification) or R² (regression) of each, the
default's gap to the script (target: no more than 0.01 behind), and each pipeline's wall time
(the fastest of three runs, so one stall of a loaded machine does not decide it) over 0.3.0's
boosting pipeline's (target: no slower).

Run from the repository root: ``.venv/bin/python benchmarks/bench_default_model.py``.
Writes benchmarks/results/default_model.json.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from bench_byod import PACKAGE, timed

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "default_model.json"
SEED = 42  # the rendered params.yaml's seed and the script's split
TEST_SIZE = 0.2
MAX_GAP = 0.01


def grades(rows: int = 30_000, seed: int = 1) -> pd.DataFrame:
    """4 classes from thresholds and an interaction; a 300-value code carries part of it."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 6))
    code = rng.integers(0, 300, rows)
    region = rng.choice(["north", "south", "east", "west"], rows)
    score = (
        np.where(x[:, 0] > 0.3, 1.5, -0.5)
        + np.where((x[:, 1] > 0) & (x[:, 2] < 0), 1.2, 0.0)
        + np.sin(2 * x[:, 3])
        + (code % 5 == 0) * 0.8
        + (region == "east") * 0.6
        + rng.normal(0, 0.5, rows)
    )
    frame = pd.DataFrame(x.round(4), columns=[f"m{i}" for i in range(6)])
    frame["code"] = [f"C{c:03d}" for c in code]
    frame["region"] = region
    quartile = np.digitize(score, np.quantile(score, [0.25, 0.5, 0.75]))
    frame["grade"] = np.array(list("DCBA"))[quartile]
    return frame


def prices(rows: int = 40_000, seed: int = 2) -> pd.DataFrame:
    """Friedman's non-linear function plus category effects and noise."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(rows, 8))
    kind = rng.choice(["flat", "house", "villa"], rows, p=[0.5, 0.4, 0.1])
    y = (
        10 * np.sin(np.pi * x[:, 0] * x[:, 1])
        + 20 * (x[:, 2] - 0.5) ** 2
        + 10 * x[:, 3]
        + 5 * x[:, 4]
        + np.select([kind == "house", kind == "villa"], [4.0, 12.0], 0.0)
        + rng.normal(0, 1.0, rows)
    )
    frame = pd.DataFrame(x.round(5), columns=[f"f{i}" for i in range(8)])
    frame["kind"] = kind
    frame["price"] = y.round(3)
    return frame


def signups(rows: int = 20_000, seed: int = 3) -> pd.DataFrame:
    """A binary target nearly linear in its features: the linear model's home ground."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 10))
    logit = x @ np.linspace(1.0, 0.1, 10)
    plan = rng.choice(["basic", "plus", "pro"], rows)
    logit += (plan == "pro") * 0.7
    frame = pd.DataFrame(x.round(4), columns=[f"s{i}" for i in range(10)])
    frame["plan"] = plan
    frame["signed_up"] = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return frame


TABLES: dict[str, tuple[Callable[[], pd.DataFrame], str, str]] = {
    "grades": (grades, "grade", "classification"),
    "prices": (prices, "price", "regression"),
    "signups": (signups, "signed_up", "classification"),
}


def script_score(frame: pd.DataFrame, target: str, task: str) -> float:
    """The hand-written baseline: same split, strings ordinal-encoded, default boosting."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import OrdinalEncoder

    features = frame.drop(columns=[target])
    text = [name for name in features if not pd.api.types.is_numeric_dtype(features[name])]
    features[text] = OrdinalEncoder().fit_transform(features[text])
    stratify = frame[target] if task == "classification" else None
    x_train, x_test, y_train, y_test = train_test_split(
        features, frame[target], test_size=TEST_SIZE, random_state=SEED, stratify=stratify
    )
    if task == "classification":
        model = HistGradientBoostingClassifier(random_state=SEED).fit(x_train, y_train)
        return float(accuracy_score(y_test, model.predict(x_test)))
    model = HistGradientBoostingRegressor(random_state=SEED).fit(x_train, y_train)
    return float(r2_score(y_test, model.predict(x_test)))


RELEASE_0_3_0 = "80c5d47"  # CHANGELOG.md: "## 0.3.0 — commit 80c5d47"
LINEAR = {"classification": "logistic_regression", "regression": "ridge"}
MODES = ("default", "choice", "0.3.0")


def render_at(dest: Path, ref: str) -> Path:
    from copier import run_copy

    run_copy(str(REPO), dest, defaults=True, unsafe=True, vcs_ref=ref, quiet=True)
    return dest


def configure(project: Path, dataset: str, task: str, mode: str) -> None:
    """params.yaml as a user edits it for ``mode``: their dataset and task, then the model."""
    path = project / "params.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    params["task"] = task
    params["data"]["dataset"] = dataset
    if mode == "choice":
        params["train"]["also_try"] = [LINEAR[task]]
    if mode == "0.3.0":
        params["train"]["estimator"] = "hist_gradient_boosting"
        params["train"]["hyperparameters"] = {}
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def project_run(
    tmp: Path, name: str, frame: pd.DataFrame, mode: str
) -> tuple[float, dict[str, float], str]:
    """(wall seconds of pipeline, held-out metrics, the estimator fitted) in a fresh project."""
    _, target, task = TABLES[name]
    dest = tmp / f"{name}-{mode.replace('.', '_')}"
    project = render_at(dest, RELEASE_0_3_0) if mode == "0.3.0" else render_at(dest, "HEAD")
    raw = project / "data" / "raw" / f"{name}.csv"
    frame.to_csv(raw, index=False)
    python = sys.executable
    infer = [python, "-m", PACKAGE, "contract", "infer", f"data/raw/{name}.csv"]
    _, _, _, code, err = timed(
        [*infer, "--target", target, "-o", f"contracts/{name}.yaml"], project
    )
    assert code == 0, err
    configure(project, name, task, mode)
    pipeline = [python, "-m", PACKAGE, "pipeline"]
    walls = []
    for again in (False, True, True):  # 0.3.0 always re-runs; today's skips unless --force
        forced = [*pipeline, "--force"] if again and mode != "0.3.0" else pipeline
        wall, _, _, code, err = timed(forced, project)
        assert code == 0, err
        walls.append(wall)
    metrics = json.loads((project / "reports" / "metrics.json").read_text("utf-8"))
    fitted = str(metrics.get("estimator", "hist_gradient_boosting"))
    return min(walls), metrics["metrics"], fitted


def main() -> None:
    os.environ.setdefault("LEANOPS_SKIP_LOCK", "1")
    results = []
    met = True
    lines = []
    with tempfile.TemporaryDirectory(prefix="bench-default-") as tmp_name:
        tmp = Path(tmp_name)
        warm = [sys.executable, "-m", PACKAGE, "pipeline"]
        assert timed(warm, render_at(tmp / "warm", "HEAD"))[3] == 0
        for name, (make, target, task) in TABLES.items():
            frame = make()
            metric = "accuracy" if task == "classification" else "r2"
            load = os.getloadavg()[0]
            runs = {mode: project_run(tmp, name, frame, mode) for mode in MODES}
            script = script_score(frame, target, task)
            reference_s = runs["0.3.0"][0]
            row: dict[str, object] = {
                "table": name,
                "rows": len(frame),
                "task": task,
                "metric": metric,
                "script": round(script, 4),
                "load_average_before": round(load, 2),
            }
            for mode, (wall, metrics, fitted) in runs.items():
                row[mode] = {
                    "score": round(metrics[metric], 4),
                    "fitted": fitted,
                    "wall_s": round(wall, 2),
                    "time_ratio_to_0.3.0": round(wall / reference_s, 2),
                }
            gap = runs["default"][1][metric] - script
            row["gap_to_script"] = round(gap, 4)
            results.append(row)
            (default_s, default, _), (choice_s, choice, fitted), (old_s, old, _) = runs.values()
            met = met and gap >= -MAX_GAP and default_s <= reference_s
            lines.append(
                f"| {name} | {metric} | {default[metric]:.4f} | {choice[metric]:.4f} ({fitted}) "
                f"| {old[metric]:.4f} | {script:.4f} | {gap:+.4f} | {default_s:.1f} | "
                f"{choice_s:.1f} | {old_s:.1f} | {default_s / reference_s:.2f}x |"
            )
    print(
        "| table | metric | default | choice (fitted) | 0.3.0 boosting | script | gap | "
        "default s | choice s | 0.3.0 s | default / 0.3.0 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(lines))
    report = {
        "runs": results,
        "target": {"max_gap_to_script": MAX_GAP, "max_time_ratio_to_0.3.0": 1.0},
        "met": met,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
