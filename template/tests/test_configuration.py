"""Your configuration holds together: ``params.yaml``, the dataset's contract, ``features.py``
and the estimator, read from this project (not the reference copy the machinery tests use).

Your data is not in git, so the features are fitted on a few rows made from the contract alone
(its dtypes, ranges and allowed values): a feature that names a column the contract lacks, or an
estimator that does not take its hyperparameters, fails here, in CI, before a pipeline run.
Check the data itself with ``contract check`` where it lives.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from _package import ROOT, load
from leanops_runtime import contract as contract_mod
from leanops_runtime import settings as config
from leanops_runtime import train
from leanops_runtime.features import FitContext, target_type
from leanops_runtime.model import dump_model, load_model
from leanops_runtime.registry.trust import allowed_types, allowlist_path
from sklearn.pipeline import Pipeline

features = load("features")

ROWS = 40


def sample_rows(contract: Any, rows: int = ROWS) -> pd.DataFrame:
    """``rows`` rows that meet ``contract``'s dtypes, ranges and allowed values."""
    rng = np.random.default_rng(0)
    frame = {}
    for name, column in contract.schema.columns.items():
        checks = {check.name: check.statistics for check in column.checks}
        dtype = str(column.dtype) if column.dtype is not None else "str"
        if "isin" in checks:
            allowed = list(checks["isin"]["allowed_values"])
            frame[name] = [allowed[i % len(allowed)] for i in range(rows)]
        elif dtype.startswith(("int", "float", "uint", "Int", "Float")):
            low = float(checks.get("in_range", {}).get("min_value", 0))
            high = float(checks.get("in_range", {}).get("max_value", low + 1))
            values = rng.uniform(low, high, rows)
            frame[name] = np.round(values) if "int" in dtype.lower() else values
        elif dtype.startswith("datetime"):
            frame[name] = pd.date_range("2024-01-01", periods=rows, freq="D")
        elif dtype == "bool":
            frame[name] = [i % 2 == 0 for i in range(rows)]
        else:
            frame[name] = [f"v{i % 4}" for i in range(rows)]
    return pd.DataFrame(frame).astype(
        {n: c.dtype.type for n, c in contract.schema.columns.items() if c.dtype is not None},
        errors="ignore",
    )


@pytest.fixture(scope="module")
def settings() -> Any:
    return config.load_settings(ROOT)


@pytest.fixture(scope="module")
def contract(settings: Any) -> Any:
    return contract_mod.load_contract(settings.data.dataset, ROOT)


def test_the_contract_of_the_configured_dataset_loads(settings: Any, contract: Any) -> None:
    assert contract.target, f"contracts/{settings.data.dataset}.yaml names no target column"
    assert contract.features, f"contracts/{settings.data.dataset}.yaml names no feature column"


def configured_estimator(settings: Any) -> Any:
    return train.build_estimator(
        settings.task,
        settings.train.estimator,
        settings.train.chosen_hyperparameters(),
        settings.seed,
    )


def test_your_features_and_the_configured_estimator_fit_the_contracts_columns(
    settings: Any, contract: Any
) -> None:
    frame = sample_rows(contract)
    inputs, target = frame.drop(columns=[contract.target]), frame[contract.target]
    estimator = configured_estimator(settings)
    fit = FitContext(settings.task, target_type(settings.task, target), estimator)
    model = Pipeline(
        [("features", features.build_features(contract, fit)), ("estimator", estimator)]
    )
    assert len(model.fit(inputs, target).predict(inputs)) == ROWS

    # Saved and loaded as the registry does: a lambda, or a type trusted-types.txt does not
    # list, fails here rather than at promote.
    saved = dump_model(model)
    load_model(saved.data, saved.sha256, allowed_types(allowlist_path(ROOT)))
