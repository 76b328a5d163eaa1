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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import UserError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import pandas as pd
    from sklearn.base import BaseEstimator
    from sklearn.pipeline import Pipeline

    from .contract import Contract
    from .settings import Settings

MODEL_FILE = "model.skops"
METADATA_FILE = "model.json"
HOLDOUT_FILE = "holdout.parquet"


class TrainError(UserError):
    """Training cannot run as configured; the message is one line meant for the user."""


def build_estimator(
    task: str, name: str, hyperparameters: Mapping[str, object], seed: int
) -> BaseEstimator:
    """The estimator ``name`` for ``task`` with its hyperparameters, seeded when it takes one."""
    from ..estimators import ESTIMATORS

    known = ESTIMATORS.get(task, {})
    if name not in known:
        raise TrainError(
            f"unknown estimator {name!r} for {task} (known: {', '.join(sorted(known))})"
        )
    module, cls_name = known[name]
    cls = getattr(importlib.import_module(module), cls_name)
    accepted = inspect.signature(cls).parameters
    params = {
        match_hyperparameter(name, key, accepted): value for key, value in hyperparameters.items()
    }
    if "random_state" in accepted and "random_state" not in params:
        params["random_state"] = seed
    return cls(**params)


def match_hyperparameter(estimator: str, given: str, accepted: Mapping[str, object]) -> str:
    """The estimator's own name for ``given``: exact, else the one match ignoring case.

    Environment variables arrive upper case (``..._HYPERPARAMETERS__MAX_ITER``), while
    scikit-learn mixes cases (``C``, ``max_iter``).
    """
    if given in accepted:
        return given
    matches = [name for name in accepted if name.lower() == given.lower()]
    if len(matches) == 1:
        return matches[0]
    raise TrainError(
        f"{estimator} has no hyperparameter {given!r} (it takes: {', '.join(sorted(accepted))})"
    )


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


def check_target(frame: pd.DataFrame, target: str, task: str) -> None:
    """A one-line TrainError when the target cannot be learnt as ``task`` (with the fix)."""
    import pandas as pd

    values = frame[target]
    missing = int(values.isna().sum())
    if missing:
        raise TrainError(
            f"{missing} row(s) have no target {target!r}: the contract must refuse them "
            "(the default) or say missing_target: drop"
        )
    numeric = pd.api.types.is_numeric_dtype(values.dtype)
    if task == "regression" and (not numeric or pd.api.types.is_bool_dtype(values.dtype)):
        raise TrainError(
            f"task is regression but target {target!r} holds labels ({values.dtype}): "
            "set task: classification in params.yaml"
        )
    distinct = values.nunique()
    if task == "classification" and distinct < 2:
        raise TrainError(f"target {target!r} has a single class: nothing to learn")
    if task == "classification" and pd.api.types.is_float_dtype(values.dtype):
        fractional = bool((values != values.round()).any())
        if fractional:
            raise TrainError(
                f"task is classification but target {target!r} holds {distinct} distinct "
                "numbers with decimals: set task: regression in params.yaml"
            )


def fit(
    frame: pd.DataFrame, contract: Contract, settings: Settings
) -> tuple[Pipeline, pd.DataFrame, pd.DataFrame]:
    """Split ``frame`` (seeded) and fit the pipeline on the training part: (model, train, test).

    The feature transformer (the team's ``build_features``) outputs dense arrays for
    estimators that take no sparse input.
    """
    from sklearn.pipeline import Pipeline
    from sklearn.utils._param_validation import InvalidParameterError

    from ..features import build_features
    from .data import split
    from .features import adapt_for

    estimator = build_estimator(
        settings.task,
        settings.train.estimator,
        settings.train.chosen_hyperparameters(),
        settings.seed,
    )
    target = contract.target
    check_target(frame, target, settings.task)
    train, test = split(
        frame,
        target=target,
        test_size=settings.data.test_size,
        seed=settings.seed,
        stratify=settings.task == "classification",
    )
    features = build_features(contract)
    adapt_for(features, estimator)
    model = Pipeline([("features", features), ("estimator", estimator)])
    try:
        model.fit(train, train[target])
    except (InvalidParameterError, TypeError, ValueError) as error:
        reason = str(error).strip().splitlines()[0]
        raise TrainError(f"cannot fit {settings.train.estimator}: {reason}") from error
    except MemoryError as error:
        raise TrainError(
            f"out of memory fitting {settings.train.estimator} on {len(train)} rows: give "
            "high-cardinality columns encoding: target, or role: ignore, in the contract"
        ) from error
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
    models = settings.models_dir
    holdout_path = write_parquet(test_rows, models / HOLDOUT_FILE)
    saved = save_model(model, models / MODEL_FILE)
    metadata = {
        **saved,
        "path": MODEL_FILE,
        "task": settings.task,
        "estimator": settings.train.estimator,
        "hyperparameters": settings.train.chosen_hyperparameters(),
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


def read_metadata(models_dir: Path | str = "models") -> dict[str, Any]:
    """The metadata ``train`` wrote in ``models_dir``; a clear error when it has not run."""
    path = Path(models_dir) / METADATA_FILE
    if not path.is_file():
        raise TrainError(f"{path} not found: run `train` first")
    metadata: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return metadata
