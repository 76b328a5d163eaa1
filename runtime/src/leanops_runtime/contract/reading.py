"""Reading a data file as its contract says: delimiter, encoding, decimal mark, missing values,
text and dates.

CSV is read with ``keep_default_na=False``: only the contract's ``reading.na_values`` (default:
the empty cell) mean missing, so ``"n/a"`` in a numeric column is a contract failure with its
row, not a silent NaN. Numbers follow ``reading.decimal`` and ``reading.thousands`` (``3,14`` in
a European export), for every read alike: ``contract check``, ingest, ``predict``, ``drift``.
Columns the contract declares as text are read as text (``"007"`` stays ``"007"``; an empty
column in a small batch stays a text column). ``datetime64`` columns are
parsed with their ``format`` (default ISO 8601), from CSV and from text in Parquet; a value that
does not parse is a failure with its row, like any other.
"""

from __future__ import annotations

import codecs
import csv
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UserError, first_line
from .model import Contract, ReadingRules

SUFFIXES = (".csv", ".parquet")
# Separators a wrongly read CSV betrays in its one column's name.
OTHER_DELIMITERS = (";", "\t", "|")
# Encodings ``contract infer`` tries, in order, when a file is not UTF-8: Windows' Western
# European code page (what Excel writes), then latin-1 (which decodes any byte).
FALLBACK_ENCODINGS = ("cp1252", "latin-1")
# A number written with a decimal comma: 3,14 or -0,5 (1.234,5 with a thousands mark).
COMMA_NUMBER = re.compile(r"^[+-]?\d[\d. \u00a0\u202f']*,\d+$")
# Failure records: column, check, value, row (the JSON report's shape).
Failure = dict[str, object]
TAIL_BYTES = 65_536  # read from a CSV file's end to see how its last line ends
CUT_SHORT = "the file looks cut short (an interrupted copy, download or export); copy it again"

log = logging.getLogger(__name__)


class ReadError(UserError):
    """A data file cannot be read at all; the message is one line meant for the user."""


@dataclass
class Table:
    """A file read by a contract's rules, and the values its reading rules refused."""

    frame: pd.DataFrame
    failures: list[Failure] = field(default_factory=list)


def _check_file(path: Path) -> None:
    if path.suffix.lower() not in SUFFIXES:
        raise ReadError(f"{path}: expected a .csv or .parquet file")
    if not path.is_file():
        raise ReadError(f"data file not found: {path}")
    if path.stat().st_size == 0:
        raise ReadError(f"data file is empty: {path}")


def read_raw(
    path: Path | str,
    rules: ReadingRules | None = None,
    *,
    text: list[str] | None = None,
    everything_as_text: bool = False,
) -> pd.DataFrame:
    """Read ``path`` (CSV or Parquet) with ``rules``; one-line ReadError when it cannot be read.

    ``text`` columns are read as text from CSV; ``everything_as_text`` reads every CSV column as
    text (what ``contract infer`` looks at before deciding any type).
    """
    path = Path(path)
    _check_file(path)
    rules = rules or ReadingRules()
    csv_file = path.suffix.lower() != ".parquet"
    wide = utf16_codec(path) if csv_file else None
    if wide and not codecs.lookup(rules.encoding).name.startswith("utf-16"):
        raise ReadError(UTF16_MESSAGE.format(path=path, codec=wide))  # zero bytes are UTF-8 too
    if csv_file and not wide and not looks_like_text(path):
        raise ReadError(
            f"cannot read {path}: it is not a text file (binary data: a spreadsheet, an archive "
            "or a damaged file?): export the table as CSV"
        )
    try:
        if not csv_file:
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(
                path,
                sep=rules.delimiter,
                na_values=list(rules.na_values),
                keep_default_na=False,
                dtype=str if everything_as_text else dict.fromkeys(text or [], str),
                encoding=rules.encoding,
                decimal=rules.decimal,
                thousands=rules.thousands,
            )
    except pd.errors.EmptyDataError as error:
        raise ReadError(f"data file is empty: {path}") from error
    except UnicodeDecodeError as error:
        raise ReadError(encoding_message(path, rules.encoding, error)) from error
    except (pd.errors.ParserError, OSError, ValueError) as error:
        raise ReadError(f"cannot read {path}: {parser_message(path, rules, error)}") from error
    except Exception as error:  # pyarrow raises its own kinds on a corrupt Parquet file
        raise ReadError(f"cannot read {path}: {first_line(error)}") from error
    if frame.empty:
        raise ReadError(f"data file has no rows: {path}")
    header = _csv_header(path, rules) if csv_file else [str(c) for c in frame.columns]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise ReadError(
            f"cannot read {path}: duplicate column name(s) {', '.join(map(repr, repeated))}: "
            "rename them at the source so each column has its own name"
        )
    if csv_file and not wide:
        _refuse_cut_short(path, rules, len(header), len(frame))
    return frame


# Bytes no text file holds: control characters but tab, line breaks, form feed and escape.
BINARY_BYTES = frozenset(range(0x09)) | frozenset(range(0x0E, 0x1B)) | frozenset(range(0x1C, 0x20))
# The same characters in a cell of a table that reads as text: the mark of a damaged export (a
# NUL byte), which would reach the predictions as it is.
CONTROL = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(BINARY_BYTES)) + "]")


def looks_like_text(path: Path) -> bool:
    """Whether the start of ``path`` reads as text in some 8-bit or UTF-8 encoding (no more
    than 1% control bytes, or two in a short file; random or compressed bytes hold about 9%)."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    return sum(byte in BINARY_BYTES for byte in head) <= max(2, len(head) // 100)


def parser_message(path: Path, rules: ReadingRules, error: Exception) -> str:
    """What pandas' tokenizer found, said for the person who fixes the file."""
    text = first_line(error)
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if fields:
        wanted, line, saw = fields.groups()
        return (
            f"line {line} has {saw} fields, the header {wanted}: a value holding the delimiter "
            f"{rules.delimiter!r} without quotes, or a stray quote; fix it at the source (or "
            "set reading.delimiter in the contract)"
        )
    unclosed = re.search(r"EOF inside string starting at row (\d+)", text)
    if unclosed:
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - 1))
            ended = handle.read().endswith((b"\n", b"\r"))
        if not ended:  # cut inside a quoted value
            return CUT_SHORT
        return (
            f"the quote opened on line {int(unclosed.group(1)) + 1} is never closed (a stray "
            '"), so the rest of the file would be one value; fix it at the source'
        )
    return text


def _refuse_cut_short(path: Path, rules: ReadingRules, columns: int, rows: int) -> None:
    """A CSV file whose last line has no line break after it and fewer fields than the header
    was cut short (an interrupted copy, download or export): pandas fills the fields it lacks
    as missing and reads a cut number as a smaller one. Refused. A last line with every field
    but no line break may be cut inside its last value: warned about, since some tools write
    files that way."""
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - TAIL_BYTES))
        tail = handle.read()
    if tail.endswith((b"\n", b"\r")):
        return
    last = tail.rsplit(b"\n", 1)[-1].decode(rules.encoding, errors="replace")
    fields = len(next(csv.reader([last], delimiter=rules.delimiter), []))
    if fields < columns:
        raise ReadError(
            f"cannot read {path}: its last line has {fields} of {columns} fields and no line "
            f"break after it: {CUT_SHORT}"
        )
    log.warning(
        "%s does not end with a line break: if it was cut short, its last row (row %d) is wrong",
        path,
        rows,
    )


def _csv_header(path: Path, rules: ReadingRules) -> list[str]:
    """The column names on a CSV file's first line, as written (pandas renames repeats)."""
    with path.open(encoding=rules.encoding, newline="") as handle:
        return next(csv.reader(handle, delimiter=rules.delimiter), [])


UTF16_MESSAGE = (
    "cannot read {path}: it is UTF-16 text (as Excel's 'Unicode text' saves); set "
    "reading.encoding: {codec} in the contract, or save the file as UTF-8"
)


def encoding_message(path: Path, encoding: str, error: UnicodeDecodeError) -> str:
    """Why ``path`` cannot be decoded, and the setting that fixes it."""
    wide = utf16_codec(path)
    if wide:
        return UTF16_MESSAGE.format(path=path, codec=wide)
    byte = error.object[error.start : error.start + 1].hex()
    return (
        f"cannot read {path}: it is not {encoding} text (byte 0x{byte}); set reading.encoding in "
        "the contract, e.g. cp1252 or latin-1 for a Windows or Excel export"
    )


def decodes(path: Path | str, encoding: str) -> bool:
    """Whether the whole file decodes as ``encoding`` (read in chunks: files may be large)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with Path(path).open("rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def utf16_codec(path: Path | str) -> str | None:
    """``utf-16`` for a file with a UTF-16 byte order mark; ``utf-16-le``/``-be`` for one
    without, whose start has a zero byte in nearly every odd/even position (ASCII text in
    UTF-16); None for anything else."""
    with Path(path).open("rb") as handle:
        head = handle.read(4096)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    pairs = len(head) // 2
    if pairs < 8:
        return None
    even, odd = head[0 : 2 * pairs : 2].count(0), head[1 : 2 * pairs : 2].count(0)
    if min(even, odd) > 0.5 * pairs:  # zeros on both sides: binary, not text
        return None
    if odd > 0.9 * pairs:
        return "utf-16-le"
    return "utf-16-be" if even > 0.9 * pairs else None


def detect_encoding(path: Path | str) -> str:
    """The encoding of a CSV file: UTF-8 (``utf-8-sig`` with a byte order mark), UTF-16, else
    the first of FALLBACK_ENCODINGS that decodes it."""
    with Path(path).open("rb") as handle:
        if handle.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8:
            return "utf-8-sig"
    return utf16_codec(path) or _first_decoding(path)


def _first_decoding(path: Path | str) -> str:
    """The first of UTF-8 and FALLBACK_ENCODINGS that decodes the whole file."""
    for encoding in ("utf-8", *FALLBACK_ENCODINGS[:-1]):
        if decodes(path, encoding):
            return encoding
    return FALLBACK_ENCODINGS[-1]


def sniff_delimiter(path: Path | str, encoding: str = "utf-8") -> str:
    """The delimiter of a CSV file, guessed from its first lines (``,`` when unsure)."""
    path = Path(path)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return ","
    with path.open(encoding=encoding, errors="replace") as handle:
        head = "".join(handle.readline() for _ in range(20))
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def delimiter_hint(columns: list[str], rules: ReadingRules) -> str | None:
    """A hint when the file was read with the wrong delimiter (one column named 'a;b;c')."""
    for column in columns:
        for delimiter in OTHER_DELIMITERS:
            if delimiter != rules.delimiter and delimiter in str(column):
                shown = "\\t" if delimiter == "\t" else delimiter
                setting = "{delimiter: " + repr(shown) + "}"
                return f"the file looks {shown!r}-delimited: set reading: {setting} in the contract"
    return None


def parse_datetimes(contract: Contract, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Failure]]:
    """Parse the contract's ``datetime64`` columns that arrive as text; failures keep their row.

    A value that does not match the column's ``format`` becomes missing in the frame and is
    reported (check ``format(...)``); the frame is never silently half-parsed.
    """
    failures: list[Failure] = []
    parsed = {}
    for column in contract.datetime_columns():
        if column not in frame.columns:
            continue
        series = frame[column]
        wanted = contract.dtype(column)
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            values = series
        else:
            fmt = contract.formats.get(column, "ISO8601")
            series = series.where(series.astype("string").str.strip() != "")  # blank: missing
            values = pd.to_datetime(series, format=fmt, errors="coerce")
            bad = series.notna() & values.isna()
            for row, value in series[bad].items():
                failures.append(
                    {"column": column, "check": f"format({fmt!r})", "value": str(value), "row": row}
                )
        values = _as_declared(values, wanted)
        parsed[column] = values
    if parsed:
        frame = frame.assign(**parsed)
    return frame, failures


def _as_declared(values: pd.Series, wanted: str) -> pd.Series:
    """Datetimes in the declared unit and time zone (``datetime64[ns]``, ``..., UTC]``)."""
    tz = getattr(values.dtype, "tz", None)
    wants_tz = "," in wanted
    if wants_tz and tz is None:
        values = values.dt.tz_localize("UTC")
    elif not wants_tz and tz is not None:
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    try:
        return values.astype(pd.api.types.pandas_dtype(wanted)) if wanted else values
    except (TypeError, ValueError):
        return values


# The text pandas reads as true and false in a CSV.
BOOL_TEXT = {
    "True": True,
    "TRUE": True,
    "true": True,
    "False": False,
    "FALSE": False,
    "false": False,
}


def as_bool(value: object) -> bool | None:
    """``value`` as a bool: a bool, or text pandas reads as one; None for anything else (a gap,
    ``maybe``)."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    return BOOL_TEXT.get(value) if isinstance(value, str) else None


def conform(contract: Contract, frame: pd.DataFrame) -> pd.DataFrame:
    """Widening casts toward the declared dtypes; every other mismatch is a contract failure.

    Integer columns declared float are widened (CSV reads ``1.0`` as ``1``), and so are the
    ``Decimal`` objects a database driver hands for SQL ``NUMERIC`` (``holds_decimals``): a float
    holds whole numbers exactly up to 2**53 and about 15 significant digits, which is what the
    contract asks for in declaring the column float. A column with no value at all takes its
    declared dtype (an empty text column in a small batch is read as float, an empty one in
    Parquet as null). Each column is cast on its own: one that cannot be (no value, declared
    ``int64``) is left as read for validation to name, and keeps no other from its cast. A
    true/false column read as text (the rows that held a gap or ``maybe`` set aside) is bool
    again once each of its values reads as one.
    """
    casts = {}
    rules = contract.reading
    own_notation = rules.decimal != "." or rules.thousands is not None
    for name, column in contract.schema.columns.items():
        if name not in frame.columns or column.dtype is None:
            continue
        wanted = str(column.dtype)
        series = frame[name]
        if own_notation and wanted.startswith(NUMBERS) and pd.api.types.is_string_dtype(series):
            frame = frame.assign(**{name: series.map(lambda v: written_number(v, rules))})
        elif wanted.startswith("float") and (
            pd.api.types.is_integer_dtype(series.dtype) or holds_decimals(series)
        ):
            casts[name] = wanted
        elif wanted == "bool" and series.dtype == object and len(series):
            read = series.map(as_bool)
            if read.notna().all():
                frame = frame.assign(**{name: read.astype(bool)})
        elif wanted not in {str(series.dtype), "bool"} and len(series) and series.isna().all():
            # (A bool column holds no gap, and a gap cast to bool is True: left for validation
            # to name each gap's row.)
            casts[name] = "object" if name in contract.text_columns() else wanted
    if not casts:
        return frame
    frame = frame.copy(deep=False)  # the caller's frame keeps its columns
    for name, dtype in casts.items():
        try:
            frame[name] = frame[name].astype(dtype)
        except (TypeError, ValueError):
            continue  # left as read: validation names the mismatch
    return frame


def holds_decimals(series: pd.Series) -> bool:
    """Whether ``series`` is objects that are all ``decimal.Decimal`` (and missing values): the
    numbers of a SQL ``NUMERIC`` column as a database driver gives them to a loader."""
    from decimal import Decimal

    if series.dtype != object:
        return False
    values = series.dropna()
    return len(values) > 0 and all(isinstance(value, Decimal) for value in values)


NUMBERS = ("float", "int", "uint")
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def written_number(value: object, rules: ReadingRules) -> object:
    """``value`` as the number it is in the file's notation (``1.234,5`` with ``decimal: ','``
    and ``thousands: '.'``), else unchanged. pandas reads a number column as text when one value
    is not a number; parsing the others here lets validation refuse that value's row alone."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if rules.thousands is not None:
        text = text.replace(rules.thousands, "")
    if rules.decimal != ".":
        if "." in text:  # not this file's decimal mark: left for validation to name
            return value
        text = text.replace(rules.decimal, ".")
    return float(text) if PLAIN_NUMBER.fullmatch(text) else value


def integer_target(contract: Contract, frame: pd.DataFrame) -> pd.DataFrame:
    """An integer target back to its declared integers when it arrives widened.

    A gap in an integer column makes pandas read it as floats (CSV, or Parquet written without
    pandas' types) or as its nullable ``Int64``; the classes would then be ``1.0`` or the
    model's ``probability_1.0``. Without gaps it takes the declared dtype (``int64``); with gaps,
    a nullable integer, so the rows without a target are reported (or dropped) as such, and
    ``drop_missing_target`` casts the rest. Values with decimals are left to validation.
    """
    targets = contract.columns("target")
    if len(targets) != 1 or targets[0] not in frame.columns:
        return frame
    target = targets[0]
    wanted, series = contract.dtype(target), frame[target]
    numeric = pd.api.types.is_numeric_dtype(series.dtype)
    if not wanted.startswith(("int", "uint")) or str(series.dtype) == wanted or not numeric:
        return frame
    nullable = f"UInt{wanted[4:]}" if wanted.startswith("uint") else f"Int{wanted[3:]}"
    try:
        values = series.astype(pd.api.types.pandas_dtype(nullable))  # refuses 1.5
        if not values.isna().any():
            values = values.astype(pd.api.types.pandas_dtype(wanted))
    except (TypeError, ValueError):
        return frame
    return frame.assign(**{target: values})


def drop_missing_target(contract: Contract, frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Rows without a target dropped, when the contract says ``missing_target: drop``; the
    target then takes its declared dtype (integers read as floats because of the gaps). The
    rows kept keep their index, so a failure found in them names its row in the file."""
    target = contract.target
    if contract.missing_target != "drop" or target not in frame.columns:
        return frame, 0
    keep = frame[target].notna()
    dropped = int((~keep).sum())
    if not dropped:
        return frame, 0
    return integer_target(contract, frame[keep]), dropped


def read_data(path: Path | str, contract: Contract) -> Table:
    """Read ``path`` by ``contract``'s rules: parsed, conformed, with the reading failures."""
    frame = read_raw(
        path,
        contract.reading,
        text=contract.text_columns() + contract.datetime_columns(),
    )
    return prepare(contract, frame)


def prepare(contract: Contract, frame: pd.DataFrame) -> Table:
    """Dates parsed and dtypes conformed, for a frame from a file or a loader."""
    failures = control_characters(frame)
    frame, dated = parse_datetimes(contract, frame)
    table = integer_target(contract, conform(contract, frame))
    return Table(frame=table, failures=failures + dated)


def control_characters(frame: pd.DataFrame) -> list[Failure]:
    """A failure for each text cell holding a control character (check ``printable``)."""
    failures: list[Failure] = []
    for name in frame.columns:
        series = frame[name]
        if not (pd.api.types.is_string_dtype(series) or series.dtype == object):
            continue
        try:  # text, with missing values
            found = series.str.contains(CONTROL, na=False)
        except AttributeError:  # objects that are not all text (a loader's Decimals): no text
            continue
        for row, value in series[found.astype(bool)].items():
            failures.append({"column": str(name), "check": "printable", "value": value, "row": row})
    return failures
