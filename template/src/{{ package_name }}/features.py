"""Your features: how the contract's columns become the model's inputs.

**Yours to change.** The pipeline calls ``build_features(contract, fit)`` and puts the transformer
it returns, as it is, in front of the estimator, inside the saved model (so prediction applies
exactly the same steps). ``fit`` says what the features feed: the task, the target's type and the
estimator. The default below builds everything from the contract's column roles, so a new dataset
needs a contract, not code, and shapes it for ``fit`` (dense arrays for an estimator that takes no
sparse input, target encoders told the target's type). Replace or extend it for domain features
(ratios, text, lags); pass your own transformer through ``shape_for(transformer, fit)`` to keep
that shaping. Anything you add must be a scikit-learn transformer skops can save (docs/STYLE.md).

A column of your own, made in front of the default and named to it so that it is kept (the
function is your code: list it in trusted-types.txt when ``models --types`` asks)::

    import pandas as pd
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    def with_ratio(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(ratio=frame["debt"] / frame["income"])

    def build_features(contract: Contract, fit: FitContext) -> Pipeline:
        columns = default_preprocessor(contract, fit, numeric=["ratio"])
        return make_pipeline(FunctionTransformer(with_ratio), columns)
"""

from __future__ import annotations

from leanops_runtime.contract import Contract
from leanops_runtime.features import FitContext, default_preprocessor
from sklearn.compose import ColumnTransformer


def build_features(contract: Contract, fit: FitContext) -> ColumnTransformer:
    """The feature transformer for ``contract``: by default, built from the column roles."""
    return default_preprocessor(contract, fit)
