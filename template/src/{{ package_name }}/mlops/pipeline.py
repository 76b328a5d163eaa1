"""The whole pipeline, in order: ingest (validate first) -> train -> evaluate -> register, as one
tracked run. The trained model ends up registered as the ``candidate`` (see ``registry``).

Each stage returns what it produced; the run records the parameters, the dataset's fingerprint
and contract version, the fitted feature steps, the metrics and every file written, so any
result can be traced back to its data, code and environment. A contract violation in ingest
raises before train runs: no model is trained, nothing downstream is overwritten, and the run is
recorded as failed with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class PipelineResult:
    """Every stage's output, and the id of the tracked run that holds its lineage."""

    ingest: Any
    train: Any
    metrics: dict[str, float]
    metrics_path: Path
    run_id: str
    model_version: int | None = None  # the registered candidate


def run_params(settings: Any) -> dict[str, Any]:
    """The parameters a run records: everything in settings that changes the result."""
    hyperparameters = {
        f"hp.{key}": value for key, value in settings.train.chosen_hyperparameters().items()
    }
    return {
        "task": settings.task,
        "seed": settings.seed,
        "dataset": settings.data.dataset,
        "test_size": settings.data.test_size,
        "estimator": settings.train.estimator,
        **hyperparameters,
    }


def run_pipeline(settings: Any, root: Path | str = ".") -> PipelineResult:
    """Run ingest, train, evaluate and register for ``settings``' dataset, as one tracked run."""
    from .data import ingest
    from .evaluate import evaluate
    from .lifecycle import register_pipeline_model
    from .tracking import start_run
    from .train import train

    dataset = settings.data.dataset
    with start_run(
        "pipeline",
        params=run_params(settings),
        tags={"dataset": dataset},
        db=settings.tracking_db,
        backend=settings.tracking_backend,
        root=root,
    ) as tracked:
        ingested = ingest(dataset, root)
        trained = train(settings, root, frame=ingested.frame)
        fingerprint = tracked.log_dataset(
            dataset, ingested.frame, contract_version=trained.metadata["contract_version"]
        )
        tracked.log_feature_steps(trained.model)
        metrics, metrics_path = evaluate(root, settings.models_dir)
        tracked.log_metrics(metrics)
        for artifact in (ingested.output, trained.model_path, trained.metadata_path, metrics_path):
            tracked.log_artifact(artifact)
        registered = register_pipeline_model(
            settings, root, trained, metrics, run=tracked, fingerprint=fingerprint
        )
    return PipelineResult(
        ingest=ingested,
        train=trained,
        metrics=metrics,
        metrics_path=metrics_path,
        run_id=tracked.id,
        model_version=registered["version"],
    )
