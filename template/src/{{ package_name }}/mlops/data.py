"""Datasets: raw files or the embedded default data, a seeded split, and the ingest stage.

The pipeline works offline: nothing is downloaded, the default datasets come with scikit-learn.
Ingest reads ``data/raw/<dataset>.parquet`` or ``.csv`` when present (else the embedded dataset of
that name), validates it against ``contracts/<dataset>.yaml`` BEFORE anything else, and only then
writes ``data/processed/<dataset>.parquet``. Every output is written atomically (temp file +
``os.replace``), so a failed run leaves the previous outputs untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

from .errors import UserError
from .files import write_atomic

TARGET = "target"
ID_COLUMN = "sample_id"


class DataError(UserError):
    """The data cannot be used; the message is one line meant for the user."""


def load_embedded(name: str) -> pd.DataFrame:
    """The dataset ``name`` from a loader registered in ``datasets.py`` (the team's file)."""
    from ..datasets import DATASETS

    if name not in DATASETS:
        known = ", ".join(sorted(DATASETS))
        raise DataError(f"no loader for dataset {name!r} in datasets.py (known: {known})")
    return DATASETS[name]()


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


RAW_DIR = Path("data/raw")
PROCESSED_DIR = Path("data/processed")
RAW_SUFFIXES = (".parquet", ".csv")


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """Write a frame as Parquet, atomically."""
    return write_atomic(path, frame.to_parquet(index=False))


def read_table(path: Path) -> pd.DataFrame:
    """Read a ``.csv`` or ``.parquet`` file; an empty or unreadable file is a one-line DataError."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    if path.stat().st_size == 0:
        raise DataError(f"data file is empty: {path}")
    try:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif path.suffix == ".csv":
            frame = pd.read_csv(path)
        else:
            raise DataError(f"unsupported data file {path} (use .csv or .parquet)")
    except pd.errors.EmptyDataError as error:
        raise DataError(f"data file is empty: {path}") from error
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as error:
        if isinstance(error, DataError):
            raise
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataError(f"cannot read {path}: {reason}") from error
    if frame.empty:
        raise DataError(f"data file has no rows: {path}")
    return frame


def raw_path(dataset: str, root: Path | str = ".") -> Path | None:
    """``data/raw/<dataset>.parquet`` or ``.csv`` when one exists (Parquet first), else None."""
    for suffix in RAW_SUFFIXES:
        candidate = Path(root) / RAW_DIR / f"{dataset}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def load_source(dataset: str, root: Path | str = ".") -> tuple[pd.DataFrame, str]:
    """The dataset's rows and where they came from: the raw file, else the embedded dataset."""
    path = raw_path(dataset, root)
    if path is not None:
        return read_table(path), str(path)
    from ..datasets import DATASETS

    if dataset not in DATASETS:
        raise DataError(
            f"no data/raw/{dataset}.csv or .parquet and no loader named {dataset!r} in datasets.py"
        )
    return load_embedded(dataset), f"embedded:{dataset}"


def processed_path(dataset: str, root: Path | str = ".") -> Path:
    """Where ingest writes the validated dataset."""
    return Path(root) / PROCESSED_DIR / f"{dataset}.parquet"


@dataclass(frozen=True)
class IngestResult:
    """What ingest produced: the validated frame, where it came from and where it was written."""

    frame: pd.DataFrame
    source: str
    output: Path
    report: Path


def ingest(dataset: str, root: Path | str = ".", source: Path | None = None) -> IngestResult:
    """Read, validate by the dataset's contract FIRST, then write the processed Parquet file.

    A contract violation raises ``contract.ContractViolation`` (report written under
    ``reports/``) before anything under ``data/processed/`` is touched.
    """
    from .contract import check_frame, load_contract

    root = Path(root)
    contract = load_contract(dataset, root)
    if source is not None:
        frame, origin = read_table(source), str(source)
    else:
        frame, origin = load_source(dataset, root)
    frame, report = check_frame(contract, frame, source=origin, root=root)
    output = write_parquet(frame, processed_path(dataset, root))
    return IngestResult(frame=frame, source=origin, output=output, report=report)


def load_processed(dataset: str, root: Path | str = ".") -> pd.DataFrame:
    """The validated dataset ingest wrote; a clear error when ingest has not run."""
    path = processed_path(dataset, root)
    if not path.is_file():
        raise DataError(f"{path} not found: run `ingest` first")
    return pd.read_parquet(path)
