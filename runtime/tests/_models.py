"""Small fitted models for the registry, promotion, prediction and drift tests.

Three strengths per task, all fitted on the project's own training split: ``good`` (every
feature), ``weak`` (one or two features: above the promotion floors, clearly worse than ``good``)
and ``bad`` (a constant predictor, below the floors).
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import pandas as pd
from _package import lib

WEAK_FEATURES = {
    "classification": ["worst_radius", "worst_texture"],
    "regression": ["s5"],
}


# The helpers below read only the embedded data and the reference contract, which no test
# changes: each result is computed once per key, and callers get their own copy to change.


def names(settings: Any) -> tuple[str, str]:
    """The id and target columns of the project's dataset, as its contract names them."""
    return _names(settings.data.dataset)


@functools.cache
def _names(dataset: str) -> tuple[str, str]:
    from _package import REFERENCE

    contract = lib("contract").load_contract(dataset, REFERENCE)
    return contract.ids[0], contract.target


# What the split depends on: the dataset, the test share, the seed and the task.
SplitKey = tuple[str, float, int, str]


def split_key(settings: Any) -> SplitKey:
    return (settings.data.dataset, settings.data.test_size, settings.seed, settings.task)


def training_data(settings: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The train and test split of the project's embedded dataset."""
    train, test = _split(split_key(settings))
    return train.copy(), test.copy()


@functools.cache
def _split(key: SplitKey) -> tuple[pd.DataFrame, pd.DataFrame]:
    dataset, test_size, seed, task = key
    data = lib("data")
    split: tuple[pd.DataFrame, pd.DataFrame] = data.split(
        data.load_embedded(dataset),
        target=_names(dataset)[1],
        test_size=test_size,
        seed=seed,
        stratify=task == "classification",
    )
    return split


def train_project(settings: Any, root: Any) -> Any:
    """Run the project's own ``train`` stage: registers a candidate with its held-out rows."""
    frame = lib("data").load_embedded(settings.data.dataset)
    return lib("train").train(settings, root, frame=frame)


def open_line(project: Path) -> Any:
    """The registry of the project's dataset (the settings' backend and models_dir)."""
    settings = lib("settings").load_settings(project)
    return lib("registry").open_registry(settings, project)


def register(
    registry: Any,
    settings: Any,
    model: Any,
    *,
    reference: Any = None,
    holdout: pd.DataFrame | None = None,
    metrics: Any = None,
    run_id: str | None = None,
) -> Any:
    """Register ``model`` as the candidate with the project's held-out rows and statistics."""
    train, test = training_data(settings)
    id_column, target = names(settings)
    if reference is None:
        numeric = [c for c in train.columns if c not in {target, id_column}]
        reference = lib("drift").reference_stats(train, numeric, [])
    candidate = lib("registry").Candidate(
        model=model,
        holdout=test if holdout is None else holdout,
        reference=reference,
        metrics=metrics or {},
        dataset=settings.data.dataset,
        task=settings.task,
        target=target,
        estimator=type(model).__name__,
        run_id=run_id,
    )
    return registry.register(candidate)


def fit(settings: Any, strength: str = "good", *, boosting: bool = False) -> Any:
    """A fitted pipeline that selects its feature columns by name (like the project's own)."""
    return copy.deepcopy(_fit(split_key(settings), strength, boosting))


@functools.cache
def _fit(key: SplitKey, strength: str, boosting: bool) -> Any:
    from sklearn.compose import make_column_transformer
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train, _ = _split(key)
    dataset, _, _, task = key
    id_column, target = _names(dataset)
    classification = task == "classification"
    features = [c for c in train.columns if c not in {target, id_column}]
    if strength == "weak":
        features = WEAK_FEATURES[task]
    if strength == "bad":
        estimator: Any = DummyClassifier() if classification else DummyRegressor()
    elif boosting:
        estimator = (
            HistGradientBoostingClassifier(max_iter=20, random_state=0)
            if classification
            else HistGradientBoostingRegressor(max_iter=20, random_state=0)
        )
    else:
        estimator = LogisticRegression(max_iter=1000) if classification else Ridge()
    model = make_pipeline(make_column_transformer((StandardScaler(), features)), estimator)
    return model.fit(train, train[target])


def contract_of(project: Path, frame: pd.DataFrame) -> None:
    """Make the project's contract describe ``frame`` (synthetic batches for drift): number
    columns as nullable numeric features, text as categorical ones, plus the dataset's target,
    so the batches ``drift`` validates by the contract meet it."""
    settings = lib("settings").load_settings(project)
    contract = lib("contract")
    columns: dict[str, dict[str, object]] = {}
    for name, values in frame.items():
        number = pd.api.types.is_numeric_dtype(values.dtype)
        columns[str(name)] = {
            "role": "feature_numeric" if number else "feature_categorical",
            "dtype": "float64" if number else "str",
            "nullable": True,
        }
    columns[names(settings)[1]] = {"role": "target", "dtype": "float64"}
    raw = {"version": 1, "columns": columns}
    text = contract.dump_contract(contract.from_mapping(raw, settings.data.dataset))
    contract.contract_path(settings.data.dataset, project).write_text(text, encoding="utf-8")
