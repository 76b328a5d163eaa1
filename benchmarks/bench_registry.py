"""Benchmark: the generated project's registry, both backends, against MLflow's own registry calls.

Run from the repository root: ``.venv/bin/python benchmarks/bench_registry.py``. Renders a project
with default answers into a temporary folder, then measures in the same run:

- local registry (``models/<dataset>/audit.jsonl``): promote and rollback bookkeeping (lock,
  derive the state from the audit log, one fsynced appended line), p50 of many calls; reading the
  state back from a log of 1,000 records as a new command does (parse and check every record);
  registering a small model (three files + one line);
- one whole ``promote`` with its gate (load and verify both models, score both on the candidate's
  held-out rows), for reference: this is what a user waits for;
- MLflow, on a sqlite store and on a real ``mlflow server`` (basic-auth app, 127.0.0.1): MLflow's
  alias swap (``set_registered_model_alias``, what promoting is in MLflow alone) against our
  MLflow registry's ``set_production`` on the same store (read the shared audit log, claim the next
  record — the compare-and-set — then move the alias).

Writes ``benchmarks/results/registry.json`` and prints a markdown table. Drift figures moved to
``bench_drift.py``.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

os.environ["LEANOPS_SKIP_LOCK"] = "1"
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "registry.json"
PACKAGE = "ml_project"
CALLS = 200
SERVER_CALLS = 30
TARGETS = {"promote_ms": 5.0, "rollback_ms": 5.0, "state_1000_records_ms": 50.0}


def render(destination: Path) -> Path:
    import copier

    copier.run_copy(str(REPO), destination, defaults=True, unsafe=True, vcs_ref="HEAD", quiet=True)
    return destination


def lib(module: str) -> ModuleType:
    """Import ``leanops_runtime.<module>`` (the project's package first: it binds the runtime)."""
    importlib.import_module(PACKAGE)
    return importlib.import_module(f"leanops_runtime.{module}")


def p50_ms(action: Callable[[int], object], calls: int = CALLS) -> float:
    """Median wall time of ``action(i)`` in milliseconds (after a few warm-up calls)."""
    for i in range(3):
        action(i)
    times = []
    for i in range(calls):
        start = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def candidate(settings: object, model: object) -> object:
    """A registration of ``model`` with a tiny holdout and reference."""
    import pandas as pd

    frame = pd.DataFrame({"x": [0.0, 1.0], "target": [0, 1]})
    return lib("registry").Candidate(
        model=model,
        holdout=frame,
        reference={"features": {}},
        metrics={"roc_auc": 0.5},
        dataset=settings.data.dataset,  # type: ignore[attr-defined]
        task="classification",
        target="target",
        estimator="dummy",
    )


def bench_changes(registry: object, settings: object, calls: int) -> dict[str, float]:
    """promote / rollback / register p50 on ``registry`` (either backend)."""
    from sklearn.dummy import DummyClassifier

    model = DummyClassifier().fit([[0.0], [1.0]], [0, 1])
    for _ in range(3):
        registry.register(candidate(settings, model))  # type: ignore[attr-defined]

    def promote(i: int) -> None:
        current = registry.alias("production")  # type: ignore[attr-defined]
        others = [version for version in (1, 2, 3) if version != current]
        registry.set_production(others[i % 2])  # type: ignore[attr-defined]

    promote_ms = p50_ms(promote, calls)
    durations: list[float] = []
    for i in range(calls):
        promote(i)
        start = time.perf_counter()
        registry.rollback(reason="bench")  # type: ignore[attr-defined]
        durations.append(time.perf_counter() - start)
    register_ms = p50_ms(
        lambda _: registry.register(candidate(settings, model)),  # type: ignore[attr-defined]
        max(calls // 10, 5),
    )
    return {
        "promote_ms": promote_ms,
        "rollback_ms": statistics.median(durations) * 1000,
        "register_ms": register_ms,
    }


def bench_local(project: Path) -> dict[str, float]:
    settings = lib("settings").load_settings(project)
    registry = lib("registry").open_registry(settings, project)
    figures = bench_changes(registry, settings, CALLS)
    while len(registry.audit()) < 1_000:
        registry.set_production(1 if registry.alias("production") != 1 else 2)
    # What a new command pays: read and check the whole log, derive the state (no cache).
    open_registry = lib("registry").open_registry
    figures["state_1000_records_ms"] = p50_ms(
        lambda _: open_registry(settings, project).state(), 20
    )
    return figures


def bench_full_promote(project: Path) -> float:
    """One ``promote`` as the user runs it: gate (both models scored and timed) and the swap."""
    sys.path.insert(0, str(REPO / "runtime" / "tests"))  # the runtime's test models
    from _models import fit, register

    settings = lib("settings").load_settings(project)
    settings = settings.model_copy(update={"models_dir": project / "models-full"})
    registry = lib("registry").open_registry(settings, project)
    register(registry, settings, fit(settings))
    registry.set_production(1)
    register(registry, settings, fit(settings))
    start = time.perf_counter()
    _, record = lib("promotion").promote(registry, settings.promotion)
    elapsed = time.perf_counter() - start
    assert record is not None
    return elapsed * 1000


def bench_mlflow(project: Path, uri: str, calls: int) -> tuple[dict[str, float], dict[str, float]]:
    """Our MLflow registry, and MLflow's bare alias swap, on the store at ``uri``."""
    from mlflow import MlflowClient

    os.environ["MLFLOW_TRACKING_URI"] = uri
    settings = lib("settings").load_settings(project)
    settings = settings.model_copy(update={"tracking_backend": "mlflow"})
    registry = lib("registry").open_registry(settings, project)
    ours = bench_changes(registry, settings, calls)
    ours["state_ms"] = p50_ms(lambda _: registry.state(), calls)
    client = MlflowClient(tracking_uri=uri)
    name = registry.model_name  # type: ignore[attr-defined]
    swap = p50_ms(
        lambda i: client.set_registered_model_alias(name, "production", str(1 + i % 3)), calls
    )
    return ours, {"promote_ms": swap, "rollback_ms": swap}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def mlflow_server(project: Path, folder: Path) -> Iterator[str]:
    """``mlflow server`` with the project's basic-auth ini; yields its URL (user: admin)."""
    port = free_port()
    env = {
        **os.environ,
        "MLFLOW_AUTH_CONFIG_PATH": str(project / "team" / "basic_auth.ini"),
        "MLFLOW_AUTH_ADMIN_PASSWORD": "bench-admin-password",
        "MLFLOW_FLASK_SERVER_SECRET_KEY": "bench-only",
    }
    command = [
        str(Path(sys.executable).parent / "mlflow"),
        *("server", "--app-name", "basic-auth", "--host", "127.0.0.1", "--port", str(port)),
        *("--backend-store-uri", f"sqlite:///{folder / 'server.db'}"),
        *("--artifacts-destination", str(folder / "artifacts"), "--workers", "1"),
    ]
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=5):  # noqa: S310
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((folder / "server.log").read_text()) from None
                time.sleep(0.5)
        os.environ["MLFLOW_TRACKING_USERNAME"] = "admin"
        os.environ["MLFLOW_TRACKING_PASSWORD"] = "bench-admin-password"  # noqa: S105 (a throwaway server)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        log.close()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-registry-") as scratch_name:
        scratch = Path(scratch_name)
        project = render(scratch / "ml-project")
        sys.path.insert(0, str(project / "src"))
        os.chdir(project)
        results: dict[str, dict[str, float | None]] = {"local": bench_local(project)}
        results["local"]["promote_with_gate_ms"] = bench_full_promote(project)
        ours, theirs = bench_mlflow(project, f"sqlite:///{scratch / 'mlflow.db'}", CALLS // 4)
        results["leanops_on_mlflow_sqlite"] = dict(ours)
        results["mlflow_alone_sqlite"] = dict(theirs)
        (scratch / "server").mkdir()
        with mlflow_server(project, scratch / "server") as url:
            ours, theirs = bench_mlflow(project, url, SERVER_CALLS)
        results["leanops_on_mlflow_server"] = dict(ours)
        results["mlflow_alone_server"] = dict(theirs)
        os.chdir(REPO)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "results": results,
                "targets": TARGETS,
                "what": {
                    "local": "files: audit.jsonl under a filelock, fsynced",
                    "leanops_on_mlflow_*": "read the ledger, claim the next record, move alias",
                    "mlflow_alone_*": "MlflowClient.set_registered_model_alias only",
                },
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "mlflow": __import__("mlflow").__version__,
                },
                "command": ".venv/bin/python benchmarks/bench_registry.py",
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    keys = sorted({key for figures in results.values() for key in figures})
    print("| figure (ms) | target | " + " | ".join(results) + " |")
    print("|---|---|" + "---|" * len(results))
    for key in keys:
        target = TARGETS.get(key)
        cells = [
            "-" if figures.get(key) is None else f"{figures[key]:.2f}"
            for figures in results.values()
        ]
        print(f"| {key} | {'<= ' + format(target, 'g') if target else '-'} | {' | '.join(cells)} |")
    print(f"\nwrote {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
