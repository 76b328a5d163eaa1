"""Feature building blocks: a scikit-learn ``ColumnTransformer`` from the contract's roles.

Numeric features are imputed (median) and standardised; categorical ones imputed (most frequent)
and one-hot encoded, unknown categories ignored. Id and target columns are never features, so a
new dataset is a contract change, not a code change. The team's ``features.py`` decides what
the pipeline uses; this module is what it builds on.
"""

from __future__ import annotations

from sklearn.compose import ColumnTransformer

from .contract import Contract


def default_preprocessor(contract: Contract) -> ColumnTransformer:
    """The ``ColumnTransformer`` for ``contract``'s roles (columns selected by name)."""
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
