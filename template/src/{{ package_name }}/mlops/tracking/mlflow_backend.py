"""The MLflow backend: the same run API and the same reading API, on an MLflow store or server.

Chosen with ``tracking_backend: mlflow``. Where and as whom come from the settings
(``settings.tracking``: ``MLFLOW_TRACKING_URI``, ``MLFLOW_EXPERIMENT_NAME``,
``MLFLOW_TRACKING_USERNAME`` / ``MLFLOW_TRACKING_PASSWORD`` from the environment or ``.env``),
handed to MLflow here and nowhere else. Without a URI the store is a sqlite file in the project
(``.leanops/mlflow.db``). MLflow's usage telemetry is off unless the environment already decides.
mlflow is imported only when used: it takes seconds, and only team projects install it.

Lineage goes into tags (``leanops.*``: git commit, user, host, dataset and artifact hashes) and
small JSON artifacts (dataset schemas, feature steps). Also home of ``export_runs``, which copies
the runs of the embedded store into any MLflow store.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, cast

from .. import PACKAGE
from ..files import sha256_of
from ..info import lock_sha256
from . import environment as env
from .api import (
    ArtifactRecord,
    DatasetRecord,
    MetricPoint,
    RunDetails,
    RunSummary,
    TrackingError,
    activate,
    deactivate,
    error_text,
)
from .lineage import feature_steps, fingerprint, plain, to_json

if TYPE_CHECKING:
    import pandas as pd
    from mlflow.entities import Metric, Param
    from mlflow.entities import Run as MlflowRunEntity
    from mlflow.tracking import MlflowClient

    from ..settings import Settings

DEFAULT_STORE = Path(".leanops") / "mlflow.db"
INSTALL_HINT = "mlflow is not installed; install the mlflow extra: uv sync --extra mlflow"
# MLflow sends usage data unless told not to (both variables are honoured by MLflow 3), and prints
# "View run ... at: URL" on stdout, where our commands print their results.
TELEMETRY_OFF = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
}
STATUS_TO_MLFLOW = {
    "finished": "FINISHED",
    "failed": "FAILED",
    "crashed": "KILLED",
    "running": "RUNNING",
}
STATUS_FROM_MLFLOW = {value: key for key, value in STATUS_TO_MLFLOW.items()} | {
    "SCHEDULED": "running"
}
TAG_PREFIX = "leanops."
LINEAGE_TAGS = ("user", "host", "git_commit", "git_dirty", "python", "platform", "lock_sha256")
# MLflow's log_batch limits per request.
MAX_PARAMS, MAX_METRICS = 100, 1000
MAX_RESULTS = 50_000


@dataclass(frozen=True)
class Connection:
    """Which MLflow store or server, which experiment, and as whom (from the settings)."""

    uri: str
    experiment: str
    username: str | None = None
    password: str | None = None

    @classmethod
    def of(cls, settings: Settings | None, root: Path | str = ".") -> Connection:
        """The connection the settings describe (the default store lives in the project)."""
        if settings is None:
            from ..settings import load_settings

            settings = load_settings(root)
        given = settings.mlflow
        uri = given.tracking_uri or f"sqlite:///{(Path(root) / DEFAULT_STORE).resolve()}"
        password = given.password.get_secret_value() if given.password else None
        return cls(uri, given.experiment or PACKAGE, given.username, password)


def import_mlflow() -> None:
    """Import mlflow with telemetry off; a one-line error naming the fix when it is missing."""
    for key, value in TELEMETRY_OFF.items():
        os.environ.setdefault(key, value)
    try:
        import mlflow  # noqa: F401
    except ImportError as error:
        raise TrackingError(INSTALL_HINT) from error


def client(connection: Connection) -> MlflowClient:
    """An MLflow client for ``connection``; its credentials are handed to MLflow here.

    MLflow's REST client reads basic-auth credentials from these two variables on every request,
    so they are set in this process from the settings (environment or ``.env``). One client per
    connection and process: opening a sqlite store checks its schema, which takes a second.
    """
    if connection not in _clients:
        guarded = _Guarded(_new_client(connection), connection)
        _clients[connection] = cast("MlflowClient", guarded)
    return _clients[connection]


_clients: dict[Connection, MlflowClient] = {}
# MLflow's error codes for a server that refuses the credentials, or that cannot be reached.
REFUSED = {"UNAUTHENTICATED": "not authenticated", "PERMISSION_DENIED": "permission denied"}


class _Guarded:
    """An MLflow client whose refusals and unreachable servers are one-line ``TrackingError``s.

    Everything else (a missing resource, a conflict) reaches the caller as MLflow raised it.
    """

    def __init__(self, wrapped: MlflowClient, connection: Connection) -> None:
        self._wrapped = wrapped
        self._connection = connection

    def __getattr__(self, name: str) -> object:
        attribute = getattr(self._wrapped, name)
        if not callable(attribute):
            return attribute
        return functools.partial(self._call, attribute)

    def _call(self, method: Callable[..., object], *args: object, **kwargs: object) -> object:
        from mlflow.exceptions import MlflowException

        where = f"MLflow at {self._connection.uri}"
        try:
            return method(*args, **kwargs)
        except MlflowException as error:
            if error.error_code in REFUSED:
                who = self._connection.username or "nobody (no MLFLOW_TRACKING_USERNAME)"
                raise TrackingError(
                    f"{where}: {REFUSED[error.error_code]} as {who}: check "
                    "MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (environment or .env)"
                ) from error
            if "failed with exception" in str(error) or "Max retries exceeded" in str(error):
                raise TrackingError(f"{where} cannot be reached: is the server running?") from error
            raise


def _new_client(connection: Connection) -> MlflowClient:
    import_mlflow()
    from mlflow.tracking import MlflowClient

    if connection.uri.startswith("sqlite:///"):
        Path(connection.uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if connection.username is not None:
        os.environ["MLFLOW_TRACKING_USERNAME"] = connection.username
    if connection.password is not None:
        os.environ["MLFLOW_TRACKING_PASSWORD"] = connection.password
    return MlflowClient(tracking_uri=connection.uri)


def experiment_id(mlflow_client: MlflowClient, name: str) -> str:
    """The id of experiment ``name``, created when missing (a race with a teammate is fine)."""
    from mlflow.exceptions import MlflowException

    found = mlflow_client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    try:
        return str(mlflow_client.create_experiment(name))
    except MlflowException:  # created meanwhile by someone else
        again = mlflow_client.get_experiment_by_name(name)
        if again is None:
            raise
        return str(again.experiment_id)


def _params(params: Mapping[str, object]) -> dict[str, str]:
    return {str(k): to_json(plain(v)) for k, v in params.items()}


def _log_batches(
    mlflow_client: MlflowClient,
    run_id: str,
    metrics: Sequence[Metric] = (),
    params: Sequence[Param] = (),
) -> None:
    """``log_batch`` within MLflow's per-request limits (100 params, 1,000 metrics)."""
    metrics, params = list(metrics), list(params)
    for start in range(0, len(params), MAX_PARAMS):
        mlflow_client.log_batch(run_id, params=params[start : start + MAX_PARAMS])
    for start in range(0, len(metrics), MAX_METRICS):
        mlflow_client.log_batch(run_id, metrics=metrics[start : start + MAX_METRICS])


class MlflowRun:
    """``local.Run``'s API on an MLflow run; lineage goes into tags and JSON artifacts."""

    def __init__(
        self,
        name: str,
        params: Mapping[str, object] | None = None,
        tags: Mapping[str, object] | None = None,
        *,
        connection: Connection,
        root: Path | str | None = None,
    ) -> None:
        self.root = Path(root) if root is not None else Path.cwd()
        self.client = client(connection)
        experiment = experiment_id(self.client, connection.experiment)
        commit, dirty = env.git_state(self.root)
        host, machine = env.machine()
        lineage = {
            "user": connection.username or env.user(),
            "host": host,
            "git_commit": commit,
            "git_dirty": dirty,
            "python": sys.version.split()[0],
            "platform": machine,
            "lock_sha256": lock_sha256(self.root),
        }
        all_tags = {f"{TAG_PREFIX}{k}": str(v) for k, v in lineage.items() if v is not None}
        all_tags.update({str(k): str(v) for k, v in (tags or {}).items()})
        created = self.client.create_run(experiment, run_name=name, tags=all_tags)
        self.id: str = created.info.run_id
        self.name = name
        self.status = "running"
        if params:
            self.log_params(params)

    def log_param(self, key: str, value: object) -> None:
        """Record one parameter."""
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, object]) -> None:
        """Record several parameters at once."""
        from mlflow.entities import Param

        batch = [Param(k, v) for k, v in _params(params).items()]
        _log_batches(self.client, self.id, params=batch)

    def log_metric(self, key: str, value: float, step: int = 0) -> None:
        """Record one metric value."""
        self.client.log_metric(self.id, key, float(value), step=int(step))

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        """Record many metrics in one request."""
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        batch = [Metric(k, float(v), now, int(step)) for k, v in metrics.items()]
        _log_batches(self.client, self.id, metrics=batch)

    def set_tag(self, key: str, value: object) -> None:
        """Set a tag."""
        self.client.set_tag(self.id, str(key), str(value))

    def log_dataset(
        self, name: str, df: pd.DataFrame, contract_version: str | int | None = None
    ) -> DatasetRecord:
        """Record our full-content fingerprint (MLflow's own digest reads 10,000 rows only)."""
        found = fingerprint(df)
        version = None if contract_version is None else str(contract_version)
        record: DatasetRecord = {"name": name, **found, "contract_version": version}
        summary = {key: value for key, value in record.items() if key != "schema"}
        self.client.set_tag(self.id, f"{TAG_PREFIX}dataset.{name}", to_json(summary))
        self.client.log_dict(self.id, dict(record), f"{TAG_PREFIX}datasets/{name}.json")
        return record

    def log_feature_steps(self, pipeline: object) -> list[dict[str, object]]:
        """Record the fitted pipeline's steps and their parameters as a JSON artifact."""
        steps = feature_steps(pipeline)
        self.client.log_text(self.id, to_json(steps), f"{TAG_PREFIX}feature_steps.json")
        return steps

    def log_artifact(self, path: Path | str) -> ArtifactRecord:
        """Upload a file (under its folder relative to the project) and tag its size and hash."""
        path = Path(path)
        if not path.is_file():
            raise TrackingError(f"artifact not found: {path}")
        relative = env.relative_path(path, self.root)
        record: ArtifactRecord = {
            "path": relative,
            "size": path.stat().st_size,
            "sha256": sha256_of(path),
        }
        folder = str(Path(relative).parent) if not Path(relative).is_absolute() else None
        self.client.log_artifact(self.id, str(path), None if folder in (None, ".") else folder)
        self.client.set_tag(
            self.id,
            f"{TAG_PREFIX}artifact.{relative}",
            to_json({"size": record["size"], "sha256": record["sha256"]}),
        )
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
        activate(self)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        deactivate(self)
        if error is None or (isinstance(error, SystemExit) and error.code in (0, None)):
            self.end("finished")
        else:
            self.end("failed", error_text(error))


# -------------------------------------------------------------------------------------- reading


def _quoted(text: str) -> str:
    """A string literal for MLflow's search filter."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class MlflowRunStore:
    """The runs of the project's experiment on an MLflow store or server."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.client = client(connection)

    def describe(self) -> str:
        return f"experiment {self.connection.experiment} at {self.connection.uri}"

    def _experiment(self) -> str | None:
        found = self.client.get_experiment_by_name(self.connection.experiment)
        return None if found is None else str(found.experiment_id)

    def exists(self) -> bool:
        return self._experiment() is not None

    def list_runs(
        self,
        status: str | None = None,
        name: str | None = None,
        tag: str | None = None,
        limit: int | None = None,
    ) -> list[RunSummary]:
        experiment = self._experiment()
        if experiment is None:
            return []
        clauses = []
        if name:
            clauses.append(f"attributes.run_name = {_quoted(name)}")
        if status:
            clauses.append(f"attributes.status = {_quoted(STATUS_TO_MLFLOW[status])}")
        if tag:
            key, has_value, value = tag.partition("=")
            test = f"= {_quoted(value)}" if has_value else "LIKE '%'"
            clauses.append(f"tags.`{key.replace('`', '')}` {test}")
        found = self.client.search_runs(
            [experiment],
            filter_string=" AND ".join(clauses),
            order_by=["attributes.start_time DESC"],
            max_results=limit or MAX_RESULTS,
        )
        return [summary(run) for run in found]

    def get_run(self, run_id: str) -> RunDetails:
        from mlflow.exceptions import MlflowException

        full = self._resolve(run_id)
        try:
            run = self.client.get_run(full)
        except MlflowException as error:
            raise TrackingError(f"no run with id {run_id!r}") from error
        return self._details(run)

    def _resolve(self, run_id: str) -> str:
        if len(run_id) == 32:  # a full MLflow run id
            return run_id
        matches = [r["id"] for r in self.list_runs() if run_id and r["id"].startswith(run_id)]
        if not matches:
            raise TrackingError(f"no run with id {run_id!r}")
        if len(matches) > 1:
            raise TrackingError(f"run id {run_id!r} is ambiguous ({len(matches)} runs match)")
        return matches[0]

    def _details(self, run: MlflowRunEntity) -> RunDetails:
        tags: dict[str, str] = dict(run.data.tags)
        history: list[MetricPoint] = []
        for key in sorted(run.data.metrics):
            for point in self.client.get_metric_history(run.info.run_id, key):
                history.append(
                    {
                        "key": key,
                        "value": point.value,
                        "step": point.step,
                        "time": point.timestamp / 1000,
                    }
                )
        datasets: list[DatasetRecord] = []
        artifacts: list[ArtifactRecord] = []
        for key, value in sorted(tags.items()):
            if key.startswith(f"{TAG_PREFIX}dataset."):
                found = json.loads(value)
                datasets.append(
                    {
                        "name": str(found["name"]),
                        "sha256": str(found["sha256"]),
                        "rows": int(found["rows"]),
                        "columns": int(found["columns"]),
                        "contract_version": found.get("contract_version"),
                        "schema": [],
                    }
                )
            elif key.startswith(f"{TAG_PREFIX}artifact."):
                found = json.loads(value)
                artifacts.append(
                    {
                        "path": key.removeprefix(f"{TAG_PREFIX}artifact."),
                        "size": int(found["size"]),
                        "sha256": str(found["sha256"]),
                    }
                )
        return {
            **summary(run),
            "params": {key: _decoded(value) for key, value in run.data.params.items()},
            "tags": {
                key: value
                for key, value in tags.items()
                if not key.startswith(("mlflow.", TAG_PREFIX))
            },
            "metrics": dict(run.data.metrics),
            "metric_history": history,
            "datasets": datasets,
            "feature_steps": self._feature_steps(run.info.run_id),
            "artifacts": artifacts,
        }

    def _feature_steps(self, run_id: str) -> list[dict[str, object]]:
        import tempfile

        from mlflow.exceptions import MlflowException

        name = f"{TAG_PREFIX}feature_steps.json"
        if name not in {item.path for item in self.client.list_artifacts(run_id)}:
            return []
        with tempfile.TemporaryDirectory() as scratch:
            try:
                path = self.client.download_artifacts(run_id, name, scratch)
            except MlflowException:
                return []
            steps: list[dict[str, object]] = json.loads(Path(path).read_text(encoding="utf-8"))
        return steps


def _decoded(value: str) -> object:
    try:
        return json.loads(value)
    except ValueError:
        return value


def summary(run: MlflowRunEntity) -> RunSummary:
    """An MLflow run as a ``RunSummary`` (lineage from the ``leanops.*`` tags)."""
    tags = run.data.tags
    info = run.info
    dirty = tags.get(f"{TAG_PREFIX}git_dirty")
    return {
        "id": info.run_id,
        "name": info.run_name or "",
        "status": STATUS_FROM_MLFLOW.get(info.status, info.status.lower()),
        "start_time": info.start_time / 1000,
        "end_time": info.end_time / 1000 if info.end_time else None,
        "user": tags.get(f"{TAG_PREFIX}user") or info.user_id or None,
        "host": tags.get(f"{TAG_PREFIX}host"),
        "git_commit": tags.get(f"{TAG_PREFIX}git_commit"),
        "git_dirty": None if dirty is None else dirty == "True",
        "python": tags.get(f"{TAG_PREFIX}python"),
        "platform": tags.get(f"{TAG_PREFIX}platform"),
        "lock_sha256": tags.get(f"{TAG_PREFIX}lock_sha256"),
        "error": tags.get(f"{TAG_PREFIX}error"),
    }


# --------------------------------------------------------------------------------------- export


def export_runs(connection: Connection, runs: Sequence[RunDetails]) -> tuple[int, int]:
    """Copy ``runs`` (from the embedded store) into the MLflow store of ``connection``.

    Runs exported before (tag ``leanops.run_id``) are skipped, so exporting again is safe.
    Returns ``(exported, skipped)``.
    """
    mlflow_client = client(connection)
    from mlflow.entities import Metric, Param

    experiment = experiment_id(mlflow_client, connection.experiment)
    done = {
        run.data.tags.get(f"{TAG_PREFIX}run_id")
        for run in mlflow_client.search_runs([experiment], max_results=MAX_RESULTS)
    }
    exported = skipped = 0
    for run in reversed(runs):
        if run["id"] in done:
            skipped += 1
            continue
        tags = {
            f"{TAG_PREFIX}{k}": str(run[k])  # type: ignore[literal-required]
            for k in LINEAGE_TAGS
            if run[k] is not None  # type: ignore[literal-required]
        }
        tags[f"{TAG_PREFIX}run_id"] = run["id"]
        tags.update(run["tags"])
        for dataset in run["datasets"]:
            summary_of = {key: value for key, value in dataset.items() if key != "schema"}
            tags[f"{TAG_PREFIX}dataset.{dataset['name']}"] = to_json(summary_of)
        for artifact in run["artifacts"]:
            tags[f"{TAG_PREFIX}artifact.{artifact['path']}"] = to_json(
                {"size": artifact["size"], "sha256": artifact["sha256"]}
            )
        created = mlflow_client.create_run(
            experiment, start_time=int(run["start_time"] * 1000), tags=tags, run_name=run["name"]
        )
        run_id = created.info.run_id
        metrics = [
            Metric(m["key"], m["value"], int(m["time"] * 1000), m["step"])
            for m in run["metric_history"]
            if m["value"] is not None
        ]
        params = [Param(k, v) for k, v in _params(run["params"]).items()]
        _log_batches(mlflow_client, run_id, metrics=metrics, params=params)
        if run["feature_steps"]:
            mlflow_client.log_text(
                run_id, to_json(run["feature_steps"]), f"{TAG_PREFIX}feature_steps.json"
            )
        end = int(run["end_time"] * 1000) if run["end_time"] else None
        mlflow_client.set_terminated(run_id, status=STATUS_TO_MLFLOW[run["status"]], end_time=end)
        exported += 1
    return exported, skipped
