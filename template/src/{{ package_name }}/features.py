"""Feature engineering: a scikit-learn ``ColumnTransformer`` built from the contract's roles.

Numeric features are imputed (median) and standardised; categorical ones imputed (most frequent)
and one-hot encoded, unknown categories ignored. Id and target columns are never features, so a
new dataset is a contract change, not a code change.
"""

from __future__ import annotations

from typing import Any


def build_preprocessor(contract: Any) -> Any:
    """The ``ColumnTransformer`` for ``contract`` (columns selected by name)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = contract.columns("feature_numeric")
    categorical = contract.columns("feature_categorical")
    if not numeric and not categorical:
        raise ValueError(f"contract {contract.name} has no feature columns")
    transformers = []
    if numeric:
        numeric_steps = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
        transformers.append(("numeric", numeric_steps, numeric))
    if categorical:
        categorical_steps = make_pipeline(
            SimpleImputer(strategy="most_frequent"),
            OneHotEncoder(handle_unknown="ignore", sparse_output=False),
        )
        transformers.append(("categorical", categorical_steps, categorical))
    return ColumnTransformer(transformers, remainder="drop")
