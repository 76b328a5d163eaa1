"""Your features: how the contract's columns become the model's inputs.

**Yours to change.** The pipeline calls ``build_features(contract)`` and puts the transformer it
returns in front of the estimator, inside the saved model (so prediction applies exactly the same
steps). The default below builds everything from the contract's column roles, so a new dataset
needs a contract, not code; replace or extend it for domain features (ratios, text, lags).
Anything you add must be a scikit-learn transformer that skops can save (see docs/STYLE.md).
"""

from __future__ import annotations

from leanops_runtime.contract import Contract
from leanops_runtime.features import default_preprocessor
from sklearn.compose import ColumnTransformer


def build_features(contract: Contract) -> ColumnTransformer:
    """The feature transformer for ``contract``: by default, built from the column roles."""
    return default_preprocessor(contract)
