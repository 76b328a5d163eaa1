"""Benchmark: the generated project's drift check, its error rates, and the report page.

Run from the repository root: ``.venv/bin/python benchmarks/bench_drift.py``. Renders a project
with default answers into a temporary folder, then measures in the same run:

- drift of 100,000 rows x 12 columns (10 numeric, 2 categorical) against the stored reference,
  and the real alternative on the same batch: ``scipy.stats.ks_2samp`` against the full reference
  sample plus ``numpy.histogram`` PSI per column (and a chi-square test per categorical column);
- the false-warning rate of same-distribution batches at 100, 1,000 and 10,000 rows and the
  detection rates of a 0.5 SD mean shift and a doubled category share at 1,000 rows, with the
  simulation of the project's own test (runtime/tests/test_drift_simulation.py), 2,000 batches per
  size (500 for the detection rates);
- the report page: its size, and the import and drawing time of its charts (matplotlib).

Writes ``benchmarks/results/drift.json`` and prints a markdown table.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ["LEANOPS_SKIP_LOCK"] = "1"

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "drift.json"
PACKAGE = "ml_project"
TARGETS = {"drift_100k_x12_s": 1.0, "false_warning_rate": 0.05}
FALSE_BATCHES = int(os.environ.get("BENCH_DRIFT_BATCHES", "2000"))
DETECTION_BATCHES = FALSE_BATCHES // 4


def render(destination: Path) -> Path:
    import copier

    copier.run_copy(str(REPO), destination, defaults=True, unsafe=True, vcs_ref="HEAD", quiet=True)
    return destination


def best_s(action: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


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
    from scipy.stats import chi2_contingency, ks_2samp

    out = {}
    for name in reference.columns:
        if not is_numeric_dtype(reference[name]):
            ref = reference[name].value_counts()
            cur = batch[name].value_counts().reindex(ref.index, fill_value=0)
            p = np.clip(ref.to_numpy() / ref.sum(), 1e-4, None)
            q = np.clip(cur.to_numpy() / cur.sum(), 1e-4, None)
            test = chi2_contingency(np.vstack([ref.to_numpy(), cur.to_numpy()]))
            out[name] = (float(np.sum((q - p) * np.log(q / p))), float(test.pvalue))
            continue
        edges = np.quantile(reference[name], np.linspace(0, 1, 11))
        edges[0], edges[-1] = -np.inf, np.inf
        p = np.histogram(reference[name], edges)[0] / len(reference)
        q = np.histogram(batch[name], edges)[0] / len(batch)
        p, q = np.clip(p, 1e-4, None), np.clip(q, 1e-4, None)
        test = ks_2samp(reference[name], batch[name])
        out[name] = (float(np.sum((q - p) * np.log(q / p))), float(test.pvalue))
    return out


def bench_speed(drift: Any) -> tuple[dict[str, float], dict[str, float]]:
    reference_frame, batch = drift_frames()
    numeric = [f"x{i}" for i in range(10)]
    reference = drift.reference_stats(reference_frame, numeric, ["c0", "c1"])
    report = drift.check(reference, batch)
    assert set(report.flagged("warn")) >= {"x1", "x2", "x4", "x5"}, report
    ours = {
        "drift_100k_x12_s": best_s(lambda: drift.check(reference, batch)),
        "reference_stats_100k_x12_s": best_s(
            lambda: drift.reference_stats(reference_frame, numeric, ["c0", "c1"])
        ),
        "reference_json_bytes": float(len(json.dumps(reference))),
    }
    theirs = {"drift_100k_x12_s": best_s(lambda: scipy_check(reference_frame, batch))}
    return ours, theirs


def bench_rates(project: Path) -> dict[str, float]:
    sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "runtime" / "tests")]
    import test_drift_simulation as sim

    rates: dict[str, float] = {}
    for rows in (100, 1000, 10_000):
        rates[f"false_warning_rate_{rows}_rows"] = sim.rate(
            rows, FALSE_BATCHES, lambda rng, rows=rows: sim.population(rng, rows), sim.warns
        )
    rates["detected_0_5_sd_shift_1000_rows"] = sim.rate(
        5,
        DETECTION_BATCHES,
        lambda rng: sim.population(rng, 1000, shift=0.5),
        lambda report: "n0" in report.flagged("warn"),
    )
    doubled = sim.doubled()
    rates["detected_doubled_category_1000_rows"] = sim.rate(
        6,
        DETECTION_BATCHES,
        lambda rng: sim.population(rng, 1000, shares=doubled),
        lambda report: "c0" in report.flagged("warn"),
    )
    return rates


def bench_report(project: Path) -> dict[str, float]:
    """Page size of a working project's report, and what its charts cost."""
    env = {**os.environ, "PYTHONPATH": "src"}

    def cli(*args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", PACKAGE, *args], cwd=project, env=env, check=True,
            capture_output=True,
        )  # fmt: skip

    shift = (
        "from ml_project.datasets import TARGET\nfrom leanops_runtime.data import load_embedded\n"
        "f = load_embedded('breast_cancer').drop(columns=[TARGET])\n"
        "f['mean_texture'] += 3 * f['mean_texture'].std()\nf.to_csv('shifted.csv', index=False)\n"
    )
    for args in (["pipeline"], ["promote"], ["pipeline", "--force"], ["contract", "check"]):
        cli(*args)
    subprocess.run([sys.executable, "-c", shift], cwd=project, env=env, check=True)
    cli("drift", "shifted.csv")
    start = time.perf_counter()
    cli("report")
    report_s = time.perf_counter() - start
    page = (project / "reports" / "report.html").read_bytes()
    imports = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import matplotlib.figure"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr.splitlines()
    matplotlib_us = next(
        int(line.split("|")[1]) for line in imports if line.rstrip().endswith("matplotlib.figure")
    )
    return {
        "report_page_bytes": float(len(page)),
        "report_svg_bytes": float(sum(len(part) for part in page.split(b"<svg")[1:])),
        "report_command_s": report_s,
        "matplotlib_figure_import_s": matplotlib_us / 1e6,
    }


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-drift-") as scratch_name:
        project = render(Path(scratch_name) / "ml-project")
        sys.path.insert(0, str(project / "src"))
        drift = __import__("leanops_runtime.drift", fromlist=["check"])
        ours, theirs = bench_speed(drift)
        rates = bench_rates(project)
        report = bench_report(project)
    results = {
        "results": {"leanops": ours | rates | report, "alternative": theirs},
        "alternative": {
            "drift_100k_x12_s": "scipy ks_2samp (full reference) + numpy histogram PSI, "
            "chi2_contingency per categorical"
        },
        "batches": {"false_warning": FALSE_BATCHES, "detection": DETECTION_BATCHES},
        "targets": TARGETS,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print("| figure | leanops | alternative |")
    print("|---|---|---|")
    for key, value in results["results"]["leanops"].items():
        other = theirs.get(key)
        print(f"| {key} | {value:.4g} | {'-' if other is None else format(other, '.4g')} |")
    print(f"\nwrote {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
