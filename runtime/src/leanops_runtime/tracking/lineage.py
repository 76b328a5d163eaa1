"""What a run records about its inputs: dataset fingerprints and fitted feature steps.

Standard library at import time; pandas is imported when a dataset is fingerprinted.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    import pandas as pd


class Fingerprint(TypedDict):
    """A DataFrame's full-content hash, size and schema (``[[name, dtype], ...]``)."""

    sha256: str
    rows: int
    columns: int
    schema: list[list[str]]


def to_json(value: object) -> str:
    """``value`` as sorted JSON (anything unknown as its text)."""
    import json

    return json.dumps(value, sort_keys=True, default=str)


def fingerprint(df: pd.DataFrame) -> Fingerprint:
    """Full-content fingerprint of a DataFrame: any single-cell edit changes ``sha256``.

    Hashes every row (``pandas.util.hash_pandas_object``, index included) plus the column names and
    dtypes. Unlike MLflow's digest it reads all rows and every column type (bool, datetime and
    category too); row-identical copies and re-reads of the same file give the same value.
    """
    import hashlib

    import pandas as pd

    schema = [[str(name), str(dtype)] for name, dtype in df.dtypes.items()]
    digest = hashlib.sha256(to_json(schema).encode())
    rows = pd.util.hash_pandas_object(df, index=True).to_numpy()
    digest.update(rows.astype("<u8", copy=False).tobytes())
    return {"sha256": digest.hexdigest(), "rows": len(df), "columns": len(schema), "schema": schema}


def feature_steps(pipeline: object) -> list[dict[str, object]]:
    """Step names, classes and own parameters of a fitted sklearn Pipeline or ColumnTransformer.

    Nested pipelines and column transformers are flattened with ``outer__inner`` names, so the
    record reads like sklearn's own ``set_params`` keys.
    """
    found: list[dict[str, object]] = []

    def visit(prefix: str, step: object, columns: object = None) -> None:
        params = own_params(step) if not isinstance(step, str) else {}
        if columns is not None:
            params["columns"] = columns
        found.append(
            {
                "name": prefix or type(step).__name__,
                # 'drop' and 'passthrough' stand for themselves
                "class": step
                if isinstance(step, str)
                else f"{type(step).__module__}.{type(step).__qualname__}",
                "params": params,
            }
        )
        for name, child, child_columns in children(step):
            visit(f"{prefix}__{name}" if prefix else name, child, child_columns)

    visit("", pipeline)
    return found


def children(step: object) -> list[tuple[str, object, object]]:
    """The named sub-steps of a Pipeline or ColumnTransformer (with a transformer's columns)."""
    transformers = getattr(step, "transformers_", None) or getattr(step, "transformers", None)
    if transformers:
        return [(name, est, plain(cols)) for name, est, cols in transformers]
    steps = getattr(step, "steps", None)
    if steps:
        return [(name, est, None) for name, est in steps]
    return []


def own_params(step: object) -> dict[str, object]:
    """A step's parameters without nested estimators (they are recorded as their own steps)."""
    get_params = getattr(step, "get_params", None)
    if get_params is None:
        return {}
    params: dict[str, object] = get_params(deep=False)
    skip = {"steps", "transformers"}
    return {
        key: plain(value)
        for key, value in params.items()
        if key not in skip and not hasattr(value, "get_params")
    }


def plain(value: object) -> object:  # noqa: PLR0911 (one return per kind of value)
    """A JSON-friendly version of a parameter value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    tolist = getattr(value, "tolist", None)
    if tolist is not None:
        return plain(tolist())
    if callable(value):
        return getattr(value, "__qualname__", repr(value))
    return repr(value)
