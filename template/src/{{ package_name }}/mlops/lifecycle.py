"""Glue between the pipeline's stages and the registry: what promote, predict and drift reuse.

- ``held_out_evaluator``: scores any model on the held-out rows the last ``train`` set aside
  (``models/holdout.parquet``), the same rows for the candidate and the production model;
- ``register_trained``: the pipeline's last step, a trained model registered as the candidate
  with its metrics, data fingerprint, contract version, run id and drift reference statistics.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..datasets import ID_COLUMN, TARGET


def held_out_evaluator(settings: Any, root: Path | str) -> Callable[[Any], dict[str, float]]:
    """``evaluate(model) -> metrics`` on the held-out rows of the last training run."""
    from .metrics import score
    from .train import read_metadata

    meta = read_metadata(settings.models_dir)
    holdout = Path(settings.models_dir) / meta["holdout"]
    if not holdout.is_file():
        raise FileNotFoundError(f"{holdout} not found: run `train` (or `pipeline`) first")
    frame = pd.read_parquet(holdout)

    def evaluate(model: Any) -> dict[str, float]:
        return score(settings.task, model, frame, meta["target"])

    return evaluate


def feature_roles(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Numeric and categorical feature columns by dtype (the id and the target excluded)."""
    features = [c for c in frame.columns if c not in {ID_COLUMN, TARGET}]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(frame[c])]
    return numeric, [c for c in features if c not in numeric]


def register_trained(
    model: Any,
    train: pd.DataFrame,
    *,
    metrics: Mapping[str, float],
    models_dir: Path | str = "models",
    fingerprint: Any = None,
    contract_version: str | int | None = None,
    run: Any = None,
    roles: tuple[list[str], list[str]] | None = None,
) -> dict[str, Any]:
    """Register a trained model as the candidate, with drift reference statistics of ``train``.

    Inside a tracked run (``run``, or the active ``tracking.start_run``) the run's id is recorded
    on the version and the artifact and version on the run, so each leads to the other.
    """
    from . import tracking
    from .drift import reference_stats
    from .registry import Registry

    run = run if run is not None else tracking.current_run()
    numeric, categorical = roles or feature_roles(train)
    registry = Registry(models_dir)
    entry = registry.register(
        model,
        metrics=metrics,
        data_fingerprint=fingerprint if fingerprint is not None else tracking.fingerprint(train),
        contract_version=None if contract_version is None else str(contract_version),
        run_id=run.id if run is not None else None,
        reference=reference_stats(train, numeric, categorical),
    )
    if run is not None:
        run.log_artifact(registry.dir / entry["artifact"])
        run.set_tag("model_version", f"v{entry['version']}")
    return entry


def register_pipeline_model(
    settings: Any, root: Path | str, trained: Any, metrics: Mapping[str, float], **extra: Any
) -> dict[str, Any]:
    """The pipeline's last stage: register ``train``'s result (roles from the contract)."""
    from .contract import load_contract

    contract = load_contract(settings.data.dataset, root)
    return register_trained(
        trained.model,
        trained.train,
        metrics=metrics,
        models_dir=settings.models_dir,
        contract_version=trained.metadata["contract_version"],
        roles=(contract.columns("feature_numeric"), contract.columns("feature_categorical")),
        **extra,
    )
