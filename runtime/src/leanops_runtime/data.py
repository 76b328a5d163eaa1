"""Datasets: raw files or a loader's data, a seeded split, and the ingest stage.

The pipeline works offline: nothing is downloaded, the default datasets come with scikit-learn.
Ingest reads ``data/raw/<dataset>.parquet`` or ``.csv`` when present (by the contract's reading
rules: delimiter, missing-value markers, text and date columns), else the loader of that name in
``datasets.py``; validates it against ``contracts/<dataset>.yaml`` BEFORE anything else, and only
then writes ``data/processed/<dataset>.parquet``. Every output is written atomically (temp file +
``os.replace``), so a failed run leaves the previous outputs untouched. No column name is fixed
here: the target and the id are whatever the contract names.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .contract import Contract, Table
from .errors import UserError
from .files import write_atomic

log = logging.getLogger(__name__)


class DataError(UserError):
    """The data cannot be used; the message is one line meant for the user."""


def load_embedded(name: str) -> pd.DataFrame:
    """The dataset ``name`` from a loader registered in ``datasets.py`` (the team's file)."""
    import pandas as pd

    from .team import datasets

    loaders = datasets()
    if name not in loaders:
        known = ", ".join(sorted(loaders))
        raise DataError(f"no loader for dataset {name!r} in datasets.py (known: {known})")
    try:
        table = loaders[name]()
    except OSError as error:  # a file it reads: named, with the loader (others: their line)
        where = f" {error.filename}" if error.filename else ""
        raise DataError(
            f"datasets.py: the loader {name!r} cannot read{where}: {error.strerror or error}"
        ) from error
    if not isinstance(table, pd.DataFrame):
        raise DataError(
            f"datasets.py: the loader {name!r} returned {type(table).__name__}, not a pandas "
            "DataFrame"
        )
    if table.empty:  # as an empty data file is: said before any check reads it as something else
        raise DataError(f"datasets.py: the loader {name!r} returned a table with no rows")
    return table


def split(
    frame: pd.DataFrame,
    *,
    target: str,
    test_size: float = 0.2,
    seed: int = 42,
    stratify: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into train and test sets; the same seed always gives the same split.

    Stratified (classification) when every class has at least two rows; otherwise a plain
    split, with a warning naming the rare classes.
    """
    from sklearn.model_selection import train_test_split

    if target not in frame.columns:
        raise DataError(f"target column {target!r} not in data")
    if len(frame) < 2:
        raise DataError(f"need at least 2 rows to split, got {len(frame)}")
    labels = None
    if stratify:
        counts = frame[target].value_counts()
        rare = counts[counts < 2]
        if rare.empty:
            labels = frame[target]
        else:
            shown = ", ".join(repr(label) for label in list(rare.index)[:5])
            log.warning("class(es) with a single row: %s; the split is not stratified", shown)
    train, test = train_test_split(frame, test_size=test_size, random_state=seed, stratify=labels)
    return train, test


RAW_DIR = Path("data/raw")
PROCESSED_DIR = Path("data/processed")
RAW_SUFFIXES = (".parquet", ".csv")


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """Write a frame as Parquet, atomically."""
    return write_atomic(path, frame.to_parquet(index=False))


def raw_path(dataset: str, root: Path | str = ".") -> Path | None:
    """``data/raw/<dataset>.parquet`` or ``.csv`` when one exists, else None; a one-line
    DataError when both do: the pipeline reads one file per dataset, and the other's rows (new
    rows appended to the CSV beside a restored Parquet) would go unread without a word."""
    found = [Path(root) / RAW_DIR / f"{dataset}{suffix}" for suffix in RAW_SUFFIXES]
    present = [path for path in found if path.is_file()]
    if len(present) > 1:
        names = " and ".join(path.name for path in present)
        raise DataError(
            f"{RAW_DIR} holds both {names}: the pipeline reads one file per dataset; move or "
            "delete the one it should not read"
        )
    return present[0] if present else None


def load_source(
    contract: Contract,
    root: Path | str = ".",
    source: Path | str | None = None,
    loaded: pd.DataFrame | None = None,
) -> tuple[Table, str]:
    """The contract's dataset read by its rules, and where it came from.

    ``source`` when given, else ``data/raw/<dataset>.parquet|.csv``, else the table the loader
    of that name in ``datasets.py`` returns (``loaded``, when the caller already ran it).
    """
    from .contract import prepare, read_data

    dataset = contract.name
    path = Path(source) if source is not None else raw_path(dataset, root)
    if path is not None:
        return read_data(path, contract), str(path)
    table = loaded if loaded is not None else loader_table(dataset)
    return prepare(contract, table), f"datasets.py:{dataset}"  # its loader


def loader_table(dataset: str) -> pd.DataFrame:
    """The table of the loader named ``dataset`` in ``datasets.py``, where no raw file is."""
    from .team import datasets

    if dataset not in datasets():
        raise DataError(
            f"no data/raw/{dataset}.csv or .parquet and no loader named {dataset!r} in datasets.py"
        )
    return load_embedded(dataset)


def processed_path(dataset: str, root: Path | str = ".") -> Path:
    """Where ingest writes the validated dataset."""
    return Path(root) / PROCESSED_DIR / f"{dataset}.parquet"


@dataclass(frozen=True)
class IngestResult:
    """What ingest produced: the validated frame, where it came from and where it was written."""

    frame: pd.DataFrame
    source: str
    output: Path  # data/processed/<dataset>.parquet
    report: Path
    contract: Contract  # the one the frame was validated by, for the stages after ingest
    dropped: int = 0  # rows without a target, dropped because the contract says so


def checked(
    contract: Contract,
    root: Path | str = ".",
    source: Path | str | None = None,
    *,
    batch: bool = False,
    report: Path | None = None,
    loaded: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, str, Path, int]:
    """Read and validate (rows without a target dropped only if the contract says so).

    ``batch``: a file with no target column at all is checked as a batch to predict, by every
    rule but the target's (``contract check`` of a new batch; training never passes it).
    ``report``: where the JSON goes (default ``reports/contract_<dataset>.json``).
    ``loaded``: the table the dataset's loader returned, when the caller ran it.
    Returns the frame, its origin, the report and the rows dropped; raises
    ``contract.ContractViolation`` (report written) on any failure.
    """
    from .contract import check_frame
    from .contract.reading import drop_missing_target

    table, origin = load_source(contract, root, source, loaded)
    if batch and contract.target not in table.frame.columns:
        log.info("no target column %r: checked as a batch to predict", contract.target)
        frame, written = check_frame(
            contract.without_target(),
            table.frame,
            source=origin,
            root=root,
            reading=table.failures,
            report=report,
        )
        return frame, origin, written, 0
    frame, dropped = drop_missing_target(contract, table.frame)
    if dropped:
        log.warning(
            "dropped %d row(s) without a target %r (the contract says missing_target: drop)",
            dropped,
            contract.target,
        )
    frame, written = check_frame(
        contract,
        frame,
        source=origin,
        root=root,
        reading=table.failures,
        report=report,
        dropped=dropped,
    )
    return frame.reset_index(drop=True), origin, written, dropped


def ingest(dataset: str, root: Path | str = ".", source: Path | None = None) -> IngestResult:
    """Read, validate by the dataset's contract FIRST, then write the processed Parquet file.

    A contract violation raises ``contract.ContractViolation`` (report written under
    ``reports/``) before anything under ``data/processed/`` is touched.
    """
    result = validated(dataset, root, source)
    write_parquet(result.frame, result.output)
    return result


def validated(
    dataset: str,
    root: Path | str = ".",
    source: Path | None = None,
    *,
    contract: Contract | None = None,
    loaded: pd.DataFrame | None = None,
) -> IngestResult:
    """What ``ingest`` does but the write: the frame checked by the contract (the dataset's,
    unless the caller has loaded it; ``loaded``: the table of the dataset's loader, when the
    caller ran it), and where the processed file goes (``output``, not written yet). The
    pipeline writes it once a model trained on it, so data that no model can learn never
    replaces the processed file."""
    from .contract import load_contract

    root = Path(root)
    contract = contract if contract is not None else load_contract(dataset, root)
    frame, origin, report, dropped = checked(contract, root, source, loaded=loaded)
    return IngestResult(
        frame=frame,
        source=origin,
        output=processed_path(dataset, root),
        report=report,
        contract=contract,
        dropped=dropped,
    )


def load_processed(dataset: str, root: Path | str = ".") -> pd.DataFrame:
    """The validated dataset ingest wrote; a clear error when ingest has not run."""
    path = processed_path(dataset, root)
    if not path.is_file():
        raise DataError(f"{path} not found: run `ingest` first")
    return pd.read_parquet(path)
