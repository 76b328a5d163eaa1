"""Datasets: the embedded default data scikit-learn ships, and a seeded, reproducible split.

The pipeline works offline: nothing is downloaded, the default datasets come with scikit-learn.
"""

from __future__ import annotations

import re

import pandas as pd
from sklearn import datasets
from sklearn.model_selection import train_test_split

TARGET = "target"
ID_COLUMN = "sample_id"

# Embedded datasets by name, and the task each one serves.
EMBEDDED = {
    "breast_cancer": ("classification", datasets.load_breast_cancer),
    "diabetes": ("regression", datasets.load_diabetes),
}


class DataError(ValueError):
    """The data cannot be used; the message is one line meant for the user."""


def snake_case(name: str) -> str:
    """``'mean radius'`` -> ``'mean_radius'``: column names that are valid identifiers."""
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()


def load_embedded(name: str) -> pd.DataFrame:
    """Load an embedded dataset as one DataFrame: an id column, the features, then ``target``."""
    if name not in EMBEDDED:
        known = ", ".join(sorted(EMBEDDED))
        raise DataError(f"unknown embedded dataset {name!r} (known: {known})")
    _, loader = EMBEDDED[name]
    bunch = loader(as_frame=True)
    features = bunch.data.rename(columns=snake_case)
    frame = features.assign(**{TARGET: bunch.target.to_numpy()})
    frame.insert(0, ID_COLUMN, range(len(frame)))
    return frame


def split(
    frame: pd.DataFrame,
    *,
    target: str = TARGET,
    test_size: float = 0.2,
    seed: int = 42,
    stratify: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into train and test sets; the same seed always gives the same split."""
    if target not in frame.columns:
        raise DataError(f"target column {target!r} not in data")
    if len(frame) < 2:
        raise DataError(f"need at least 2 rows to split, got {len(frame)}")
    train, test = train_test_split(
        frame,
        test_size=test_size,
        random_state=seed,
        stratify=frame[target] if stratify else None,
    )
    return train, test
