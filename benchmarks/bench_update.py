"""Benchmark: ``leanops update`` against a sequential ``copier update`` loop, on 25 projects.

Two fleets of 25 identical projects (generated once from v1 of a temporary template repository,
then copied), each with one committed local edit. Measured in the same run:

1. v1 -> v2: ``leanops update FLEET --jobs 2`` against ``copier update --trust --defaults
   --skip-answered`` run in each project, one after the other, as a user would (target >= 2x).
2. the same fleets once up to date: ``leanops update FLEET`` against the same loop (target
   >= 20x), since Copier renders three times even when there is nothing to do.

Both run with the machine's defaults: leanops keeps Copier's throw-away renders in /dev/shm
when it can (see generator/scratch.py), the loop uses the system's temporary folder.

Run from the repository root: ``.venv/bin/python benchmarks/bench_update.py``. Writes
benchmarks/results/update.json.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "update.json"
BIN = Path(sys.executable).parent
PROJECTS = 25
JOBS = 2
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
GIT += ["-c", "commit.gpgsign=false"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command; fail loudly (a benchmark of a failing command means nothing)."""
    env = {**os.environ, "LEANOPS_SKIP_LOCK": "1"}
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {cwd}:\n{result.stdout}\n{result.stderr}")
    return result


def make_template(root: Path) -> Path:
    """A template repository with tags v1 (this working tree) and v2 (a changed seed, a new
    file): the kind of release a team pulls."""
    template = root / "template-repo"
    template.mkdir()
    for part in ("copier.yml", "template", "hooks"):
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, template / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, template / part)
    run(*GIT, "init", "-q", "-b", "main", cwd=template)
    for tag in ("v1", "v2"):
        if tag == "v2":
            params = template / "template" / "params.yaml.jinja"
            params.write_text(params.read_text().replace("seed: 42", "seed: 1234"))
            (template / "template" / "docs" / "UPGRADING.md").write_text("# Upgrading\n")
        run(*GIT, "add", "-A", cwd=template)
        run(*GIT, "commit", "-q", "-m", tag, cwd=template)
        run(*GIT, "tag", tag, cwd=template)
    return template


def make_fleet(template: Path, fleet: Path) -> list[Path]:
    """25 projects generated from v1 (one render, copied), each with its own committed edit."""
    first = fleet / "project00"
    fleet.mkdir()
    copier = str(BIN / "copier")
    run(copier, "copy", "--trust", "--defaults", "--quiet", "--vcs-ref", "v1", str(template),
        str(first))  # fmt: skip
    projects = [first]
    for index in range(1, PROJECTS):
        projects.append(fleet / f"project{index:02d}")
        shutil.copytree(first, projects[-1], symlinks=True)
    for index, project in enumerate(projects):
        params = project / "params.yaml"
        params.write_text(params.read_text().replace("C: 1.0", f"C: {index + 2}.5"))
        run(*GIT, "commit", "-q", "-am", "local edit", cwd=project)
    return projects


def copier_loop(projects: list[Path]) -> float:
    """Seconds for ``copier update`` in each project, one after the other."""
    copier = str(BIN / "copier")
    start = time.perf_counter()
    for project in projects:
        run(copier, "update", "--trust", "--defaults", "--skip-answered", "--quiet", cwd=project)
    return time.perf_counter() - start


def leanops(fleet: Path) -> tuple[float, list[dict]]:
    """Seconds for ``leanops update FLEET --jobs 2`` and its per-project results."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "generator", "update", str(fleet), "--jobs", str(JOBS), "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "LEANOPS_SKIP_LOCK": "1"},
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"leanops update failed:\n{result.stdout}\n{result.stderr}")
    return elapsed, json.loads(result.stdout)["projects"]


def main() -> int:
    """Measure both cases, print a markdown table, write the JSON results."""
    with tempfile.TemporaryDirectory(prefix="bench-update-") as tmp:
        root = Path(tmp)
        template = make_template(root)
        ours, theirs = make_fleet(template, root / "leanops"), make_fleet(template, root / "loop")

        loop_update = copier_loop(theirs)
        leanops_update, results = leanops(root / "leanops")
        assert [r["status"] for r in results] == ["updated"] * PROJECTS, results
        for project in theirs:
            assert "_commit: v2" in (project / ".copier-answers.yml").read_text()
            run(*GIT, "add", "-A", cwd=project)
            run(*GIT, "commit", "-q", "-m", "update", cwd=project)
        for project in ours:
            run(*GIT, "merge", "-q", "--ff-only", "template-update/v2", cwd=project)

        loop_noop = copier_loop(theirs)
        leanops_noop, results = leanops(root / "leanops")
        assert [r["status"] for r in results] == ["up to date"] * PROJECTS, results

    rows = [
        {
            "figure": f"update {PROJECTS} projects v1 -> v2",
            "leanops_s": round(leanops_update, 2),
            "alternative": "sequential `copier update` loop",
            "alternative_s": round(loop_update, 2),
            "ratio": round(loop_update / leanops_update, 2),
            "target": 2.0,
        },
        {
            "figure": f"{PROJECTS} projects already up to date",
            "leanops_s": round(leanops_noop, 3),
            "alternative": "sequential `copier update` loop",
            "alternative_s": round(loop_noop, 2),
            "ratio": round(loop_noop / leanops_noop, 1),
            "target": 20.0,
        },
    ]
    print("| figure | leanops (s) | alternative | alternative (s) | ratio | target |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['figure']} | {row['leanops_s']} | {row['alternative']} | "
            f"{row['alternative_s']} | {row['ratio']}x | >= {row['target']}x |"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    meta = {"projects": PROJECTS, "jobs": JOBS, "cpus": os.cpu_count()}
    RESULTS.write_text(json.dumps({**meta, "results": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
