"""Benchmark: copy-to-green — render a project, lock, sync and run its own tests (target <= 60 s).

Steps, timed one by one in a fresh temporary folder, in an environment free of this repository's
virtual environment (as in tests/test_isolated_install.py):

1. render: ``copier copy --defaults --trust`` (the post-copy hook's ``git init`` + first commit
   included; its ``uv lock`` is skipped so that locking is timed as its own step);
2. lock: ``uv lock``;
3. sync: ``uv sync --locked`` into the project's own .venv;
4. tests: ``uv run nox -s tests`` (nox makes its session venv with ``uv sync --locked``, then runs
   the project's pytest suite).

The target assumes a warm uv cache, so the whole sequence runs twice and the second (warm) round
is the figure compared with the target; the first round is reported too. There is no alternative
to compare with: the figure is a budget. Run from the repository root:
``.venv/bin/python benchmarks/bench_copy_to_green.py``. Writes
benchmarks/results/copy_to_green.json.
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

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "copy_to_green.json"
BIN = Path(sys.executable).parent
TARGET_SECONDS = 60.0
ROUNDS = ("cold-ish (first run)", "warm uv cache")
LEAKS = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "UV_LOCKED")


def environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in LEAKS}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["LEANOPS_SKIP_LOCK"] = "1"  # locking is its own timed step
    return env


def timed(args: list[str], cwd: Path) -> float:
    """Seconds a command takes; fail loudly (a failing step's time means nothing)."""
    start = time.perf_counter()
    result = subprocess.run(
        args, cwd=cwd, env=environment(), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-3000:]
        raise SystemExit(f"{' '.join(args)} failed in {cwd}:\n{tail}")
    return elapsed


def copy_to_green(root: Path) -> dict[str, float]:
    """Time each step of one copy-to-green round in ``root``."""
    project = root / "bench-project"
    steps = {
        "render": (
            [
                str(BIN / "copier"),
                *("copy", "--defaults", "--trust", "--vcs-ref=HEAD", "--quiet"),
                *("--data=project_name=bench-project", str(REPO), str(project)),
            ],
            root,
        ),
        "lock": (["uv", "lock", "--quiet"], project),
        "sync": (["uv", "sync", "--locked", "--quiet"], project),
        "tests": (["uv", "run", "--no-sync", "nox", "-s", "tests", "--", "-q"], project),
    }
    figures = {name: timed(args, cwd) for name, (args, cwd) in steps.items()}
    figures["total"] = sum(figures.values())
    return figures


def main() -> int:
    rounds = {}
    for label in ROUNDS:
        with tempfile.TemporaryDirectory(prefix="bench-c2g-") as tmp:
            rounds[label] = copy_to_green(Path(tmp))
    warm = rounds[ROUNDS[-1]]
    print("| step | " + " | ".join(ROUNDS) + " |")
    print("|---|" + "---:|" * len(ROUNDS))
    for step in warm:
        print(f"| {step} | " + " | ".join(f"{rounds[r][step]:.1f} s" for r in ROUNDS) + " |")
    verdict = "met" if warm["total"] <= TARGET_SECONDS else "MISSED"
    print(
        f"\ncopy-to-green, warm uv cache: {warm['total']:.1f} s "
        f"(target <= {TARGET_SECONDS:.0f} s: {verdict}; ratio {warm['total'] / TARGET_SECONDS:.2f})"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "copy_to_green",
                "target_seconds": TARGET_SECONDS,
                "rounds": {
                    label: {k: round(v, 2) for k, v in r.items()} for label, r in rounds.items()
                },
                "warm_total_seconds": round(warm["total"], 2),
                "target_met": warm["total"] <= TARGET_SECONDS,
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
