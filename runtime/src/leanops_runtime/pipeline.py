"""The whole pipeline, in order: ingest (validate first) -> train (fits once, scores the held-out
rows in memory, registers the candidate) -> the metrics file, as one tracked run named
``pipeline`` (tags ``stage=pipeline``, ``dataset=<name>``). The contract ingest validated by is
the one train uses; nothing is read back from the registry to be scored again.

Each stage returns what it produced; the run records the parameters, the dataset's fingerprint
and contract version, the fitted feature steps, the metrics, the files written and the model
version with its SHA-256 (the same hash as in the registry and its audit log), so any result
can be traced back to its data, code and environment. On an MLflow server the processed table
is recorded by its hash, not uploaded, unless ``mlflow.upload_data`` says so. A contract
violation in ingest raises before train runs: no model is trained or registered, and the run is
recorded as failed. The processed file is replaced only once a model trained on the new data: a
table train refuses (one class, a target that is no class) leaves the previous one in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .lifecycle import run_params

if TYPE_CHECKING:
    from .data import IngestResult
    from .settings import Settings
    from .train import TrainResult

__all__ = ["PipelineResult", "run_params", "run_pipeline"]


@dataclass
class PipelineResult:
    """Every stage's output, and the id of the tracked run that holds its lineage."""

    ingest: IngestResult
    train: TrainResult
    metrics: dict[str, float]
    metrics_path: Path
    run_id: str
    model_version: int  # the registered candidate


def run_pipeline(settings: Settings, root: Path | str = ".") -> PipelineResult:
    """Run ingest, train and evaluate for ``settings``' dataset, as one tracked run."""
    from .data import validated, write_parquet
    from .evaluate import write_metrics
    from .tracking import start_run
    from .train import train

    dataset = settings.data.dataset
    with start_run(
        "pipeline",
        params=run_params(settings),
        tags={"dataset": dataset, "stage": "pipeline"},
        settings=settings,
        root=root,
    ) as tracked:
        ingested = validated(dataset, root)
        trained = train(settings, root, frame=ingested.frame, contract=ingested.contract)
        write_parquet(ingested.frame, ingested.output)  # once a model learnt from it
        tracked.log_dataset(
            dataset, ingested.frame, contract_version=trained.metadata["contract_version"]
        )
        tracked.log_feature_steps(trained.model)
        version = trained.version["version"]
        metrics = trained.metadata["metrics"]  # scored on the held-out rows it registered
        metrics_path = write_metrics(root, trained.version, metrics)
        tracked.log_metrics(metrics)
        tracked.log_artifact(ingested.output, upload=settings.mlflow.upload_data)
        tracked.log_artifact(metrics_path)
        if trained.model_file is not None:  # on a server the files are the run's already
            tracked.log_artifact(trained.model_file)
    return PipelineResult(
        ingest=ingested,
        train=trained,
        metrics=metrics,
        metrics_path=metrics_path,
        run_id=tracked.id,
        model_version=version,
    )
