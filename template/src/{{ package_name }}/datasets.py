"""Your datasets: where the pipeline finds a dataset by the name ``data.dataset`` gives.

**Yours to change.** ``data/raw/<name>.parquet`` or ``.csv`` is used when it exists (no code
needed: write its contract, ``contracts/<name>.yaml``, and set ``data.dataset``). Otherwise the
loader registered here under that name runs: add one for data that needs code to assemble (a
join of exports, a database extract), and keep it offline and deterministic.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

Loader = Callable[[], pd.DataFrame]

# The column names of the embedded datasets, which their contracts (contracts/*.yaml) declare as
# the id and the target. Nothing else relies on them: a dataset's contract names its own columns.
ID_COLUMN = "sample_id"
TARGET = "target"


def _sklearn(name: str) -> Loader:
    """A scikit-learn bundled dataset (``load_<name>``) as one frame: ``sample_id``, the
    features, ``target``. scikit-learn is imported when the data is loaded, not before."""

    def load() -> pd.DataFrame:
        from sklearn import datasets as sklearn_datasets

        bunch = getattr(sklearn_datasets, f"load_{name}")(as_frame=True)
        features = bunch.data.rename(columns=snake_case)
        frame: pd.DataFrame = features.assign(**{TARGET: bunch.target.to_numpy()})
        frame.insert(0, ID_COLUMN, range(len(frame)))
        return frame

    return load


def snake_case(name: str) -> str:
    """``'mean radius'`` -> ``'mean_radius'``: column names that are valid identifiers."""
    import re

    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()


# name -> loader. The two embedded datasets ship with scikit-learn, so everything runs offline.
DATASETS: dict[str, Loader] = {
    "breast_cancer": _sklearn("breast_cancer"),
    "diabetes": _sklearn("diabetes"),
}
