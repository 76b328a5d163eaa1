"""Benchmark: how much of a project the team reads, and how far ``pipeline`` travels.

A default project rendered from this working tree and one rendered from the 0.3.0 release
commit (whose machinery was vendored into every project), in the same run. For each:

- the files git tracks in the project, and the lines of Python in its ``src/`` and ``tests/``;
- the lines of Python of the machinery: 0.3.0's ``src/<package>/mlops``, now the runtime library;
- the machinery modules a first ``pipeline`` passes through on the embedded data: those it
  imports, and those with a function called (class bodies and the methods dataclasses write
  are not calls), traced with ``sys.setprofile`` in a child process.

Targets: a project of at most 60 files and 1,000 lines of Python; a library of at most 7,000
lines; at most 15 library modules with a function called by ``pipeline``.

Run from the repository root: ``.venv/bin/python benchmarks/bench_weight.py``.
Writes benchmarks/results/weight.json.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from bench_byod import PACKAGE
from bench_default_model import RELEASE_0_3_0, render_at

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "weight.json"
LIBRARY = REPO / "runtime" / "src" / "leanops_runtime"
MAX_FILES, MAX_LINES, MAX_LIBRARY_LINES, MAX_MODULES = 60, 1_000, 7_000, 15

# Run in the project's folder: ``pipeline`` under a profiler that notes the module of
# every function called whose name starts with argv[1]; prints what it imported and called.
TRACE = """
import json, runpy, sys
prefix, called = sys.argv[1], set()
NEW_LOCALS = 0x2  # set for functions; not for module and class bodies

def note(frame, event, arg):
    code = frame.f_code
    if event == "call" and code.co_flags & NEW_LOCALS and code.co_name != "__create_fn__":
        module = frame.f_globals.get("__name__", "")
        if module == prefix or module.startswith(prefix + "."):
            called.add(module)

sys.argv = [sys.argv[2], "pipeline"]
sys.setprofile(note)
try:
    runpy.run_module(sys.argv[0], run_name="__main__")
except SystemExit as end:
    code = end.code
finally:
    sys.setprofile(None)
imported = [m for m, v in sys.modules.items()
            if (m == prefix or m.startswith(prefix + ".")) and getattr(v, "__file__", None)]
print(json.dumps({"exit": code, "imported": sorted(imported), "called": sorted(called)}))
"""


@dataclass
class Weight:
    """One project's figures (see the module's docstring)."""

    files: int
    project_python_lines: int  # src/ and tests/, vendored machinery included
    team_python_lines: int  # the same without the vendored machinery
    library_python_lines: int  # the machinery's own code: 0.3.0's mlops package, or the runtime
    pipeline_imports: list[str]
    pipeline_calls: list[str]


def python_lines(paths: list[Path]) -> int:
    return sum(len(path.read_text(encoding="utf-8").splitlines()) for path in paths)


def path_of_pipeline(project: Path, prefix: str) -> tuple[list[str], list[str]]:
    """The modules under ``prefix`` that ``pipeline`` imports and calls, in a child."""
    env = {**os.environ, "PYTHONPATH": "src"}
    done = subprocess.run(
        [sys.executable, "-c", TRACE, prefix, PACKAGE],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}
    if found.get("exit") not in (0, None) or not found:
        raise SystemExit(f"pipeline failed in {project}:\n{done.stderr[-2000:]}")
    return list(found["imported"]), list(found["called"])


def weigh(project: Path, library: Path, prefix: str, vendored: tuple[str, ...] = ()) -> Weight:
    """``project``'s figures; ``vendored``: its folders holding machinery (0.3.0), not team code."""
    listing = subprocess.run(
        ["git", "ls-files"], cwd=project, capture_output=True, text=True, check=True
    )
    files = listing.stdout.splitlines()
    python = [f for f in files if f.endswith(".py") and f.startswith(("src/", "tests/"))]
    team = [project / f for f in python if not f.startswith(vendored or ("//",))]
    imported, called = path_of_pipeline(project, prefix)
    return Weight(
        files=len(files),
        project_python_lines=python_lines([project / f for f in python]),
        team_python_lines=python_lines(team),
        library_python_lines=python_lines(sorted(library.rglob("*.py"))),
        pipeline_imports=imported,
        pipeline_calls=called,
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["LEANOPS_SKIP_LOCK"] = "1"  # the lock is not what is weighed
        now = render_at(Path(scratch) / "now", "HEAD")
        old = render_at(Path(scratch) / "old", RELEASE_0_3_0)
        current = weigh(now, LIBRARY, "leanops_runtime")
        machinery = (f"src/{PACKAGE}/mlops/", "tests/mlops/")
        before = weigh(old, old / "src" / PACKAGE / "mlops", f"{PACKAGE}.mlops", machinery)
    targets = {
        "project files": current.files <= MAX_FILES,
        "project lines": current.project_python_lines <= MAX_LINES,
        "library lines": current.library_python_lines <= MAX_LIBRARY_LINES,
        "modules pipeline calls": len(current.pipeline_calls) <= MAX_MODULES,
    }
    print(f"{'':32}{'now':>8}{'0.3.0':>8}{'ratio':>8}")
    for name, value, old_value in (
        ("files in the project", current.files, before.files),
        (
            "Python lines, src/ and tests/",
            current.project_python_lines,
            before.project_python_lines,
        ),
        ("  outside vendored machinery", current.team_python_lines, before.team_python_lines),
        ("machinery Python lines", current.library_python_lines, before.library_python_lines),
        ("modules pipeline imports", len(current.pipeline_imports), len(before.pipeline_imports)),
        ("modules pipeline calls", len(current.pipeline_calls), len(before.pipeline_calls)),
    ):
        print(f"{name:32}{value:>8}{old_value:>8}{value / old_value:>7.2f}x")
    print("targets met:", ", ".join(f"{k} {'yes' if ok else 'NO'}" for k, ok in targets.items()))
    RESULTS.parent.mkdir(exist_ok=True)
    record = {"machine": platform.platform(), "cpus": os.cpu_count(), "targets": targets}
    body = {**record, "now": asdict(current), "0.3.0": asdict(before)}
    RESULTS.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
