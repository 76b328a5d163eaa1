"""Train: fit the contract's feature pipeline plus the estimator ``params.yaml`` names, seeded.

Inputs: the validated dataset ingest wrote (``data/processed/<dataset>.parquet``), the contract,
the settings. Outputs, each written atomically (the model file before its metadata):

    models/model.skops     the fitted pipeline (skops, never pickle)
    models/model.json      metadata: sha256, trusted types, estimator, hyperparameters, seed,
                           dataset, contract version, rows
    models/holdout.parquet the held-out rows, so ``evaluate`` scores exactly the unseen split
"""

from __future__ import annotations

import importlib
import inspect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Estimator names per task -> (module, class). Add one here to make it available in params.yaml.
ESTIMATORS: dict[str, dict[str, tuple[str, str]]] = {
    "classification": {
        "logistic_regression": ("sklearn.linear_model", "LogisticRegression"),
        "hist_gradient_boosting": ("sklearn.ensemble", "HistGradientBoostingClassifier"),
        "random_forest": ("sklearn.ensemble", "RandomForestClassifier"),
    },
    "regression": {
        "ridge": ("sklearn.linear_model", "Ridge"),
        "hist_gradient_boosting": ("sklearn.ensemble", "HistGradientBoostingRegressor"),
        "random_forest": ("sklearn.ensemble", "RandomForestRegressor"),
    },
}
MODEL_FILE = "model.skops"
METADATA_FILE = "model.json"
HOLDOUT_FILE = "holdout.parquet"


class TrainError(ValueError):
    """Training cannot run as configured; the message is one line meant for the user."""


def build_estimator(task: str, name: str, hyperparameters: dict[str, Any], seed: int) -> Any:
    """The estimator ``name`` for ``task`` with its hyperparameters, seeded when it takes one."""
    known = ESTIMATORS.get(task, {})
    if name not in known:
        raise TrainError(
            f"unknown estimator {name!r} for {task} (known: {', '.join(sorted(known))})"
        )
    module, cls_name = known[name]
    cls = getattr(importlib.import_module(module), cls_name)
    accepted = inspect.signature(cls).parameters
    unknown = sorted(set(hyperparameters) - set(accepted))
    if unknown:
        raise TrainError(f"{name} has no hyperparameter {', '.join(unknown)}")
    params = dict(hyperparameters)
    if "random_state" in accepted and "random_state" not in params:
        params["random_state"] = seed
    return cls(**params)


@dataclass
class TrainResult:
    """What training produced: the fitted pipeline, both splits and the saved files."""

    model: Any
    train: Any
    test: Any
    metadata: dict[str, Any]
    model_path: Path
    metadata_path: Path
    holdout_path: Path


def fit(frame: Any, contract: Any, settings: Any) -> tuple[Any, Any, Any]:
    """Split ``frame`` (seeded) and fit the pipeline on the training part: (model, train, test)."""
    from sklearn.pipeline import Pipeline
    from sklearn.utils._param_validation import InvalidParameterError

    from .data import split
    from .features import build_preprocessor

    estimator = build_estimator(
        settings.task, settings.train.estimator, settings.train.hyperparameters, settings.seed
    )
    target = contract.target
    train, test = split(
        frame,
        target=target,
        test_size=settings.data.test_size,
        seed=settings.seed,
        stratify=settings.task == "classification",
    )
    model = Pipeline([("features", build_preprocessor(contract)), ("estimator", estimator)])
    try:
        model.fit(train, train[target])
    except (InvalidParameterError, TypeError) as error:
        reason = str(error).strip().splitlines()[0]
        raise TrainError(f"cannot fit {settings.train.estimator}: {reason}") from error
    return model, train, test


def train(settings: Any, root: Path | str = ".", frame: Any = None) -> TrainResult:
    """Fit on the processed dataset (or ``frame``) and write the model, metadata and holdout."""
    from .contract import load_contract
    from .data import load_processed, write_parquet
    from .files import write_atomic
    from .model import save_model

    root = Path(root)
    dataset = settings.data.dataset
    contract = load_contract(dataset, root)
    if frame is None:
        frame = load_processed(dataset, root)
    model, train_rows, test_rows = fit(frame, contract, settings)
    models = root / "models"
    holdout_path = write_parquet(test_rows, models / HOLDOUT_FILE)
    saved = save_model(model, models / MODEL_FILE)
    metadata = {
        **saved,
        "path": MODEL_FILE,
        "task": settings.task,
        "estimator": settings.train.estimator,
        "hyperparameters": settings.train.hyperparameters,
        "seed": settings.seed,
        "dataset": dataset,
        "contract_version": contract.version,
        "target": contract.target,
        "train_rows": len(train_rows),
        "test_rows": len(test_rows),
        "holdout": HOLDOUT_FILE,
    }
    text = json.dumps(metadata, indent=2) + "\n"
    metadata_path = write_atomic(models / METADATA_FILE, text.encode("utf-8"))
    return TrainResult(
        model=model,
        train=train_rows,
        test=test_rows,
        metadata=metadata,
        model_path=models / MODEL_FILE,
        metadata_path=metadata_path,
        holdout_path=holdout_path,
    )


def read_metadata(root: Path | str = ".") -> dict[str, Any]:
    """The metadata ``train`` wrote; a clear error when it has not run."""
    path = Path(root) / "models" / METADATA_FILE
    if not path.is_file():
        raise TrainError(f"{path} not found: run `train` first")
    return json.loads(path.read_text(encoding="utf-8"))
