"""Batch prediction with the production model: CSV or Parquet in, the same format out.

The input is read by the contract's reading rules and validated by the contract, less the
target column (a batch may carry it or not), exactly as ``contract check`` does: every failure
with its row, a JSON report ``reports/contract_<dataset>_<input>.json`` and exit code 1 (rows
that break it are set aside, the others predicted: ``run``). A CSV output follows the
contract's reading rules (delimiter, decimal mark, encoding). The output keeps the contract's id
and passthrough columns, adds ``prediction`` and, for a classifier, one ``probability_<class>``
column per class (named after the class: ``probability_yes``, ``probability_0``), and records
which model made it: a ``model_version`` column, and for Parquet also file metadata with the
version, the artifact's SHA-256 and the data version it trained on. It is written to a
temporary file first and renamed, so a failed run never leaves half a file, and the rows set
aside are written only with their predictions.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .contract import Contract, ContractViolation, Failure, ReadingRules, conform
from .errors import UserError
from .files import REPORTS_DIR as REPORTS_DIR  # noqa: PLC0414 (imported from here up to 0.3.0)
from .files import write_atomic
from .model import Model

log = logging.getLogger(__name__)

SUFFIXES = (".csv", ".parquet")
PREDICTION = "prediction"
# Without an id column: the row's place in the batch, 1 for the first (a CSV's line 2).
ROW = "row"
PROBABILITY_PREFIX = "probability_"


class PredictError(UserError):
    """Prediction cannot run; the message is one line meant for the user."""


def checked_batch(
    source: Path | str,
    contract: Contract,
    root: Path | str = ".",
    *,
    values: bool = True,
    report: Path | None = None,
) -> tuple[pd.DataFrame, Path]:
    """A batch read by the contract's reading rules and validated by it, target excluded: the
    frame and its contract report (``reports/contract_<dataset>_<input name>.json``).

    A batch that breaks the contract (a ``#DIV/0!`` in a number column, a value out of range)
    raises ``contract.ContractViolation`` (exit 1), as ``contract check`` does. ``values=False``
    checks columns, dtypes and reading rules only (``Contract.types_only``), for drift, which
    writes its partial check to its own ``report`` so it never replaces the batch's full one.
    """
    from .contract import check_frame, read_data

    batch = contract.without_target()
    batch = batch if values else batch.types_only()
    table = read_data(source, batch)
    frame = table.frame.drop(columns=[contract.target], errors="ignore")
    report = report or report_for(contract, source, root)
    return check_frame(
        batch, frame, source=str(source), root=root, reading=table.failures, report=report
    )


def rows_kept(
    error: ContractViolation, contract: Contract
) -> tuple[pd.DataFrame, list[int]] | None:
    """The checked rows less those that broke the contract, conformed again without them (a
    true/false column is bool once its ``maybe`` is gone), and those rows (0 for the first);
    None when a failure is not a row's (a missing column) or no row is left."""
    found = {failure["row"] for failure in error.failures}
    rows = sorted(row for row in found if isinstance(row, int))
    checked = error.frame
    if checked is None or len(rows) < len(found) or len(rows) == len(checked):
        return None
    return conform(contract, checked.drop(index=rows)), rows


def warn_unseen(
    frame: pd.DataFrame, contract: Contract, reference: Mapping[str, object] | None = None
) -> None:
    """Name, per categorical feature, the rows holding a value training never saw: they are
    predicted with that feature as an unknown category. The values seen are the contract's list
    for an ``unseen: unknown`` column (another column refuses such rows before this), else, for
    a column the contract lists none for (a target-encoded code), every value of the model's
    drift ``reference`` when it kept them all."""
    from .drift.reference import MISSING, OTHER, categories

    features = reference.get("features") if reference is not None else None
    for column in sorted(set(contract.columns("feature_categorical")) & set(frame.columns)):
        listed = [
            check.statistics.get("allowed_values")
            for check in contract.schema.columns[column].checks
            if check.name == "isin"
        ]
        if listed and listed[0] is not None:
            if column not in contract.open_categories:
                continue
            known, why = [str(v) for v in listed[0]], "unseen: unknown in the contract"
        else:
            kept = features.get(column) if isinstance(features, dict) else None
            counts = kept.get("counts") if isinstance(kept, dict) else None
            if not isinstance(counts, dict) or OTHER in counts:
                continue
            known, why = list(counts), "the contract lists no values for it"
        values = categories(frame[column])
        unseen = values[(values != MISSING) & ~values.isin(known)]
        if unseen.empty:
            continue
        shown = ", ".join(repr(value) for value in unseen.unique()[:3])
        log.warning(
            "%d row(s) hold a %s value training never saw (%s): predicted as an unknown "
            "category (%s)",
            len(unseen),
            column,
            shown,
            why,
        )


def default_output(source: Path | str) -> Path:
    """``data/new.csv`` -> ``reports/predictions-new.csv`` (same format as the input)."""
    source = Path(source)
    return REPORTS_DIR / f"predictions-{source.stem}{source.suffix.lower()}"


def report_for(contract: Contract, source: Path | str, root: Path | str = ".") -> Path:
    """``reports/contract_<dataset>_<input name>.json``: the batch's contract report."""
    from .contract import report_path

    return report_path(contract.name, root, f"_{Path(source).stem}")


def encoded(
    frame: pd.DataFrame,
    path: Path | str,
    *,
    reading: ReadingRules | None = None,
    formats: Mapping[str, str] | None = None,
) -> bytes:
    """``frame`` as the bytes of a CSV or Parquet file (by ``path``'s suffix). A CSV follows the
    contract's ``reading`` rules (delimiter, decimal mark, encoding) and its dates' ``formats``,
    so it opens in the same spreadsheet as the batch did, and the contract reads it back:
    ``12,5`` stays ``12,5`` in a ``;``-separated file, ``31.01.2025`` stays as written."""
    path = Path(path)
    rules = reading or ReadingRules()
    if path.suffix.lower() not in SUFFIXES:
        raise PredictError(f"{path}: the output must end in .csv or .parquet")
    if path.suffix.lower() == ".parquet":
        return frame.to_parquet(index=False)
    dates = {  # a strftime format; pandas' own words for parsing (ISO8601, mixed) write ISO
        column: frame[column].dt.strftime(form)
        for column, form in (formats or {}).items()
        if "%" in form and column in frame and pd.api.types.is_datetime64_any_dtype(frame[column])
    }
    # A missing value as the file spells one the contract reads as missing.
    missing = "" if "" in rules.na_values or not rules.na_values else rules.na_values[0]
    text = frame.assign(**dates).to_csv(
        index=False, sep=rules.delimiter, decimal=rules.decimal, na_rep=missing
    )
    try:
        return text.encode(rules.encoding)
    except UnicodeEncodeError as error:
        raise PredictError(
            f"{path}: {error.object[error.start : error.end]!r} cannot be written in "
            f"{rules.encoding} (reading.encoding): write a .parquet file, or set utf-8"
        ) from error


def write_predictions(
    frame: pd.DataFrame, path: Path | str, *, reading: ReadingRules | None = None
) -> Path:
    """Write ``frame`` as CSV or Parquet (by suffix), atomically (see ``encoded``)."""
    return write_atomic(Path(path), encoded(frame, path, reading=reading))


def probability_column(label: object) -> str:
    """``'yes'`` -> ``'probability_yes'``; the column of a class's probability."""
    return f"{PROBABILITY_PREFIX}{label}"


def predict_frame(
    model: Model,
    frame: pd.DataFrame,
    version: int,
    sha256: str,
    *,
    carried: Sequence[str] = (),
    data_version: str | None = None,
) -> pd.DataFrame:
    """Predictions for ``frame``: the ``carried`` columns, the prediction, one probability per
    class for a classifier, and the model version (with, in the frame's ``attrs``, its hash and
    the data version it trained on)."""
    out = frame[[c for c in carried if c in frame.columns]].copy()
    out[PREDICTION] = np.asarray(model.predict(frame))
    classes = getattr(model, "classes_", None)
    predict_proba = getattr(model, "predict_proba", None)
    if classes is not None and callable(predict_proba):
        proba = np.asarray(predict_proba(frame), dtype=float)
        for i, label in enumerate(classes):
            out[probability_column(label)] = proba[:, i]
    out["model_version"] = f"v{version}"
    out = out.reset_index(drop=True)
    out.attrs = {"model_version": f"v{version}", "model_sha256": sha256}
    if data_version is not None:
        out.attrs["data_version"] = data_version
    return out


@dataclass(frozen=True)
class Predictions:
    """What ``run`` wrote: where, the rows, the contract report of the batch, and the rows set
    aside (their count, and the file that holds them with their reasons; None: none)."""

    path: Path
    frame: pd.DataFrame
    report: Path
    set_aside: int = 0
    quarantine: Path | None = None
    hint: str = ""  # the fix the rows set aside point to, when one does


def default_quarantine(output: Path) -> Path:
    """``reports/predictions-new.csv`` -> ``reports/predictions-new.refused.csv``."""
    return output.with_name(f"{output.stem}.refused{output.suffix}")


def set_aside_rows(
    source: Path | str, contract: Contract, rows: list[int], failures: Sequence[Failure]
) -> pd.DataFrame:
    """The ``rows`` (0 for the first) as the batch gives them, every value the text it holds
    (``abc`` in a number column stays ``abc``), after their place (``row``, 1 for the first)
    and before their ``reasons``: what to fix at the source."""
    from .contract import read_raw
    from .contract.checks import describe

    given = read_raw(source, contract.reading, everything_as_text=True).iloc[rows]
    given.insert(0, ROW, [row + 1 for row in rows])
    given["reasons"] = ["; ".join(describe(f) for f in failures if f["row"] == row) for row in rows]
    return given.reset_index(drop=True)


def missing_inputs(
    error: ValueError, version: object, trained_on: object, contract: Contract
) -> PredictError | None:
    """scikit-learn's refusal of a frame that lacks a column the fitted features read, as one
    line with the way out (None: another error). The batch met the current contract, which may
    leave out a column an older version of it made a feature (one found to leak, then set to
    ``ignore``)."""
    import ast

    head, _, listed = str(error).partition(": ")
    if head != "columns are missing":  # scikit-learn's ColumnTransformer.transform
        return None
    try:
        lacking = sorted(str(name) for name in ast.literal_eval(listed))
    except (ValueError, SyntaxError, TypeError):
        return None
    changed = (
        f" (on contract {contract.name} v{trained_on}; it is v{contract.version} now)"
        if trained_on is not None and str(trained_on) != str(contract.version)
        else ""
    )
    return PredictError(
        f"model v{version} was trained on column(s) the batch lacks: {', '.join(lacking)}"
        f"{changed}: add them to the batch, or promote a version trained on the current contract"
    )


def run(
    source: Path | str,
    output: Path | str | None,
    *,
    model: Model,
    entry: Mapping[str, object],
    contract: Contract,
    root: Path | str = ".",
    bad_rows: str = "quarantine",
    quarantine_to: Path | None = None,
    reference: Mapping[str, object] | None = None,
) -> Predictions:
    """Read ``source`` by the contract, validate it (target excluded), predict, write.

    Rows that break the contract are set aside (``bad_rows="quarantine"``): written with their
    reasons beside the predictions, which cover the other rows. A batch whose columns break it
    (a missing column, a wrong type for all rows), or any bad row with ``bad_rows="refuse"``,
    raises ``contract.ContractViolation`` (exit 1) with the same report as ``contract check``,
    and nothing is written. The rows set aside go to ``quarantine_to`` (default: beside the
    output, ``<output>.refused.<suffix>``). ``entry`` is the registry's record of ``model``
    (its ``version`` and ``sha256``); ``reference``, its drift reference, names the values a
    code the contract lists none for was trained on (``warn_unseen``).
    """
    target = Path(output or default_output(source))
    refused: pd.DataFrame | None = None
    hint = ""
    try:
        frame, written = checked_batch(source, contract, root)
    except ContractViolation as error:
        kept = rows_kept(error, contract)
        if bad_rows != "quarantine" or kept is None:
            raise  # a whole column's failure, no row left, or the team refuses such batches
        frame, rows = kept
        refused = set_aside_rows(source, contract, rows, error.failures)
        written, hint = error.report, error.hints[0] if error.hints else ""
    warn_unseen(frame, contract, reference)
    positions = frame.index + 1  # each row's place in the batch, 1 for the first
    version, sha256 = entry.get("version"), entry.get("sha256")
    trained_on = entry.get("data_fingerprint")
    try:
        result = predict_frame(
            model,
            frame,
            version if isinstance(version, int) else 0,
            str(sha256),
            carried=contract.carried,
            data_version=trained_on["sha256"] if isinstance(trained_on, dict) else None,
        )
    except ValueError as error:
        refusal = missing_inputs(error, version, entry.get("contract_version"), contract)
        if refusal is None:
            raise
        raise refusal from error
    if not contract.columns("id"):  # without an id, a row is named by its place in the batch
        result.insert(0, ROW, positions)
    # Both files are encoded before either is written: a run that fails writes neither.
    predictions = encoded(result, target, reading=contract.reading)
    quarantine, set_aside = None, 0
    aside = quarantine_to or default_quarantine(target)
    if refused is not None:
        quarantine = write_atomic(aside, encoded(refused, aside, reading=contract.reading))
        set_aside = len(refused)
    path = write_atomic(target, predictions)
    if refused is None and aside.is_file():
        # An earlier run's rows set aside, beside predictions that now cover every row: left,
        # a job reading it could not tell it is stale.
        aside.unlink()
        log.info("removed %s: an earlier run set rows aside there; this one set none aside", aside)
    return Predictions(path, result, written, set_aside, quarantine, hint)
