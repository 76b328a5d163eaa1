"""What every tracked run offers, whichever backend stores it, the records ``runs`` reads, and
which backend that is.

``TrackedRun`` is the API a stage writes through (``run.log_metric(...)``); ``RunSummary`` and
``RunDetails`` are what reading a run gives, the same fields for the embedded store and MLflow.
``start_run`` and ``run_store`` open the backend the settings' ``tracking_backend`` names
(params.yaml, overridden by ``.env``, overridden by the environment); the environment variable
alone is read first, so the embedded store starts without loading the settings.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self, TypedDict, cast

from ..errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from ..settings import Settings

BACKENDS = ("local", "mlflow")

STATUSES = ("running", "finished", "failed", "crashed")
# What a run cost, logged as metrics when its ``with`` block ends (``RunBlock.cost``).
COST_PREFIX = "cost."
COSTS = ("cost.wall_s", "cost.cpu_s", "cost.peak_rss_mb", "cost.written_mb")


class TrackingError(UserError):
    """The store cannot be used or a run is not found; the message is one line for the user."""


class DatasetRecord(TypedDict):
    """A dataset a run read: its full-content fingerprint and contract version."""

    name: str
    sha256: str
    rows: int
    columns: int
    contract_version: str | None
    schema: list[list[str]]


class ArtifactRecord(TypedDict):
    """A file a run wrote: its path (relative to the project when inside it), size and hash."""

    path: str
    size: int
    sha256: str


class MetricPoint(TypedDict):
    """One logged metric value."""

    key: str
    value: float
    step: int
    time: float


class RunSummary(TypedDict):
    """One run as ``runs list`` shows it (times are epoch seconds, UTC)."""

    id: str
    name: str
    dataset: str | None  # the dataset the run is about: its ``dataset`` tag
    status: str
    start_time: float
    end_time: float | None
    user: str | None
    host: str | None
    git_commit: str | None
    git_dirty: bool | None
    python: str | None
    platform: str | None
    lock_sha256: str | None
    error: str | None
    cost: dict[str, float]  # what it cost (``COSTS``), once its block ended


class RunRecord(RunSummary):
    """One run's parameters, tags and latest metrics: what reading it once costs, without its
    metric history or files (one request to a server)."""

    params: dict[str, object]
    tags: dict[str, str]
    metrics: dict[str, float]


class RunDetails(RunRecord):
    """Everything recorded about one run (``runs show``)."""

    metric_history: list[MetricPoint]
    datasets: list[DatasetRecord]
    feature_steps: list[dict[str, object]]
    artifacts: list[ArtifactRecord]


class TrackedRun(Protocol):
    """A run being recorded; a context manager (finished, or failed when the block raises)."""

    id: str
    name: str
    status: str

    def log_param(self, key: str, value: object) -> None:
        """Record one parameter."""

    def log_params(self, params: Mapping[str, object]) -> None:
        """Record several parameters."""

    def log_metric(self, key: str, value: float, step: int = 0) -> None:
        """Record one metric value."""

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        """Record many metric values at once."""

    def set_tag(self, key: str, value: object) -> None:
        """Set a tag."""

    def log_dataset(
        self, name: str, df: pd.DataFrame, contract_version: str | int | None = None
    ) -> DatasetRecord:
        """Record a dataset's full-content fingerprint."""

    def log_feature_steps(self, pipeline: object) -> list[dict[str, object]]:
        """Record a fitted pipeline's steps."""

    def log_artifact(self, path: Path | str, *, upload: bool = True) -> ArtifactRecord:
        """Record a file the run wrote (path, size, SHA-256); on a server, also upload it
        unless ``upload`` is False."""

    def end(self, status: str = "finished", error: str | None = None) -> None:
        """Close the run."""

    def __enter__(self) -> TrackedRun:
        """Make the run current."""

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        """End the run: finished, or failed with the error (which is not swallowed)."""


class RunStore(Protocol):
    """Reading runs back: what ``runs list|show|compare|export`` use, for either backend."""

    def describe(self) -> str:
        """Where the runs are (a file, or a server's experiment)."""

    def exists(self) -> bool:
        """Whether any run was ever recorded there."""

    def list_runs(
        self,
        status: str | None = None,
        name: str | None = None,
        tags: Sequence[str] = (),
        limit: int | None = None,
    ) -> list[RunSummary]:
        """Runs, newest first, filtered by status, name and tags (each ``key`` or ``key=value``;
        a run has every one)."""

    def get_run(self, run_id: str) -> RunDetails:
        """One run (id or unique prefix)."""

    def get_record(self, run_id: str) -> RunRecord:
        """One run's record without its metric history or files (id or unique prefix)."""


# The runs started with ``start_run`` in this process, innermost last.
_active: list[TrackedRun] = []


def activate(run: TrackedRun) -> None:
    """Make ``run`` the current run (``start_run``'s ``with`` block does it)."""
    _active.append(run)


def deactivate(run: TrackedRun) -> None:
    """``run`` is no longer current."""
    if run in _active:
        _active.remove(run)


def current_run() -> TrackedRun | None:
    """The innermost run started with ``start_run`` in this process, for code deep in a stage."""
    return _active[-1] if _active else None


def error_text(error: BaseException) -> str:
    """``Type: first line`` of an exception, as a failed run records it."""
    message = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {message}".rstrip(": ")


class RunBlock:
    """What a ``with`` block of a run does, for both backends: the run is current inside it,
    then ends finished (or failed, with the error's first line, when the block raises), having
    logged what it cost (``cost``)."""

    _started: tuple[float, float] | None = None
    _written: int = 0

    def end(self, status: str = "finished", error: str | None = None) -> None:
        raise NotImplementedError

    def wrote(self, record: ArtifactRecord) -> ArtifactRecord:
        """Count a file the run logged into what it wrote (each backend's ``log_artifact``)."""
        self._written += record["size"]
        return record

    def cost(self) -> dict[str, float]:
        """Wall and CPU seconds since the block began (CPU: every thread of this process),
        the process's peak resident memory so far, and the megabytes of the files it logged."""
        wall, cpu = self._started or (time.perf_counter(), time.process_time())
        return {
            "cost.wall_s": round(time.perf_counter() - wall, 3),
            "cost.cpu_s": round(time.process_time() - cpu, 3),
            "cost.peak_rss_mb": round(peak_rss_mb(), 1),
            "cost.written_mb": round(self._written / 1e6, 3),
        }

    def __enter__(self) -> Self:
        self._started = (time.perf_counter(), time.process_time())
        activate(cast("TrackedRun", self))  # every subclass is a TrackedRun
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        deactivate(cast("TrackedRun", self))
        failed = error is not None and not (
            isinstance(error, SystemExit) and error.code in (0, None)
        )
        try:
            cast("TrackedRun", self).log_metrics(self.cost())
        except Exception:  # a store gone with the error being raised: that error says more
            if not failed:
                raise
        if failed:
            self.end("failed", error_text(cast("BaseException", error)))
        else:
            self.end("finished")


def peak_rss_mb() -> float:
    """The process's peak resident memory in MB (0 where the platform does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, else KiB


class Comparison(TypedDict):
    """Several runs side by side: each key's value per run, and the keys whose values differ."""

    runs: list[str]
    params: dict[str, list[object]]
    tags: dict[str, list[object]]
    metrics: dict[str, list[object]]
    data: dict[str, list[object]]
    params_differ: list[str]
    tags_differ: list[str]
    metrics_differ: list[str]
    data_differ: list[str]


def compare(runs: list[RunDetails]) -> Comparison:
    """Params, tags (what was fitted: ``estimator``, ``model_version``; MLflow's own left out),
    latest metrics and the data each run read (by dataset: its data version and rows) of
    several runs side by side, with the keys that differ."""
    params = _side_by_side([run["params"] for run in runs])
    tags = _side_by_side(
        [{k: v for k, v in run["tags"].items() if not k.startswith("mlflow.")} for run in runs]
    )
    metrics = _side_by_side([run["metrics"] for run in runs])
    data = _side_by_side(
        [
            {d["name"]: f"{d['sha256'][:12]} ({d['rows']} rows)" for d in run["datasets"]}
            for run in runs
        ]
    )
    return {
        "runs": [run["id"] for run in runs],
        "params": params,
        "tags": tags,
        "metrics": metrics,
        "data": data,
        "params_differ": _differ(params),
        "tags_differ": _differ(tags),
        "metrics_differ": _differ(metrics),
        "data_differ": _differ(data, unknown_alike=True),
    }


def _side_by_side(values_of: list[Mapping[str, object]]) -> dict[str, list[object]]:
    keys = sorted({key for values in values_of for key in values})
    return {key: [values.get(key) for values in values_of] for key in keys}


def _differ(rows: Mapping[str, list[object]], *, unknown_alike: bool = False) -> list[str]:
    """The keys whose values differ between runs; with ``unknown_alike``, a run that recorded
    none (a ``train`` run records no dataset) differs from none."""
    import json

    return sorted(
        key
        for key, values in rows.items()
        if len(
            {
                json.dumps(v, sort_keys=True, default=str)
                for v in values
                if not (unknown_alike and v is None)
            }
        )
        > 1
    )


def env_backend() -> str:
    """The variable choosing the backend: ``ML_PROJECT_TRACKING_BACKEND`` for ``ml_project``."""
    from .local import env_db

    return env_db().removesuffix("_DB") + "_BACKEND"


def backend_choice(
    backend: str | None = None, root: Path | str | None = None, settings: Settings | None = None
) -> str:
    """The backend: ``backend``, else the settings' ``tracking_backend`` (environment first)."""
    choice = backend or os.environ.get(env_backend())
    if not choice:
        if settings is None:
            from ..settings import PARAMS_FILE, load_settings

            folder = Path(root if root is not None else ".")
            if not (folder / PARAMS_FILE).is_file():  # a script outside a project
                return "local"
            settings = load_settings(folder)
        choice = settings.tracking_backend
    if choice not in BACKENDS:
        known = ", ".join(BACKENDS)
        raise TrackingError(f"unknown tracking backend {choice!r}; use one of {known}")
    return choice


def start_run(
    name: str,
    *,
    params: Mapping[str, object] | None = None,
    tags: Mapping[str, object] | None = None,
    db: Path | str | None = None,
    backend: str | None = None,
    root: Path | str | None = None,
    settings: Settings | None = None,
) -> TrackedRun:
    """Start a run; use as ``with start_run("train", params=...) as run:``.

    The run is finished when the block ends, failed (and the error re-raised) when it raises, and
    read as crashed later if its process died without either.
    """
    from ..settings import setting_variables, variable_names
    from .environment import template_commit

    project = root if root is not None else "."
    template = template_commit(project)
    if template is not None:  # which template (and runtime) the project was on
        tags = {"template_commit": template, **(tags or {})}
    overrides = settings.from_variables if settings is not None else None
    if overrides is None:
        overrides = setting_variables(variable_names(project))
    if overrides:  # the params came in part from these, not from params.yaml
        tags = {"settings_from_variables": ", ".join(overrides), **(tags or {})}
    if backend_choice(backend, root, settings) == "mlflow":
        from .mlflow_backend import MlflowRun
        from .mlflow_client import Connection

        connection = Connection.of(settings, root if root is not None else ".")
        return MlflowRun(name, params=params, tags=tags, connection=connection, root=root)
    from .local import Run

    if db is None and settings is not None:
        db = settings.tracking_db
    return Run(name, params=params, tags=tags, db=db, root=root)


def run_store(settings: Settings, root: Path | str = ".", db: Path | str | None = None) -> RunStore:
    """Where ``runs`` reads: the settings' backend (``db`` forces the embedded store's file)."""
    if db is None and backend_choice(None, root, settings) == "mlflow":
        from .mlflow_backend import MlflowRunStore
        from .mlflow_client import Connection

        return MlflowRunStore(Connection.of(settings, root))
    from .local import LocalRunStore

    return LocalRunStore(db if db is not None else settings.tracking_db)
