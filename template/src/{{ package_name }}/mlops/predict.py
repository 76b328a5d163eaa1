"""Batch prediction with the production model: CSV or Parquet in, the same format out.

The input is validated by the dataset's contract (less the target column) before the model sees
it. The output keeps the id column, adds ``prediction`` (and ``probability`` of the positive class
for a binary classifier) and records which model made it: a ``model_version`` column, and for
Parquet also file metadata with the version and the artifact's SHA-256. It is written to a
temporary file first and renamed, so a failed run never leaves half a file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .data import ID_COLUMN, TARGET
from .errors import UserError
from .files import write_atomic

SUFFIXES = (".csv", ".parquet")
REPORTS_DIR = Path("reports")


class PredictError(UserError):
    """Prediction cannot run; the message is one line meant for the user."""


def read_batch(path: Path | str) -> pd.DataFrame:
    """Read a CSV or Parquet file; a one-line error when it is missing, empty or unreadable."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise PredictError(f"{path}: expected a .csv or .parquet file")
    if not path.is_file():
        raise PredictError(f"input file not found: {path}")
    try:
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path)
        return pd.read_parquet(path)
    except Exception as error:  # pandas and pyarrow raise many kinds on bad files
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise PredictError(f"cannot read {path}: {first}") from error


def default_output(source: Path | str) -> Path:
    """``data/new.csv`` -> ``reports/predictions-new.csv`` (same format as the input)."""
    source = Path(source)
    return REPORTS_DIR / f"predictions-{source.stem}{source.suffix.lower()}"


def write_predictions(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write ``frame`` as CSV or Parquet (by suffix), atomically."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise PredictError(f"{path}: the output must end in .csv or .parquet")
    if path.suffix.lower() == ".csv":
        data = frame.to_csv(index=False).encode("utf-8")
    else:
        data = frame.to_parquet(index=False)
    return write_atomic(path, data)


def predict_frame(model: Any, frame: pd.DataFrame, version: int, sha256: str) -> pd.DataFrame:
    """Predictions for ``frame`` with the id column kept and the model version recorded."""
    features = frame.drop(columns=[TARGET], errors="ignore")
    out = pd.DataFrame(index=frame.index)
    if ID_COLUMN in frame.columns:
        out[ID_COLUMN] = frame[ID_COLUMN]
    out["prediction"] = model.predict(features)
    classes = getattr(model, "classes_", None)
    if hasattr(model, "predict_proba") and classes is not None and len(classes) == 2:
        out["probability"] = np.asarray(model.predict_proba(features))[:, 1]
    out["model_version"] = f"v{version}"
    out.attrs = {"model_version": f"v{version}", "model_sha256": sha256}
    return out.reset_index(drop=True)


def run(
    source: Path | str,
    output: Path | str | None,
    *,
    registry: Any,
    validate: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> tuple[Path, pd.DataFrame, dict[str, Any]]:
    """Read, validate, predict with the production model, write; returns path, output, entry."""
    frame = read_batch(source)
    if frame.empty:
        raise PredictError(f"{source}: no rows to predict")
    if validate is not None:
        frame = validate(frame)
    model, entry = registry.load_production()
    result = predict_frame(model, frame, entry["version"], entry["sha256"])
    path = write_predictions(result, output or default_output(source))
    return path, result, entry


def batch_validator(settings: Any, root: Path | str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Validate a batch for prediction against the dataset's contract without its target."""
    from .contract import Contract, conform, load_contract, summary, validate

    full = load_contract(settings.data.dataset, root)
    target = full.target
    contract = Contract(
        name=full.name,
        version=full.version,
        schema=full.schema.remove_columns([target]),
        roles={name: role for name, role in full.roles.items() if name != target},
    )

    def check(frame: pd.DataFrame) -> pd.DataFrame:
        frame = conform(contract, frame.drop(columns=[target], errors="ignore"))
        failures = validate(contract, frame)
        if failures:
            raise PredictError(
                f"batch breaks contract {contract.name} v{contract.version} (target excluded):"
                f" {len(failures)} failure(s): {summary(failures)}"
            )
        return frame

    return check
