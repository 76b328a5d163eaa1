"""The MLflow backend of ``tracking``: the same run API, written to an MLflow store or server.

Chosen with ``tracking_backend: mlflow`` (params.yaml) or ``$<PACKAGE>_TRACKING_BACKEND=mlflow``.
The store is ``$MLFLOW_TRACKING_URI`` (default: ``sqlite:///.leanops/mlflow.db`` in the project).
MLflow's usage telemetry is switched off unless the environment already decides. mlflow is imported
only when a run starts: it takes seconds, and only projects made with this backend install it.

Also home of ``export_runs``, which copies runs of the local store into any MLflow store.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from . import PACKAGE, tracking
from .files import sha256_of
from .info import lock_sha256

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

DEFAULT_URI = "sqlite:///.leanops/mlflow.db"
INSTALL_HINT = "mlflow is not installed; install the mlflow extra: uv sync --extra mlflow"
# MLflow sends usage data unless told not to; both variables are honoured by MLflow 3.
TELEMETRY_OFF = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
STATUS_TO_MLFLOW = {
    "finished": "FINISHED",
    "failed": "FAILED",
    "crashed": "KILLED",
    "running": "RUNNING",
}
TAG_PREFIX = "leanops."
LINEAGE_COLUMNS = ("user", "host", "git_commit", "git_dirty", "python", "platform", "lock_sha256")
# MLflow's log_batch limits per request.
MAX_PARAMS, MAX_METRICS = 100, 1000


def import_mlflow() -> Any:
    """Import mlflow with telemetry off; a one-line error naming the fix when it is missing."""
    for key, value in TELEMETRY_OFF.items():
        os.environ.setdefault(key, value)
    try:
        import mlflow
    except ImportError as error:
        raise tracking.TrackingError(INSTALL_HINT) from error
    return mlflow


def tracking_uri(uri: str | None = None) -> str:
    """The MLflow store to use: ``uri``, else ``$MLFLOW_TRACKING_URI``, else a local sqlite file."""
    chosen = uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_URI
    if chosen.startswith("sqlite:///") and not chosen.startswith("sqlite:////"):
        Path(chosen.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return chosen


def experiment_name() -> str:
    """``$MLFLOW_EXPERIMENT_NAME``, else the package name."""
    return os.environ.get("MLFLOW_EXPERIMENT_NAME") or PACKAGE


def _client(uri: str | None) -> tuple[Any, str]:
    """A client on the store and the id of this project's experiment (created when missing)."""
    import_mlflow()
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri(uri))
    name = experiment_name()
    found = client.get_experiment_by_name(name)
    experiment_id = found.experiment_id if found else client.create_experiment(name)
    return client, experiment_id


def _params(params: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): tracking._json(tracking._plain(v)) for k, v in params.items()}


def _log_batches(
    client: Any, run_id: str, metrics: Sequence[Any] = (), params: Sequence[Any] = ()
) -> None:
    """``log_batch`` within MLflow's per-request limits (100 params, 1,000 metrics)."""
    metrics, params = list(metrics), list(params)
    for start in range(0, len(params), MAX_PARAMS):
        client.log_batch(run_id, params=params[start : start + MAX_PARAMS])
    for start in range(0, len(metrics), MAX_METRICS):
        client.log_batch(run_id, metrics=metrics[start : start + MAX_METRICS])


class MlflowRun:
    """``tracking.Run``'s API on an MLflow run; lineage goes into tags and JSON artifacts."""

    def __init__(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        uri: str | None = None,
        root: Path | str | None = None,
    ) -> None:
        import_mlflow()
        from mlflow.entities import Metric, Param

        self._metric, self._param = Metric, Param
        root = Path(root) if root is not None else Path.cwd()
        self.client, experiment_id = _client(uri)
        commit, dirty = tracking.git_state(root)
        lineage = {
            "git_commit": commit,
            "git_dirty": dirty,
            "python": sys.version.split()[0],
            "platform": tracking._machine()[1],
            "lock_sha256": lock_sha256(root),
        }
        all_tags = {f"{TAG_PREFIX}{k}": str(v) for k, v in lineage.items() if v is not None}
        all_tags.update({str(k): str(v) for k, v in (tags or {}).items()})
        created = self.client.create_run(experiment_id, run_name=name, tags=all_tags)
        self.id: str = created.info.run_id
        self.name = name
        self.status = "running"
        if params:
            self.log_params(params)

    def log_param(self, key: str, value: Any) -> None:
        """Record one parameter."""
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Record several parameters at once."""
        batch = [self._param(k, v) for k, v in _params(params).items()]
        _log_batches(self.client, self.id, params=batch)

    def log_metric(self, key: str, value: float, step: int = 0) -> None:
        """Record one metric value."""
        self.client.log_metric(self.id, key, float(value), step=int(step))

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        """Record many metrics in one request."""
        now = int(time.time() * 1000)
        batch = [self._metric(k, float(v), now, int(step)) for k, v in metrics.items()]
        _log_batches(self.client, self.id, metrics=batch)

    def set_tag(self, key: str, value: Any) -> None:
        """Set a tag."""
        self.client.set_tag(self.id, str(key), str(value))

    def log_dataset(
        self, name: str, df: Any, contract_version: str | int | None = None
    ) -> dict[str, Any]:
        """Record our full-content fingerprint (MLflow's own digest reads 10,000 rows only)."""
        record = tracking.fingerprint(df)
        version = None if contract_version is None else str(contract_version)
        record = {**record, "contract_version": version}
        self.client.set_tag(self.id, f"{TAG_PREFIX}dataset.{name}.sha256", record["sha256"])
        self.client.log_dict(self.id, record, f"{TAG_PREFIX}datasets/{name}.json")
        return record

    def log_feature_steps(self, pipeline: Any) -> list[dict[str, Any]]:
        """Record the fitted pipeline's steps and their parameters as a JSON artifact."""
        steps = tracking.feature_steps(pipeline)
        self.client.log_dict(self.id, steps, f"{TAG_PREFIX}feature_steps.json")
        return steps

    def log_artifact(self, path: Path | str) -> dict[str, Any]:
        """Upload a file to the run's artifacts and tag its SHA-256."""
        path = Path(path)
        if not path.is_file():
            raise tracking.TrackingError(f"artifact not found: {path}")
        record = {"path": str(path), "size": path.stat().st_size}
        record["sha256"] = sha256_of(path)
        self.client.log_artifact(self.id, str(path))
        self.client.set_tag(self.id, f"{TAG_PREFIX}artifact.{path.name}.sha256", record["sha256"])
        return record

    def end(self, status: str = "finished", error: str | None = None) -> None:
        """Close the run with a final status."""
        if self.status != "running":
            return
        if error:
            self.client.set_tag(self.id, f"{TAG_PREFIX}error", error)
        self.client.set_terminated(self.id, status=STATUS_TO_MLFLOW[status])
        self.status = status

    def __enter__(self) -> MlflowRun:
        tracking._active.append(self)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _tb: Any
    ) -> None:
        if self in tracking._active:
            tracking._active.remove(self)
        if error is None or (isinstance(error, SystemExit) and error.code in (0, None)):
            self.end("finished")
        else:
            message = str(error).splitlines()[0] if str(error) else ""
            self.end("failed", f"{type(error).__name__}: {message}".rstrip(": "))


def export_runs(uri: str, db: Path | str | None = None) -> tuple[int, int]:
    """Copy every run of the local store into the MLflow store at ``uri``.

    Runs exported before (tag ``leanops.run_id``) are skipped, so exporting again is safe.
    Returns ``(exported, skipped)``.
    """
    import_mlflow()
    from mlflow.entities import Metric, Param

    client, experiment_id = _client(uri)
    done = {
        run.data.tags.get(f"{TAG_PREFIX}run_id")
        for run in client.search_runs([experiment_id], max_results=50000)
    }
    exported = skipped = 0
    for summary in reversed(tracking.list_runs(db=db)):
        if summary["id"] in done:
            skipped += 1
            continue
        run = tracking.get_run(summary["id"], db=db)
        tags = {f"{TAG_PREFIX}{k}": str(run[k]) for k in LINEAGE_COLUMNS if run[k] is not None}
        tags[f"{TAG_PREFIX}run_id"] = run["id"]
        tags.update(run["tags"])
        for dataset in run["datasets"]:
            tags[f"{TAG_PREFIX}dataset.{dataset['name']}.sha256"] = dataset["sha256"]
        created = client.create_run(
            experiment_id,
            start_time=int(run["start_time"] * 1000),
            tags=tags,
            run_name=run["name"],
        )
        run_id = created.info.run_id
        metrics = [
            Metric(m["key"], m["value"], int(m["time"] * 1000), m["step"])
            for m in run["metric_history"]
            if m["value"] is not None
        ]
        params = [Param(k, v) for k, v in _params(run["params"]).items()]
        _log_batches(client, run_id, metrics=metrics, params=params)
        lineage = {k: run[k] for k in ("datasets", "feature_steps", "artifacts") if run[k]}
        if lineage:
            client.log_dict(run_id, lineage, f"{TAG_PREFIX}lineage.json")
        end = int(run["end_time"] * 1000) if run["end_time"] else None
        client.set_terminated(run_id, status=STATUS_TO_MLFLOW[run["status"]], end_time=end)
        exported += 1
    return exported, skipped
