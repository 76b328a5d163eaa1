"""Validation by pandera, the one source of the contract's rules, and the report of failures.

Validation is lazy: every failure is collected (column, check, failing value, row), written to a
JSON report under ``reports/`` and raised as ``ContractViolation``, whose one-line message names
the kinds of failure and, where one applies, the fix (a delimiter, a missing-value marker, rows
without a target).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..errors import RefusedError
from ..files import REPORTS_DIR as REPORTS_DIR  # noqa: PLC0414 (imported from here up to 0.3.0)
from .model import Contract, ReadingRules
from .reading import COMMA_NUMBER, Failure, as_bool, delimiter_hint

# Failures printed under a violation's message; the JSON report holds all of them.
SHOWN_FAILURES = 20
# Friendly names of pandera's checks (and of the reading rules), used in the one-line message.
KINDS = {
    "column_in_dataframe": "missing column",
    "column_in_schema": "unexpected column",
    "not_nullable": "null values",
    "field_uniqueness": "duplicate values",
    "isin": "value not allowed",
    "in_range": "out of range",
    "greater_than_or_equal_to": "out of range",
    "less_than_or_equal_to": "out of range",
    "greater_than": "out of range",
    "less_than": "out of range",
    "dtype": "wrong dtype",
    "format": "unparseable date",
    "finite": "infinite value",
    "printable": "control character",
}
SCHEMA_LEVEL = ("column_in_dataframe", "column_in_schema")
NUMBERS = ("int", "float", "Int", "Float")  # the dtypes of number columns, as pandera names them


class ContractViolation(RefusedError):  # noqa: N818 - a violation, not a programming error
    """The data breaks its contract; ``failures`` holds every failure, ``report`` the JSON file."""

    def __init__(
        self,
        message: str,
        failures: list[Failure],
        report: Path,
        hints: Sequence[str] = (),
        frame: pd.DataFrame | None = None,
    ) -> None:
        super().__init__(message)
        self.failures = failures
        self.report = report
        self.hints = list(hints)
        self.frame = frame  # the rows that were checked, for a caller that sets bad ones aside

    def details(self) -> list[str]:
        """Further hints, the first failures (column, check, value, row), one line for each
        column and check, and where the rest are."""
        lines = [f"hint: {hint}" for hint in self.hints[1:]]
        groups: dict[tuple[str, str], list[Failure]] = {}
        for failure in self.failures:
            groups.setdefault((str(failure["column"]), str(failure["check"])), []).append(failure)
        listed = list(groups.values())[:SHOWN_FAILURES]
        shown = [describe_rows(group) for group in listed]
        if shown != [summary(self.failures)]:  # one failure the message names already
            lines += shown
        hidden = len(self.failures) - sum(len(group) for group in listed)
        if hidden > 0:
            lines.append(f"... and {hidden} more in {self.report}")
        return lines


def plain(value: object) -> str | int | float | bool | None:
    """A JSON-safe version of a failing value (numpy scalars, NaN, timestamps)."""
    item = getattr(value, "item", None)
    if callable(item):
        value = item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def base_check(check: object) -> str:
    """``"in_range(0, 10)"`` -> ``"in_range"``."""
    return str(check).split("(", 1)[0]


def kind(check: object) -> str:
    """``'in_range(0, 10)'`` -> ``'out of range'``: the kind of failure a check reports."""
    base = base_check(check)
    return KINDS.get(base, base)


def counted_from_one(row: object) -> object:
    """A failure's row as messages give it: 1 for the first data row (``None``: no row)."""
    return row + 1 if isinstance(row, int) and not isinstance(row, bool) else row


def describe(failure: Failure) -> str:
    """One line for a failure: ``missing column 'x'``, ``x: in_range(0, 1) failed for 5 row 3``.

    Rows count from 1, the first data row (as the ``row`` column of ``predict``'s files and a
    spreadsheet's rows below the header), as the JSON report's ``row`` does.
    """
    what = kind(failure["check"])
    column, value, row = failure["column"], failure["value"], failure["row"]
    shown = counted_from_one(row)
    if what in {"missing column", "unexpected column"}:
        return f"{what} {column!r}"
    if what == "wrong dtype" and row is None:
        return f"{column}: wrong dtype {value} (the contract says {failure['check']})"
    if what == "null values" and row is not None:
        return f"{column}: missing value row {shown}"
    where = "" if row is None else f" row {shown}"
    return f"{column}: {failure['check']} failed for {value!r}{where}"


# The rows one line names of a column's failures of one check; the report holds them all.
ROWS_SHOWN = 3


def describe_rows(failures: list[Failure]) -> str:
    """One line for the failures of one column and check: ``x: in_range(0, 1) failed for 5 row
    3, 7 row 9 and 12 more row(s)``; ``describe`` for a single one."""
    if len(failures) == 1:
        return describe(failures[0])
    first = failures[0]
    column = first["column"]
    more = len(failures) - ROWS_SHOWN
    tail = f" and {more} more row(s)" if more > 0 else ""
    rows = [(f["value"], counted_from_one(f["row"])) for f in failures[:ROWS_SHOWN]]
    if kind(first["check"]) == "null values":
        return f"{column}: missing value rows {', '.join(str(row) for _, row in rows)}{tail}"
    found = ", ".join(f"{value!r} row {row}" for value, row in rows)
    return f"{column}: {first['check']} failed for {found}{tail}"


def validate(
    contract: Contract, frame: pd.DataFrame, reading: Sequence[Failure] = ()
) -> list[Failure]:
    """Every failure of ``frame`` against the contract (empty when it passes), lazily collected.

    Each failure is ``{"column", "check", "value", "row"}``; ``row`` is the row's index in the
    frame (None for failures of a whole column, such as a missing column). ``reading`` holds the
    failures of the reading rules (unparseable dates), reported first.
    """
    from pandera.errors import SchemaErrors

    found: list[Failure] = []
    try:
        contract.schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
        for column, check, value, row in zip(
            cases["column"], cases["check"], cases["failure_case"], cases["index"], strict=True
        ):
            name = plain(value) if base_check(check) in SCHEMA_LEVEL else plain(column)
            found.append(
                {"column": name, "check": str(check), "value": plain(value), "row": plain(row)}
            )
    tidy = _tidy(_text_rows(contract, frame, found), reading)
    return [*reading, *tidy, *_infinite(frame, found), *_values_of_mistyped(contract, frame, tidy)]


def _text_rows(contract: Contract, frame: pd.DataFrame, found: list[Failure]) -> list[Failure]:
    """``found`` with a number column that pandera refuses whole, because each of its text
    values reads as a number once cast (``62.0`` in a file whose decimal mark is ``,``),
    reported as those values, each in its row: a row to fix, not a column with no clue. So is
    a true/false column refused whole for the rows that hold neither (a gap, ``maybe``)."""
    expanded: list[Failure] = []
    for failure in found:
        column = str(failure["column"])
        declared = contract.schema.columns.get(column)
        whole = kind(failure["check"]) == "wrong dtype" and failure["row"] is None
        unread = None
        if declared is not None and whole and column in frame:
            unread = _unread(frame[column], str(declared.dtype))
        if unread is not None and len(unread):
            expanded += [
                {**failure, "value": plain(value), "row": plain(row)}
                for row, value in unread.items()
            ]
        else:
            expanded.append(failure)
    return expanded


def _unread(values: pd.Series, dtype: str) -> pd.Series | None:
    """The values that make a column of ``dtype`` refused whole: the text in a number column,
    what is neither true nor false in a bool one (a gap, ``maybe``); None for another dtype."""
    if dtype == "bool":
        return values[values.map(as_bool).isna()]
    if dtype.startswith(NUMBERS):
        return values[values.map(lambda v: isinstance(v, str))]
    return None


def _values_of_mistyped(
    contract: Contract, frame: pd.DataFrame, found: Sequence[Failure]
) -> list[Failure]:
    """The value checks (a range, allowed values) of a number column that holds text in some
    rows, run on its other rows: pandera cannot run them on a column of the wrong dtype, so
    ``-3`` out of range would show only once the ``n/a`` beside it was fixed."""
    mistyped = {
        f["column"] for f in found if kind(f["check"]) == "wrong dtype" and f["row"] is not None
    }
    failures: list[Failure] = []
    for name in sorted(str(column) for column in mistyped):
        column = contract.schema.columns.get(name)
        if column is None or name not in frame or not str(column.dtype).startswith(NUMBERS):
            continue
        numbers = pd.to_numeric(frame[name], errors="coerce")
        for check in column.checks:
            cases = check(numbers).failure_cases  # None when every row passes
            for row, value in () if cases is None else cases.items():
                failures.append(
                    {
                        "column": name,
                        "check": str(check.error or check.name),
                        "value": plain(value),
                        "row": plain(row),
                    }
                )
    return failures


def _infinite(frame: pd.DataFrame, found: Sequence[Failure]) -> list[Failure]:
    """``finite`` failures: a number column holding inf or -inf (no model can use one), in
    every row not already reported (a range check reports its own)."""
    import numpy as np
    import pandas as pd

    seen = {(f["column"], f["row"]) for f in found}
    failures: list[Failure] = []
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_float_dtype(values.dtype):
            continue
        for row, value in values[np.isinf(values.to_numpy(dtype="float64"))].items():
            if (str(column), plain(row)) not in seen:
                failures.append(
                    {
                        "column": str(column),
                        "check": "finite",
                        "value": plain(value),
                        "row": plain(row),
                    }
                )
    return failures


def _tidy(found: list[Failure], reading: Sequence[Failure]) -> list[Failure]:
    """Without the echoes of a failure already reported.

    A column of the wrong dtype makes pandera's other checks on it fail with an exception as
    their "value"; an unparseable date becomes a missing value that ``not_nullable`` reports
    again.
    """
    wrong_dtype = {f["column"] for f in found if base_check(f["check"]) == "dtype"}
    unparsed = {(f["column"], f["row"]) for f in reading}
    kept = []
    for failure in found:
        check = base_check(failure["check"])
        column, row = failure["column"], failure["row"]
        echo = column in wrong_dtype and check not in {"dtype", "not_nullable"} and row is None
        if echo or (check == "not_nullable" and (column, row) in unparsed):
            continue
        kept.append(failure)
    return kept


def summary(failures: list[Failure], limit: int = 4) -> str:
    """One line naming each kind of failure and its columns, e.g. ``missing column 'a'``."""
    seen: dict[str, list[str]] = {}
    for failure in failures:
        names = seen.setdefault(kind(failure["check"]), [])
        if repr(failure["column"]) not in names:
            names.append(repr(failure["column"]))
    parts = []
    for what, names in seen.items():
        more = f" (+{len(names) - 3} more)" if len(names) > 3 else ""
        parts.append(f"{what} {', '.join(names[:3])}{more}")
    more = f"; and {len(parts) - limit} more kinds" if len(parts) > limit else ""
    return "; ".join(parts[:limit]) + more


def hints(contract: Contract, failures: list[Failure]) -> list[str]:
    """The fixes the failures point to, most telling first."""
    found = []
    unexpected = [
        str(f["column"]) for f in failures if base_check(f["check"]) == "column_in_schema"
    ]
    delimiter = delimiter_hint(unexpected, contract.reading)
    if delimiter:
        found.append(delimiter)
    missing = [
        str(f["column"]) for f in failures if base_check(f["check"]) == "column_in_dataframe"
    ]
    if missing and unexpected and not delimiter:  # a column the export renamed, most likely
        found.append(
            f"the file has {', '.join(map(repr, unexpected))} where the contract wants "
            f"{', '.join(map(repr, missing))}: renamed? rename it back at the source, or update "
            "the contract (and bump its version: a model trained on the old name cannot read "
            "the new one)"
        )
    gaps = sorted(
        {
            str(f["column"])
            for f in failures
            if f["value"] is None
            and f["row"] is not None
            and kind(f["check"]) == "wrong dtype"
            and str(getattr(contract.schema.columns.get(str(f["column"])), "dtype", "")) == "bool"
        }
    )
    if gaps:
        found.append(
            f"a true/false column (dtype bool) holds no gap: to keep rows with one in "
            f"{', '.join(gaps)} from a CSV file, declare it dtype: str with isin: its values as "
            "the file writes them (['False', 'True'])"
        )
    targets = contract.columns("target")
    target = targets[0] if targets else None
    nulls = [f for f in failures if base_check(f["check"]) == "not_nullable"]
    no_target = sum(1 for f in nulls if f["column"] == target and f["row"] is not None)
    if no_target:
        found.append(
            f"{no_target} row(s) have no target {target!r}: fix them at the source, or set "
            "missing_target: drop in the contract to drop such rows"
        )
    found += _text_hints(contract, failures)
    gaps = sorted(
        {
            str(f["column"])
            for f in failures
            if str(f["check"]).startswith("dtype('int") and f["value"] is None
        }
    )
    if gaps:
        have = "has" if len(gaps) == 1 else "have"
        found.append(
            f"{', '.join(map(repr, gaps))} {have} missing values, which an integer dtype cannot "
            "hold: declare float64 in the contract (a feature's gaps are imputed)"
        )
    if any(base_check(f["check"]) == "format" for f in failures):
        found.append(
            "dates that do not match their column's 'format': fix them at the source, or "
            "correct the format in the contract"
        )
    return found


# What each kind of number-like text means (``notation``), in the order the hints are given.
TEXT_HINTS = (
    (
        "comma",
        "numbers with a decimal comma ({first!r}) in column(s) {columns}: "
        'set reading.decimal: "," in the contract',
    ),
    (
        "point",
        "numbers with a decimal point ({first!r}) in column(s) {columns}, where the file's "
        "decimal mark is {decimal!r}: rows from another export? fix them at the source",
    ),
    (
        "grouped",
        "numbers with a thousands mark ({first!r}) in column(s) {columns}: "
        "set reading.thousands: {mark!r} in the contract",
    ),
    (
        "number",
        "numbers an integer column cannot read ({first!r}) in column(s) {columns}: fix them at "
        "the source, or make the column's dtype float64 in the contract",
    ),
    (
        "stored",
        "numbers stored as text ({first!r}) in column(s) {columns}: write the column as numbers "
        "at the source (a Parquet or database column of strings)",
    ),
    (
        "unit",
        "numbers written with a unit or a symbol ({first!r}) in column(s) {columns}: write "
        "plain numbers at the source",
    ),
)
# A number with a unit or a symbol before or after it: ``35 yrs``, ``12%``, ``$1,200``, ``€ 3,50``.
UNIT_NUMBER = re.compile(r"[^\d\s+-]{1,4}\s?[+-]?\d[\d.,]*|[+-]?\d[\d.,]*\s?[^\d\s.,]{1,12}")


def notation(written: str, reading: ReadingRules) -> str:
    """What text a number column holds: a number with a decimal ``comma`` or a thousands mark
    (``grouped``) the reading rules do not set, one with a decimal ``point`` in a decimal-comma
    file, a ``number`` an integer column cannot hold, one with a ``unit`` or a symbol, or a
    missing-value ``marker``."""
    # 3,030 in a decimal-point file, 1.234 in a decimal-comma one: a thousands mark.
    grouping = THOUSANDS_COMMA if reading.decimal == "." else THOUSANDS_POINT
    if reading.thousands is None and grouping.fullmatch(written):
        return "grouped"
    if COMMA_NUMBER.match(written) and reading.decimal != ",":
        return "comma"
    if "." in written and _is_number(written) and reading.decimal != ".":
        return "point"
    if COMMA_NUMBER.match(written) and reading.thousands is None:
        return "grouped"
    if _is_number(written):
        return "number"
    return "unit" if UNIT_NUMBER.fullmatch(written) else "marker"


def _text_hints(contract: Contract, failures: list[Failure]) -> list[str]:
    """What text in a number column is: a number in another notation (a decimal comma, a
    thousands mark), a number an integer column cannot hold, or a missing-value marker; only
    the last is worth adding to ``na_values``, where a number would become a missing value."""
    found: list[str] = []
    markers: dict[str, set[str]] = {}
    # kind -> column -> its first value of that kind (``notation``)
    firsts: dict[str, dict[str, str]] = {kind_of: {} for kind_of, _ in TEXT_HINTS}
    for f in failures:
        column, value = f["column"], f["value"]
        text_value = isinstance(value, str) and column not in contract.text_columns()
        if base_check(f["check"]) != "dtype" or f["row"] is None or not text_value:
            continue
        kind_of = notation(str(value).strip(), contract.reading)
        if kind_of == "number" and contract.dtype(str(column)).startswith("float"):
            kind_of = "stored"  # a float column reads any number: this one arrived as text
        if kind_of == "marker":
            markers.setdefault(str(value), set()).add(str(column))
        else:
            firsts[kind_of].setdefault(str(column), str(value))
    for kind_of, hint in TEXT_HINTS:
        if firsts[kind_of]:
            first = next(iter(firsts[kind_of].values()))
            grouped_by_comma = THOUSANDS_COMMA.fullmatch(first) and contract.reading.decimal == "."
            mark = (
                ","
                if grouped_by_comma
                else next((c for c in first if not c.isdigit() and c not in "+-,"), ".")
            )
            named = ", ".join(sorted(firsts[kind_of]))
            decimal = contract.reading.decimal
            found.append(hint.format(first=first, columns=named, decimal=decimal, mark=mark))
    if markers:
        values = sorted(markers, key=lambda v: (-len(markers[v]), v))[:3]
        columns = sorted(set().union(*(markers[v] for v in values)))
        found.append(
            f"text {', '.join(map(repr, values))} in column(s) {', '.join(columns)}: if it means "
            "missing, add it to reading.na_values in the contract"
        )
    return found


# A whole number grouped by points (1.234, 12.345.678): a thousands mark, in a decimal-comma file.
THOUSANDS_POINT = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")
# A number grouped by commas (3,030, 1,234,567.5): a thousands mark, in a decimal-point file.
THOUSANDS_COMMA = re.compile(r"[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?")


def _is_number(text: str) -> bool:
    """Whether ``text`` reads as a number (``-3.0``, ``1e5``): not a missing-value marker."""
    try:
        float(text)
    except ValueError:
        return False
    return text.lower() not in {"nan", "inf", "-inf", "+inf", "infinity", "-infinity"}


def report_path(dataset: str, root: Path | str = ".", suffix: str = "") -> Path:
    """``reports/contract_<dataset><suffix>.json``."""
    return Path(root) / REPORTS_DIR / f"contract_{dataset}{suffix}.json"


def write_report(
    contract: Contract,
    failures: list[Failure],
    *,
    source: str,
    rows: int,
    path: Path,
    dropped: int = 0,
    root: Path | str = ".",
) -> Path:
    """Write the validation result as JSON (atomically), pass or fail; it names the contract
    file used (relative to ``root`` when inside it), since ``--contract`` may pick any. A
    failure's ``row`` counts from 1 (the first data row), as every message does."""
    from ..files import write_atomic

    used = contract.path
    if used is not None and used.resolve().is_relative_to(Path(root).resolve()):
        used = used.resolve().relative_to(Path(root).resolve())
    report = {
        "dataset": contract.name,
        "contract": None if used is None else used.as_posix(),
        "contract_version": contract.version,
        "source": source,
        "rows": rows,
        "rows_dropped_without_target": dropped,
        "passed": not failures,
        "failure_count": len(failures),
        "failures": [{**failure, "row": counted_from_one(failure["row"])} for failure in failures],
    }
    text = json.dumps(report, indent=2, allow_nan=False, default=str) + "\n"
    return write_atomic(path, text.encode("utf-8"))


def check_frame(
    contract: Contract,
    frame: pd.DataFrame,
    *,
    source: str,
    root: Path | str = ".",
    reading: Sequence[Failure] = (),
    report: Path | None = None,
    dropped: int = 0,
) -> tuple[pd.DataFrame, Path]:
    """Validate ``frame``, write the report; return the frame and the report path.

    ``report`` is where the JSON goes (default ``reports/contract_<dataset>.json``). Raises
    ContractViolation when any check fails.
    """
    failures = validate(contract, frame, reading)
    path = report or report_path(contract.name, root)
    written = write_report(
        contract, failures, source=source, rows=len(frame), path=path, dropped=dropped, root=root
    )
    if failures:
        fixes = hints(contract, failures)
        hint = f"; hint: {fixes[0]}" if fixes else ""
        message = (
            f"{source} breaks contract {contract.name} v{contract.version}: "
            f"{len(failures)} failure(s): {summary(failures)} (report: {written}){hint}"
        )
        from ..alerts import notify  # a webhook hears of it; never raises

        notify("contract", message, root=root, severity="error", details={"report": str(written)})
        raise ContractViolation(message, failures, written, fixes, frame)
    return frame, written
