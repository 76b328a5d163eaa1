"""Glue between the pipeline's stages and the registry: what train, evaluate and promote share.

- ``run_params``: what a tracked run records of the settings (everything that changes a result);
- ``register_trained``: a trained model registered as the candidate, with its held-out rows,
  metrics, data fingerprint, contract version, run id and drift reference statistics;
- ``score_version``: a registered version scored on its own held-out rows (hash-checked);
- ``write_metrics``: the metrics of a registered version, written with its identity: the
  pipeline writes those it scored in memory; ``evaluate`` scores a registered version again.

Nothing is trusted from a side file: the model and the held-out rows come from the registry,
each checked against the SHA-256 in the version's record (and the model against the project's
``trusted-types.txt``). ``reports/metrics.json`` is written atomically with the version and both
hashes, so a metric always names the exact artifact and data it came from.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from .contract import Contract
    from .registry import ModelVersion, Registry
    from .settings import Settings
    from .tracking import TrackedRun

METRICS_FILE = Path("reports/metrics.json")

log = logging.getLogger(__name__)


def run_params(settings: Settings) -> dict[str, object]:
    """The parameters a run records: everything in settings that changes the result.

    ``hp.<key>``: the hyperparameters of ``estimator``; ``hp.<other>.<key>``: those of each
    estimator ``also_try`` names (the run's ``estimator`` tag says which one was fitted).
    """
    train = settings.train
    hyperparameters = {f"hp.{key}": value for key, value in train.chosen_hyperparameters().items()}
    for other in train.candidates()[1:]:
        hyperparameters |= {
            f"hp.{other}.{key}": value for key, value in train.hyperparameters_of(other).items()
        }
    tried = {"also_try": ", ".join(train.also_try)} if train.also_try else {}
    return {
        "task": settings.task,
        "seed": settings.seed,
        "dataset": settings.data.dataset,
        "test_size": settings.data.test_size,
        "estimator": train.estimator,
        **tried,
        **hyperparameters,
    }


def register_trained(
    registry: Registry,
    model: object,
    *,
    estimator: str,
    fit_s: float | None = None,
    template_commit: str | None = None,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    contract: Contract,
    settings: Settings,
    metrics: Mapping[str, float],
    data: pd.DataFrame | None = None,
    run: TrackedRun | None = None,
) -> ModelVersion:
    """Register ``model`` (fitted with ``estimator`` in ``fit_s`` seconds) as the candidate: one
    version, its files and their hashes.

    ``data`` (default: ``train`` and ``holdout``) is what the fingerprint covers. Inside a tracked
    run the run's id is recorded on the version, and the version and its hash on the run.
    """
    import pandas as pd

    from .drift import reference_stats
    from .registry import Candidate
    from .tracking import fingerprint

    found = fingerprint(data if data is not None else pd.concat([train, holdout]))
    candidate = Candidate(
        model=model,
        holdout=holdout,
        reference=reference_stats(
            train,
            contract.columns("feature_numeric"),
            contract.columns("feature_categorical"),
            contract.columns("feature_datetime"),
        ),
        metrics=metrics,
        dataset=settings.data.dataset,
        task=settings.task,
        target=contract.target,
        estimator=estimator,
        data_fingerprint={
            "sha256": found["sha256"],
            "rows": found["rows"],
            "columns": found["columns"],
        },
        contract_version=None if contract.version is None else str(contract.version),
        run_id=run.id if run is not None else None,
        fit_s=fit_s,
        template_commit=template_commit,
    )
    entry = registry.register(candidate)
    if run is not None:
        run.set_tag("model_version", f"v{entry['version']}")
        run.set_tag("model_sha256", entry["sha256"])
    warn_untrusted(registry, entry)
    return entry


def warn_untrusted(registry: Registry, entry: ModelVersion) -> None:
    """Say at once when a new version needs types trusted-types.txt does not list: promote and
    predict refuse to load it until they are reviewed and listed."""
    from .registry.trust import missing_types

    missing = missing_types(list(entry["types"]), registry.allowlist)
    if not missing:
        return
    number = entry["version"]
    log.warning(
        "v%d needs %d type(s) trusted-types.txt does not list (%s): promote and predict refuse "
        "it until you review them (`models --types v%d`), add them and commit the file",
        number,
        len(missing),
        ", ".join(missing),
        number,
    )


def score_version(
    registry: Registry, ref: int | str = "candidate"
) -> tuple[dict[str, float], ModelVersion]:
    """A version's task metrics on the held-out rows registered with it (both hash-checked)."""
    from .metrics import score

    state = registry.state()
    model, entry = registry.load(ref, state)
    holdout, _ = registry.holdout(entry["version"], state)
    return score(entry["task"], model, holdout, entry["target"]), entry


def evaluate(
    root: Path | str = ".",
    models_dir: Path | str | None = None,
    *,
    settings: Settings | None = None,
    version: int | str = "candidate",
) -> tuple[dict[str, float], Path]:
    """Score ``version`` (default: the candidate) on its held-out rows; metrics and file written.

    ``settings`` default to the project's at ``root``; ``models_dir`` overrides theirs.
    """
    from .registry import open_registry
    from .settings import load_settings

    root = Path(root)
    settings = settings if settings is not None else load_settings(root)
    if models_dir is not None:
        settings = settings.model_copy(update={"models_dir": Path(models_dir)})
    metrics, entry = score_version(open_registry(settings, root), version)
    return metrics, write_metrics(root, entry, metrics)


def write_metrics(root: Path | str, entry: ModelVersion, metrics: Mapping[str, float]) -> Path:
    """Write ``metrics`` of the registered ``entry`` to ``reports/metrics.json`` (atomically),
    with the version and the hashes of its model and held-out rows."""
    from .files import write_atomic

    body = {
        "dataset": entry["dataset"],
        "task": entry["task"],
        "estimator": entry["estimator"],
        "model_version": entry["version"],
        "model_sha256": entry["sha256"],
        "holdout_sha256": entry["holdout_sha256"],
        "metrics": dict(metrics),
    }
    return write_atomic(
        Path(root) / METRICS_FILE, (json.dumps(body, indent=2) + "\n").encode("utf-8")
    )
