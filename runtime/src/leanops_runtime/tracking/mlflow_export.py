"""``runs export --mlflow``: copy the runs of the embedded store into any MLflow store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .lineage import to_json
from .mlflow_client import (
    MAX_RESULTS,
    STATUS_TO_MLFLOW,
    TAG_PREFIX,
    Connection,
    client,
    experiment_id,
    log_batches,
    mlflow_params,
)

if TYPE_CHECKING:
    from .api import RunDetails


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
        lineage = {
            "user": run["user"],
            "host": run["host"],
            "git_commit": run["git_commit"],
            "git_dirty": run["git_dirty"],
            "python": run["python"],
            "platform": run["platform"],
            "lock_sha256": run["lock_sha256"],
        }
        tags = {f"{TAG_PREFIX}{k}": str(v) for k, v in lineage.items() if v is not None}
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
        params = [Param(k, v) for k, v in mlflow_params(run["params"]).items()]
        log_batches(mlflow_client, run_id, metrics=metrics, params=params)
        if run["feature_steps"]:
            mlflow_client.log_text(
                run_id, to_json(run["feature_steps"]), f"{TAG_PREFIX}feature_steps.json"
            )
        end = int(run["end_time"] * 1000) if run["end_time"] else None
        mlflow_client.set_terminated(run_id, status=STATUS_TO_MLFLOW[run["status"]], end_time=end)
        exported += 1
    return exported, skipped
