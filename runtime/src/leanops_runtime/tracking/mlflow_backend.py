"""The MLflow backend: the same run API and the same reading API, on an MLflow store or server.

Chosen with ``tracking_backend: mlflow``; the connection (where, which experiment, as whom) is
``mlflow_client``'s. Lineage goes into tags (``leanops.*``: git commit, user, host, dataset and
artifact hashes) and small JSON artifacts (dataset schemas, feature steps). ``mlflow_export``
copies the runs of the embedded store into any MLflow store.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..files import sha256_of, size_text
from . import environment as env
from .api import (
    COST_PREFIX,
    ArtifactRecord,
    DatasetRecord,
    MetricPoint,
    RunBlock,
    RunDetails,
    RunRecord,
    RunSummary,
    TrackingError,
)
from .lineage import feature_steps, fingerprint, to_json
from .mlflow_client import (
    MAX_RESULTS,
    STATUS_FROM_MLFLOW,
    STATUS_TO_MLFLOW,
    TAG_PREFIX,
    Connection,
    client,
    experiment_id,
    log_batches,
    mlflow_params,
    quoted,
)

if TYPE_CHECKING:
    import pandas as pd
    from mlflow.entities import Run as MlflowRunEntity

log = logging.getLogger(__name__)
NAME_TAG = f"{TAG_PREFIX}name"

__all__ = ["Connection", "MlflowRun", "MlflowRunStore", "client", "experiment_id", "summary"]


class MlflowRun(RunBlock):
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
        pid = os.getpid()
        lineage = {
            "user": connection.username or env.identity(self.root),
            "host": host,
            "pid": pid,  # with the host and start time: a run whose process died is crashed
            "proc_start": env.process_start(pid),
            "git_commit": commit,
            "git_dirty": dirty,
            "python": sys.version.split()[0],
            "platform": machine,
            "lock_sha256": env.lock_sha256(self.root),
        }
        all_tags = {f"{TAG_PREFIX}{k}": str(v) for k, v in lineage.items() if v is not None}
        all_tags["mlflow.user"] = str(lineage["user"])  # the MLflow UI's "User" column
        all_tags.update({str(k): str(v) for k, v in (tags or {}).items()})
        # The UI's name says what ran on what ("pipeline breast_cancer"); the stage's own name is
        # kept in a tag, which reading and ``runs list --name`` go by.
        all_tags[NAME_TAG] = name
        shown = f"{name} {tags['dataset']}" if tags and tags.get("dataset") else name
        created = self.client.create_run(experiment, run_name=shown, tags=all_tags)
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

        batch = [Param(k, v) for k, v in mlflow_params(params).items()]
        log_batches(self.client, self.id, params=batch)

    def log_metric(self, key: str, value: float, step: int = 0) -> None:
        """Record one metric value."""
        self.client.log_metric(self.id, key, float(value), step=int(step))

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        """Record many metrics in one request."""
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        batch = [Metric(k, float(v), now, int(step)) for k, v in metrics.items()]
        log_batches(self.client, self.id, metrics=batch)

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

    def log_artifact(self, path: Path | str, *, upload: bool = True) -> ArtifactRecord:
        """Tag a file's size and hash and, with ``upload``, upload it (under its folder relative
        to the project), saying so."""
        path = Path(path)
        if not path.is_file():
            raise TrackingError(f"artifact not found: {path}")
        relative = env.relative_path(path, self.root)
        record: ArtifactRecord = {
            "path": relative,
            "size": path.stat().st_size,
            "sha256": sha256_of(path),
        }
        if upload:
            folder = str(Path(relative).parent) if not Path(relative).is_absolute() else None
            self.client.log_artifact(self.id, str(path), None if folder in (None, ".") else folder)
            log.info("uploaded %s (%s) to run %s", relative, size_text(record["size"]), self.id)
        self.client.set_tag(
            self.id,
            f"{TAG_PREFIX}artifact.{relative}",
            to_json({"size": record["size"], "sha256": record["sha256"]}),
        )
        return self.wrote(record)

    def end(self, status: str = "finished", error: str | None = None) -> None:
        """Close the run with a final status."""
        if self.status != "running":
            return
        if error:
            self.client.set_tag(self.id, f"{TAG_PREFIX}error", error)
        self.client.set_terminated(self.id, status=STATUS_TO_MLFLOW[status])
        self.status = status


# -------------------------------------------------------------------------------------- reading


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
        tags: Sequence[str] = (),
        limit: int | None = None,
    ) -> list[RunSummary]:
        experiment = self._experiment()
        if experiment is None:
            return []
        clauses = []
        if name:  # the run's name starts with the stage's; the exact match is made below
            clauses.append(f"attributes.run_name LIKE {quoted(name.replace('%', '') + '%')}")
        if status:
            clauses.append(f"attributes.status = {quoted(STATUS_TO_MLFLOW[status])}")
        for tag in tags:
            key, has_value, value = tag.partition("=")
            test = f"= {quoted(value)}" if has_value else "LIKE '%'"
            clauses.append(f"tags.`{key.replace('`', '')}` {test}")
        found = self.client.search_runs(
            [experiment],
            filter_string=" AND ".join(clauses),
            order_by=["attributes.start_time DESC"],
            max_results=limit or MAX_RESULTS,
        )
        runs = [self._settled(summary(run), run) for run in found]
        return [run for run in runs if not name or run["name"] == name]

    def _settled(self, found: RunSummary, run: MlflowRunEntity) -> RunSummary:
        """``found``, crashed (and marked KILLED on the server) when it is running but its
        process died on this host."""
        tags = run.data.tags
        pid = tags.get(f"{TAG_PREFIX}pid", "")
        if found["status"] == "running" and env.died_here(
            found["host"], int(pid) if pid.isdigit() else None, tags.get(f"{TAG_PREFIX}proc_start")
        ):
            self.client.set_terminated(found["id"], STATUS_TO_MLFLOW["crashed"])
            found["status"] = "crashed"
        return found

    def get_run(self, run_id: str) -> RunDetails:
        return self._details(self._fetch(run_id))

    def get_record(self, run_id: str) -> RunRecord:
        return self._record(self._fetch(run_id))

    def _fetch(self, run_id: str) -> MlflowRunEntity:
        from mlflow.exceptions import MlflowException

        full = self._resolve(run_id)
        try:
            return self.client.get_run(full)
        except MlflowException as error:
            raise TrackingError(f"no run with id {run_id!r}") from error

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
            **self._record(run),
            "metric_history": history,
            "datasets": datasets,
            "feature_steps": self._feature_steps(run.info.run_id),
            "artifacts": artifacts,
        }

    def _record(self, run: MlflowRunEntity) -> RunRecord:
        return {
            **self._settled(summary(run), run),
            "params": {key: _decoded(value) for key, value in run.data.params.items()},
            "tags": {
                key: value
                for key, value in run.data.tags.items()
                if not key.startswith(("mlflow.", TAG_PREFIX))
            },
            "metrics": dict(run.data.metrics),
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
        "name": tags.get(NAME_TAG) or info.run_name or "",
        "dataset": tags.get("dataset"),
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
        "cost": {k: v for k, v in run.data.metrics.items() if k.startswith(COST_PREFIX)},
    }
