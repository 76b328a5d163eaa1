"""The whole pipeline, in order: ingest (validate first) -> train -> evaluate.

Each stage returns what it produced, so tracking can wrap them. A contract violation in ingest
raises before train runs: no model is trained and nothing downstream is overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class PipelineResult:
    """Every stage's output."""

    ingest: Any
    train: Any
    metrics: dict[str, float]
    metrics_path: Path


def run(settings: Any, root: Path | str = ".") -> PipelineResult:
    """Run ingest, train and evaluate for the dataset ``settings`` names."""
    from .data import ingest
    from .evaluate import evaluate
    from .train import train

    ingested = ingest(settings.data.dataset, root)
    trained = train(settings, root, frame=ingested.frame)
    metrics, path = evaluate(root)
    return PipelineResult(ingest=ingested, train=trained, metrics=metrics, metrics_path=path)
