"""``contract infer``: a starting contract from a sample file, with a comment on every choice.

What it detects, and the role it gives (each written as a comment a person reviews):

- the encoding (UTF-8, else cp1252 or latin-1; or ``--encoding``), the delimiter (sniffed, or
  ``--delimiter``), a decimal comma (``3,14``: numbers in a ``;``-delimited European export,
  with their thousands mark ``1.234,5``) and missing-value markers such as ``n/a`` or ``?``
  (text found in an otherwise numeric or date column): all written under ``reading``;
- row numbers (0..n-1 or 1..n in file order, or an ``Unnamed: 0`` column) and constant or empty
  columns: ``ignore``; unique codes named like identifiers (``id``, ``ref``, ``Référence``,
  ``N°``, ``code``..., any case or accent): ``id`` (or ``--id``), other unique codes ``ignore``;
- dates in text (every value parses with one format): ``feature_datetime`` with its ``format``;
- text with many distinct values: ``feature_categorical`` with ``encoding: target``;
- the target (``--target``): never nullable; rows without one are counted, and refused unless
  the contract says ``missing_target: drop``; the task (``--task`` or guessed). Whole numbers
  with gaps (read as floats) are integers: labels ``0``/``1``, not ``0.0``/``1.0``.

Dtypes and observed ranges are pandera's own inference (``infer_schema``); the roles are ours.
Features are always nullable (the pipeline imputes), whatever the sample shows.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from .checks import THOUSANDS_COMMA, THOUSANDS_POINT, plain
from .model import ContractError, ReadingRules, known_encoding
from .reading import decodes, detect_encoding, read_raw, sniff_delimiter

# Widen observed ranges by this fraction of the span, so new data has some room.
RANGE_MARGIN = 0.1
# A column of non-negative numbers with a long right tail (incomes, prices, counts: skewness
# above TAIL_SKEW) takes later values beyond its sample's largest: a range widened by 10% of
# its span refused a row of about 4 in 10 new 500-row batches of lognormal data. Its upper
# bound is TAIL_FACTOR times the largest value instead: new data reaching further passes, a
# unit changed by 100 times or more (cents for euros, grams for kilograms) does not.
TAIL_SKEW = 1.0
TAIL_FACTOR = 10.0
TAIL_DISTINCT = 10
# Text or integer columns with at most this many distinct values get an ``isin`` check.
MAX_ALLOWED_VALUES = 20
# Text with more distinct values than this share of the rows is free text or an identifier.
NEAR_UNIQUE = 0.9
# Text of several words a value (the median, ``FREE_TEXT_WORDS`` or more: longer than a
# product's or a place's name) with more distinct values than this share of the values it holds
# is free text: comments, notes, descriptions.
FREE_TEXT = 0.5
FREE_TEXT_WORDS = 5
# A classification target lists its classes when it has at most this many.
MAX_CLASSES = 100
# An integer target with at most this many distinct values is read as classes.
MAX_INTEGER_CLASSES = 20
# Text that means "missing" when found in an otherwise numeric or date column.
MARKERS = frozenset(
    {"NA", "N/A", "n/a", "na", "NaN", "nan", "null", "NULL", "None", "none", "-", "--", "?", "."}
    | {"#N/A", "missing", "MISSING", "n.a.", "NIL", "nil"}
)
# Words that name an identifier, first or last in a column's name, in any case and without
# accents ("customer_id", "Référence", "N° client", "ticketRef"); only unique codes qualify.
ID_WORDS = frozenset(
    {"id", "ids", "uuid", "guid", "key", "code", "ref", "reference", "identifier", "identifiant"}
    | {"no", "nr", "num", "number", "numero", "nummer", "matricule", "codigo", "kennung"}
)
# Thousands marks a decimal-comma number may use (1.234,5 or 1 234,5).
THOUSANDS_MARKS = (".", " ", "\u00a0", "\u202f")
ROW_NUMBER_NAMES = frozenset({"", "Unnamed: 0", "index", "row", "rownum", "row_number", "#"})
DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
)
TASKS = ("classification", "regression")

# A number's leading group of digits and each following group of three (``1.234.567``).
GROUP_HEAD, GROUP = r"\d{1,3}", r"\d{3}"


@dataclass
class Column:
    """One column's inferred rules and why."""

    name: str
    spec: dict[str, object]
    notes: list[str] = field(default_factory=list)
    detected: str = ""  # empty, row_number, constant, unique, dates, mixed_dates, ...


@dataclass
class Inferred:
    """A contract inferred from a sample: the mapping, its comments and the task."""

    name: str
    task: str
    reading: ReadingRules
    missing_target: int
    columns: list[Column]
    notes: list[str] = field(default_factory=list)
    source: str = ""
    rows: int = 0
    warnings: list[str] = field(default_factory=list)  # for the command line, besides the file

    def mapping(self) -> dict[str, object]:
        """The contract as plain data (what ``from_mapping`` reads)."""
        return {
            "version": 1,
            "schema_type": "dataframe",
            "api": "pandas",
            "reading": _reading_mapping(self.reading),
            "missing_target": "refuse",
            "strict": True,
            "columns": {column.name: column.spec for column in self.columns},
        }


def _reading_mapping(rules: ReadingRules) -> dict[str, object]:
    mapping: dict[str, object] = {
        "delimiter": rules.delimiter,
        "na_values": list(rules.na_values),
        "encoding": rules.encoding,
        "decimal": rules.decimal,
    }
    if rules.thousands is not None:
        mapping["thousands"] = rules.thousands
    return mapping


# ------------------------------------------------------------------------------------ detection


def _numbers(values: pd.Series, rules: ReadingRules | None = None) -> pd.Series:
    """Text as numbers by ``rules`` (NaN where it is not one).

    A thousands mark counts only in whole groups of three (``1.234,5``): the CSV reader drops
    it anywhere, but ``31.01.2024`` is a date, not a number.
    """
    text = values.astype(str).str.strip()
    if rules is not None and rules.thousands is not None:
        mark, point = re.escape(rules.thousands), re.escape(rules.decimal)
        grouped = text.str.match(f"^[+-]?{GROUP_HEAD}(?:{mark}{GROUP})+(?:{point}\\d+)?$")
        text = text.where(grouped | ~text.str.contains(rules.thousands, regex=False, na=False))
        text = text.str.replace(rules.thousands, "", regex=False)
    if rules is not None and rules.decimal != ".":
        text = text.where(~text.str.contains(".", regex=False, na=False))
        text = text.str.replace(rules.decimal, ".", regex=False)
    return pd.to_numeric(text, errors="coerce")


def _numeric_text(values: pd.Series, rules: ReadingRules | None = None) -> bool:
    return bool(_numbers(values, rules).notna().all())


def _comma_pattern(mark: str | None) -> str:
    """A number with a decimal comma (3,14 or -2), grouped by ``mark`` when given (1.234,5)."""
    grouped = f"{GROUP_HEAD}(?:{re.escape(mark)}{GROUP})+|" if mark is not None else ""
    return rf"^[+-]?(?:{grouped}\d+)(?:,\d+)?(?:[eE][+-]?\d+)?$"


def find_decimal_comma(text: pd.DataFrame, delimiter: str) -> tuple[list[str], str | None]:
    """Columns of numbers written with a decimal comma, and the thousands mark they use.

    Only when the delimiter is not ``,``: every value (markers aside) is such a number and at
    least one has its comma. The mark is the one the most such columns need (None: none does).
    """
    if delimiter == ",":
        return [], None
    marks: dict[str, str | None] = {}
    for column in text.columns:
        values = text[column].dropna().astype(str).str.strip()
        values = values[(values != "") & ~values.isin(MARKERS)]
        if values.empty or not values.str.contains(",", regex=False).any():
            continue
        for mark in (None, *THOUSANDS_MARKS):
            if values.str.match(_comma_pattern(mark)).all():
                marks[str(column)] = mark
                break
    needed = [mark for mark in marks.values() if mark is not None]
    thousands = max(set(needed), key=needed.count) if needed else None
    return [c for c, mark in marks.items() if mark in {None, thousands}], thousands


def find_markers(
    text: pd.DataFrame, rules: ReadingRules | None = None
) -> dict[str, dict[str, int]]:
    """Missing-value markers per column: marker -> column -> cells.

    A marker counts where the column's other values are all numbers (read by ``rules``) or all
    dates, so "NA" in a column of country codes is left alone.
    """
    found: dict[str, dict[str, int]] = {}
    for column in text.columns:
        values = text[column].dropna().astype(str).str.strip()
        is_marker = values.isin(MARKERS)
        if not is_marker.any():
            continue
        rest = values[~is_marker].drop_duplicates()
        numeric = _numeric_text(rest, rules)
        if not rest.empty and not (numeric or _date_format(rest) is not None):
            continue
        for marker, count in values[is_marker].value_counts().items():
            found.setdefault(str(marker), {})[str(column)] = int(count)
    return found


def _date_format(values: pd.Series) -> str | None:
    """The one format every value parses with (None: not dates)."""
    values = values.dropna().astype(str).drop_duplicates()
    if values.empty or _numeric_text(values.head(50)):
        return None
    head = values.head(200)
    for fmt in DATE_FORMATS:
        if pd.to_datetime(head, format=fmt, errors="coerce").notna().all() and (
            pd.to_datetime(values, format=fmt, errors="coerce").notna().all()
        ):
            return fmt
    return None


def _mixed_date_formats(values: pd.Series) -> dict[str, int] | None:
    """Rows per format when every value is a date but no single format reads them all (a
    column written by several systems); None otherwise."""
    values = values.dropna().astype(str)
    if values.empty or _numeric_text(values.head(50)):
        return None
    first = pd.Series(None, index=values.index, dtype=object)
    for fmt in DATE_FORMATS:
        open_rows = first.isna()
        parsed = pd.to_datetime(values[open_rows], format=fmt, errors="coerce").notna()
        first[parsed[parsed].index] = fmt
    if first.isna().any() or first.nunique() < 2:
        return None
    return {str(fmt): int(count) for fmt, count in first.value_counts().items()}


def _row_number(name: str, series: pd.Series) -> bool:
    if name in ROW_NUMBER_NAMES:
        return True
    if not pd.api.types.is_integer_dtype(series.dtype) or series.isna().any():
        return False
    first = int(series.iloc[0])
    return first in {0, 1} and bool((series.diff().iloc[1:] == 1).all())


# pandera's dtype names -> the contract's, by their start (``Int64``, ``uint8``, ``string``).
DTYPES = {"bool": "bool", "int": "int64", "uint": "int64", "float": "float64"}
DTYPES["datetime64"] = "datetime64[ns]"


class ColumnInference(NamedTuple):
    """A column's dtype in the contract's terms and, for a number, its range for new data and
    how that range was widened from the sample's (for the comment above the column)."""

    dtype: str
    bounds: dict[str, object] | None = None
    widened: str = ""


def _inferred(series: pd.Series) -> ColumnInference:
    """pandera's own inference for ``series`` (``infer_schema``), in the contract's terms: its
    dtype (text is ``str``), and for a number the observed range widened (``range_rule``),
    never below 0 when nothing observed is (no bounds for other columns)."""
    from pandera.schema_inference.pandas import infer_schema

    schema = infer_schema(series)
    name = str(schema.dtype).lower()
    dtype = next((ours for kind, ours in DTYPES.items() if name.startswith(kind)), "str")
    found = {key: value for check in schema.checks for key, value in check.statistics.items()}
    if dtype not in {"int64", "float64"} or not {"min_value", "max_value"} <= found.keys():
        return ColumnInference(dtype)
    low, high = float(found["min_value"]), float(found["max_value"])
    margin = (high - low) * RANGE_MARGIN or abs(high) * RANGE_MARGIN or 1.0
    new_low, new_high = low - margin, high + margin
    if low >= 0:
        new_low = max(new_low, 0.0)
    to_whole = " and to whole numbers" if dtype == "int64" else ""
    if share(series):
        new_high, widened = 1.0, "fractions: up to 1"
    elif long_right_tail(series):
        new_high = max(new_high, high * TAIL_FACTOR)
        widened = f"a long right tail: up to {TAIL_FACTOR:g} times the largest{to_whole}"
    else:
        widened = f"widened by {RANGE_MARGIN:.0%} of the span{to_whole}"
    if dtype == "int64":
        bounds: dict[str, object] = {
            "min_value": math.floor(new_low),
            "max_value": math.ceil(new_high),
        }
    else:
        bounds = {"min_value": round(new_low, 6), "max_value": round(new_high, 6)}
    return ColumnInference(dtype, bounds, widened)


def long_right_tail(series: pd.Series) -> bool:
    """Whether ``series`` holds non-negative numbers with a long right tail (``TAIL_SKEW``): a
    quantity, not a flag or a few codes (more than ``TAIL_DISTINCT`` values)."""
    values = pd.to_numeric(series, errors="coerce").dropna().astype(float)
    if values.nunique() <= TAIL_DISTINCT or values.min() < 0:
        return False
    skew = values.skew()
    return isinstance(skew, float) and math.isfinite(skew) and skew > TAIL_SKEW


def share(series: pd.Series) -> bool:
    """Whether ``series`` holds fractions between 0 and 1 (a ratio, a rate, a probability), not
    a 0/1 flag: its range goes up to 1, which a later value may reach."""
    values = pd.to_numeric(series, errors="coerce").dropna().astype(float)
    return values.nunique() > 2 and values.min() >= 0 and values.max() <= 1


def _task(series: pd.Series, given: str | None) -> tuple[str, str]:
    """(task, why) for the target."""
    distinct = series.nunique()
    if given is not None:
        return given, f"--task {given}"
    if pd.api.types.is_float_dtype(series.dtype):
        return "regression", "numbers with decimals"
    if pd.api.types.is_integer_dtype(series.dtype) and distinct > MAX_INTEGER_CLASSES:
        return "regression", f"integers with {distinct} distinct values"
    if pd.api.types.is_integer_dtype(series.dtype):
        return "classification", (
            f"integers with {distinct} distinct values (pass --task regression if they are a "
            "quantity)"
        )
    return "classification", f"{distinct} distinct labels"


# ------------------------------------------------------------------------------------- columns


def lookalike_classes(classes: Sequence[object]) -> list[list[str]]:
    """Classes written alike but for case and spaces (``'Barolo '``, ``'barolo'``): most likely
    one class written two ways, which a model learns as two."""
    groups: dict[str, list[str]] = {}
    for label in classes:
        groups.setdefault(" ".join(str(label).split()).casefold(), []).append(str(label))
    return [sorted(group) for group in groups.values() if len(group) > 1]


def lookalike_notes(classes: Sequence[object]) -> list[str]:
    """One line per group of ``lookalike_classes``, for the contract and the command line."""
    return [
        f"classes {' and '.join(map(repr, alike))} differ only in case or spaces: one class "
        "written two ways? fix it at the source"
        for alike in lookalike_classes(classes)
    ]


def _target(series: pd.Series, task: str, why: str) -> Column:
    dtype, bounds, widened = _inferred(series)
    spec: dict[str, object] = {"role": "target", "dtype": dtype, "nullable": False}
    notes = [f"the target; task {task}: {why}"]
    if task == "classification":
        classes = sorted(plain(v) for v in series.dropna().unique())  # type: ignore[type-var]
        if len(classes) <= MAX_CLASSES:
            spec["isin"] = classes
            notes.append(f"classes: {', '.join(map(str, classes[:10]))}")
        notes += lookalike_notes(classes)
    elif bounds is not None:
        spec["in_range"] = bounds
        notes.append(
            f"in_range: {plain(bounds['min_value'])} to {plain(bounds['max_value'])} ({widened})"
        )
    missing = int(series.isna().sum())
    if missing:
        notes.append(
            f"{missing} row(s) of the sample have NO target: refused until fixed, or set "
            "missing_target: drop (top of the file)"
        )
    return Column(str(series.name), spec, notes, "target")


def _excluded(
    name: str, series: pd.Series, spec: dict[str, object], rows: int, *, dated: bool
) -> Column | None:
    """An empty, row-number, constant or identifier column, free text, or dates in several
    formats: kept, checked, not a feature.

    ``dated``: the values are dates, which may all differ (a sale's time) and still be a feature.
    """
    distinct = int(series.nunique())
    mixed = _mixed_date_formats(series) if spec["dtype"] == "str" and not dated else None
    if mixed is not None:
        found = ", ".join(f"{fmt} ({count} rows)" for fmt, count in mixed.items())
        why = (
            f"dates in {len(mixed)} formats: {found}; a column is read with one format, so it "
            "is left out: write it in one format at the source, then make it feature_datetime "
            "with that format"
        )
        detected = "mixed_dates"
    elif distinct == 0:
        why, detected = "empty in the sample: not a feature", "empty"
    elif _row_number(name, series):
        why = "a row number (counts 0/1, 2, 3... in file order): not a feature"
        detected = "row_number"
    elif distinct == 1:
        value = plain(series.dropna().iloc[0])
        why = f"constant in the sample ({value!r}): no information, not a feature"
        detected = "constant"
    elif not dated and unique_codes(series, rows):
        why, detected = "every value is unique (an identifier?): not a feature", "unique"
    elif spec["dtype"] == "str" and not dated and rows >= 20 and distinct > NEAR_UNIQUE * rows:
        why = (
            f"{distinct} distinct values in {rows} rows: free text or an identifier, not a "
            "feature; if it is a code worth learning from, make it feature_categorical with "
            "encoding: target"
        )
        detected = "near_unique"
    elif (
        spec["dtype"] == "str"
        and not dated
        and (filled := int(series.notna().sum())) >= 20
        and distinct > FREE_TEXT * filled
    ):
        words = float(series.dropna().astype(str).map(lambda text: len(text.split())).median())
        if words < FREE_TEXT_WORDS:
            return None
        why = (
            f"free text ({distinct} distinct values in {filled} filled rows, {words:g} words in "
            "the middle one): not a feature; turn it into columns in features.py to learn from it"
        )
        detected = "free_text"
    else:
        return None
    return Column(name, {"role": "ignore", **spec}, [why], detected)


def _feature(name: str, series: pd.Series, rows: int) -> Column:
    """Any column that is neither the target nor an id."""
    dtype, bounds, widened = _inferred(series)
    spec: dict[str, object] = {"dtype": dtype, "nullable": True}
    missing = int(series.isna().sum())
    distinct = int(series.nunique())
    notes = []
    if missing:
        notes.append(f"{missing} of {rows} values missing in the sample ({missing / rows:.0%})")
    fmt = _date_format(series) if spec["dtype"] == "str" else None
    dated = spec["dtype"] == "datetime64[ns]" or fmt is not None
    excluded = _excluded(name, series, spec, rows, dated=dated)
    if excluded is not None:
        excluded.notes += notes
        return excluded
    if spec["dtype"] == "datetime64[ns]":
        return _datetime(name, spec, notes, None)
    if fmt is not None:
        return _datetime(name, {**spec, "dtype": "datetime64[ns]"}, notes, fmt)
    if dtype in {"int64", "float64"}:
        # A feature of whole numbers is declared float64 all the same: an int64 column holds no
        # missing value, and a gap in a later batch or export (which the pipeline imputes) would
        # fail the contract.
        spec["dtype"] = "float64"
        if bounds is not None:
            spec["in_range"] = bounds
            notes.append(
                f"in_range: {plain(series.min())} to {plain(series.max())} in the sample, "
                f"{plain(bounds['min_value'])} to {plain(bounds['max_value'])} for new data "
                f"({widened}, not below 0 if nothing was); a value outside is refused"
            )
        notes.insert(0, "a number: imputed (median) and scaled")
        if dtype == "int64":
            notes.insert(1, "whole numbers, declared float64: an int64 column holds no gap")
        if pd.api.types.is_integer_dtype(series.dtype) and distinct <= 10:
            notes.append(
                f"only {distinct} distinct values: if they are codes, make it feature_categorical"
            )
        return Column(name, {"role": "feature_numeric", **spec}, notes, "numeric")
    if distinct <= MAX_ALLOWED_VALUES:
        if spec["dtype"] != "bool":
            spec["isin"] = sorted(str(v) for v in series.dropna().unique())
        notes.insert(
            0,
            f"{distinct} categories: one-hot encoded; review the allowed values (another is "
            "refused at predict; unseen: unknown predicts it as an unknown category)",
        )
        return Column(name, {"role": "feature_categorical", **spec}, notes, "categories")
    notes.insert(
        0,
        f"{distinct} distinct values (high cardinality): target-encoded, not one-hot; "
        "set role: ignore if it is free text or an identifier",
    )
    spec = {"role": "feature_categorical", "encoding": "target", **spec}
    return Column(name, spec, notes, "high_cardinality")


def _datetime(name: str, spec: dict[str, object], notes: list[str], fmt: str | None) -> Column:
    if fmt is not None:
        spec["format"] = fmt
    notes.insert(
        0,
        "dates"
        + (f" (format {fmt})" if fmt else "")
        + ": turned into year, month, day, weekday, hour and elapsed days; "
        "set role: ignore (or passthrough) to leave them out. A date that moves on with time "
        "(a signup or order date) puts every later batch past the training dates: drift "
        "reports it on each one, and the model extrapolates its year and elapsed days",
    )
    return Column(name, {"role": "feature_datetime", **spec}, notes, "dates")


def unique_codes(series: pd.Series, rows: int) -> bool:
    """Whole numbers or text, every value different: an identifier rather than a feature."""
    if rows < 20 or pd.api.types.is_float_dtype(series.dtype):
        return False
    if pd.api.types.is_bool_dtype(series.dtype):
        return False
    values = series.dropna()
    return len(values) == rows and bool(values.is_unique)


def id_like(name: str) -> bool:
    """Whether a column's first or last word names an identifier (ID_WORDS), in any case and
    with or without accents: ``customer_id``, ``Référence``, ``N° client``, ``ticketRef``."""
    plain = unicodedata.normalize("NFKD", name.replace("°", "o"))
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    plain = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", plain)  # camelCase: ticketRef -> ticket Ref
    words = re.findall(r"[^\W_]+", plain.casefold())
    return bool(words) and (words[0] in ID_WORDS or words[-1] in ID_WORDS)


def whole_numbers(series: pd.Series, text: pd.Series | None) -> pd.Series:
    """Integers with gaps, read as floats (``1.0``), back as integers (nullable ``Int64``).

    Only when every value present is whole and, from CSV, written without a decimal mark.
    """
    if not pd.api.types.is_float_dtype(series.dtype) or not series.isna().any():
        return series
    if text is not None and text[series.notna()].astype(str).str.contains(r"[.,eE]").any():
        return series
    try:
        return series.astype("Int64")  # refuses 1.5 rather than truncate it
    except (TypeError, ValueError):
        return series


def _id(name: str, series: pd.Series, why: str) -> Column:
    """The id column: unique and never missing, unless the sample shows otherwise (a contract
    its own sample breaks would refuse the table it came from); then the notes say so."""
    spec: dict[str, object] = {"role": "id", "dtype": _inferred(series)[0], "unique": True}
    notes = [f"the id ({why}): copied into predictions, never a feature"]
    duplicated = int(series.dropna().duplicated().sum())
    if duplicated:
        del spec["unique"]
        notes.append(
            f"NOT unique in the sample ({duplicated} repeats): not required unique; a row's id "
            "should name one row"
        )
    missing = int(series.isna().sum())
    if missing:
        spec["nullable"] = True
        notes.append(f"{missing} missing in the sample: allowed (nullable)")
    return Column(name, spec, notes, "id")


# ----------------------------------------------------------------------------------------- API


def _encoding(path: Path, given: str | None) -> str:
    """``--encoding`` when given (it must decode the file), else the detected one."""
    if given is None:
        return detect_encoding(path)
    if not known_encoding(given):
        raise ContractError(f"--encoding {given!r} is not a text encoding (e.g. utf-8, cp1252)")
    if not decodes(path, given):
        raise ContractError(
            f"{path} is not {given} text: pass another --encoding, or none to detect it"
        )
    return given


def _delimiter(path: Path, given: str | None, encoding: str) -> str:
    """``--delimiter`` when given (``\\t`` or ``tab`` for a tab), else sniffed."""
    if given is None:
        return sniff_delimiter(path, encoding)
    given = {"\\t": "\t", "tab": "\t"}.get(given, given)
    if len(given) != 1:
        raise ContractError(f"--delimiter {given!r} must be one character (or tab)")
    return given


PLAIN_NUMBER = r"^[+-]?\d+(?:\.\d+)?$"
# A thousands comma no decimal comma could be: 1,234,567 or 1,234.5.
GROUPED_ONLY = rf"^[+-]?{GROUP_HEAD}(?:(?:,{GROUP}){{2,}}(?:\.\d+)?|,{GROUP}\.\d+)$"
# A decimal point that cannot be a thousands mark: 13.2, 0.25, -4.5000 (not 1.234).
DOT_DECIMAL = r"^[+-]?\d*\.(?:\d{1,2}|\d{4,})$"


def _present(text: pd.DataFrame, column: object) -> pd.Series:
    values = text[column].dropna().astype(str).str.strip()
    return values[(values != "") & ~values.isin(MARKERS)]


def find_grouped(text: pd.DataFrame, grouped: re.Pattern[str]) -> list[str]:
    """Columns whose every value is a number with its thousands grouped as ``grouped`` says
    (``THOUSANDS_COMMA``: 3,030, 1,234,567.5; ``THOUSANDS_POINT``: 3.030) or a plain one, at
    least one grouped."""
    found = []
    for column in text.columns:
        values = _present(text, column)
        marked = values.str.fullmatch(grouped)
        if marked.any() and (marked | values.str.match(PLAIN_NUMBER)).all():
            found.append(str(column))
    return found


def has_dot_decimals(text: pd.DataFrame) -> bool:
    """Whether a column of numbers has a decimal point in them (13.2): then ``.`` is the file's
    decimal mark, and a comma in a number is a thousands mark, whatever the delimiter."""
    for column in text.columns:
        values = _present(text, column)
        if values.str.match(DOT_DECIMAL).any() and values.str.match(PLAIN_NUMBER).all():
            return True
    return False


def comma_rules(text: pd.DataFrame, rules: ReadingRules) -> tuple[ReadingRules, list[str]]:
    """The reading rules for the commas in the sample's numbers, and the columns that hold them.

    In a ``,``-delimited file a comma in a number is a thousands mark (``"3,030"``); else it is
    the decimal mark (``3,14``, a European export), with the thousands mark its numbers use.
    Beside numbers with a decimal point (``13.2``) a comma is a thousands mark only where no
    other reading fits (``1,234,567`` or ``1,234.5``); ``2,250`` there may be either, so the
    rules stay as they are and those columns are text, named for a person to decide
    (``ambiguous_commas``).
    """
    if rules.delimiter == ",":
        grouped = find_grouped(text, THOUSANDS_COMMA)
        return (replace(rules, thousands=","), grouped) if grouped else (rules, [])
    commas, thousands = find_decimal_comma(text, rules.delimiter)
    if not has_dot_decimals(text):
        if not commas:
            return rules, []
        dotted = [] if thousands is not None else find_grouped(text, THOUSANDS_POINT)
        if dotted:  # 3.030 beside 3,14: with a decimal comma, a point can only group thousands
            thousands, commas = ".", [*commas, *(c for c in dotted if c not in commas)]
        return replace(rules, decimal=",", thousands=thousands), commas
    grouped = find_grouped(text, THOUSANDS_COMMA)
    if any(_present(text, column).str.match(GROUPED_ONLY).any() for column in grouped):
        return replace(rules, thousands=","), grouped
    return rules, sorted({*grouped, *commas})


def ambiguous_commas(
    rules: ReadingRules, commas: list[str], text: pd.DataFrame | None
) -> str | None:
    """The warning for columns whose comma may be a thousands mark or a decimal one (``2,250``
    beside ``13.2``): read as text until a person sets the rule."""
    if not commas or rules.decimal != "." or rules.thousands is not None or text is None:
        return None
    shown = ", ".join(commas[:5]) + (" ..." if len(commas) > 5 else "")
    values = _present(text, commas[0])
    either = values[values.str.fullmatch(r"[+-]?\d{1,3},\d{3}")]  # 2,250: truly either mark
    written = str((either if len(either) else values[values.str.contains(",")]).iloc[0])
    whole, _, part = written.partition(",")
    grouping = r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?"
    if not any(_present(text, column).str.fullmatch(grouping).any() for column in commas):
        writes = "writes" if len(commas) == 1 else "write"
        return (  # 1876,33: no thousands grouping fits, a decimal comma beside decimal points
            f"{shown} {writes} decimals with a comma ({written!r} is {whole}.{part}), the other "
            "numbers with a point: a file is read with one decimal mark, so it is read as text; "
            "export it with a point (or, if the points group thousands, set reading.decimal: "
            '"," and infer again)'
        )
    return (
        f"numbers with a comma in {shown}, beside numbers with a decimal point: is {written!r} "
        f"{whole}{part} (a thousands mark) or {whole}.{part} (a decimal comma)? read as text "
        'until you set reading.thousands: "," or reading.decimal: "," and infer again'
    )


def sample_rules(
    path: Path, *, encoding: str | None = None, delimiter: str | None = None
) -> tuple[ReadingRules, pd.DataFrame | None, dict[str, dict[str, int]], list[str]]:
    """How a sample is read: the rules, its text, the markers and the decimal-comma columns.

    Parquet carries its own types: default rules, no text.
    """
    if path.suffix.lower() != ".csv":
        return ReadingRules(), None, {}, []
    encoding = _encoding(path, encoding)
    rules = ReadingRules(delimiter=_delimiter(path, delimiter, encoding), encoding=encoding)
    text = read_raw(path, rules, everything_as_text=True)
    rules, commas = comma_rules(text, rules)
    markers = find_markers(text, rules)
    return replace(rules, na_values=("", *sorted(markers))), text, markers, commas


def _not_numbers(text: pd.DataFrame | None, rules: ReadingRules) -> list[str]:
    """With a thousands mark, the columns that are not numbers: read as text, since the reader
    drops the mark wherever it can (``31.01.2024`` would become 31012024)."""
    if text is None or rules.thousands is None:
        return []
    found = []
    for column in text.columns:
        values = text[column].dropna()
        if not _numeric_text(values[~values.isin(MARKERS)], rules):
            found.append(str(column))
    return found


def infer(
    path: Path | str,
    name: str,
    *,
    target: str,
    id_column: str | None = None,
    task: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Inferred:
    """A starting contract from the sample file ``path``: review it before committing."""
    path = Path(path)
    rules, text, markers, commas = sample_rules(path, encoding=encoding, delimiter=delimiter)
    leading_zeros = _leading_zero_columns(text, rules)
    frame = read_raw(path, rules, text=leading_zeros + _not_numbers(text, rules))
    sample = Sample(str(path), frame, rules, text, markers, commas, leading_zeros)
    return infer_sample(sample, name, target=target, id_column=id_column, task=task)


@dataclass(frozen=True)
class Sample:
    """What inference reads: a table, where it came from, and, for a CSV file, how it is read
    (its rules, its text, the missing-value markers, decimal-comma and leading-zero columns)."""

    source: str
    frame: pd.DataFrame
    rules: ReadingRules = field(default_factory=ReadingRules)
    text: pd.DataFrame | None = None
    markers: dict[str, dict[str, int]] = field(default_factory=dict)
    commas: list[str] = field(default_factory=list)
    leading_zeros: list[str] = field(default_factory=list)


def infer_sample(
    sample: Sample,
    name: str,
    *,
    target: str,
    id_column: str | None = None,
    task: str | None = None,
) -> Inferred:
    """A starting contract from ``sample`` (a file read by ``infer``, or the table a loader in
    ``datasets.py`` returns, with its own dtypes): review it before committing."""
    frame, text, rules = sample.frame, sample.text, sample.rules
    if frame.empty:
        raise ContractError(f"{sample.source} has no rows to infer from")
    columns_found = [str(c) for c in frame.columns]
    for wanted, flag in ((target, "--target"), (id_column, "--id")):
        if wanted is not None and wanted not in columns_found:
            shown = ", ".join(columns_found[:12]) + (" ..." if len(columns_found) > 12 else "")
            raise ContractError(
                f"{sample.source} has no column {wanted!r} ({flag}); its columns: {shown}"
            )
    if task is not None and task not in TASKS:
        raise ContractError(f"--task is one of {', '.join(TASKS)}")
    rows = len(frame)
    labels = whole_numbers(frame[target], None if text is None else text[target])
    chosen_task, why = _task(labels, task)
    columns: list[Column] = []
    warnings: list[str] = []
    auto_id = id_column
    for column in columns_found:
        series = frame[column]
        if column == target:
            columns.append(_target(labels, chosen_task, why))
            if chosen_task == "classification":
                found = labels.dropna().unique()
                warnings += [f"{target}: {note}" for note in lookalike_notes(list(found))]
        elif column == id_column:
            columns.append(_id(column, series, "--id"))
            if "unique" not in columns[-1].spec or "nullable" in columns[-1].spec:
                warnings.append(
                    f"--id {column}: {'; '.join(columns[-1].notes[1:])}: see its comment in "
                    "the contract"
                )
        elif auto_id is None and id_like(column) and unique_codes(series, rows):
            auto_id = column
            columns.append(_id(column, series, "every value unique, and named like an id"))
        else:
            guess = _feature(column, series, rows)
            if column in sample.leading_zeros:
                guess.notes.append("kept as text: some values have leading zeros")
            columns.append(guess)
    notes = _top_notes(chosen_task, target, frame[target], sample.markers, text)
    notes += _reading_notes(rules, sample.commas, text)
    ambiguous = ambiguous_commas(rules, sample.commas, text)
    warnings += [ambiguous] if ambiguous else []
    return Inferred(
        name=name,
        task=chosen_task,
        reading=rules,
        missing_target=int(frame[target].isna().sum()),
        columns=columns,
        notes=notes,
        source=sample.source,
        rows=rows,
        warnings=warnings,
    )


def _reading_notes(rules: ReadingRules, commas: list[str], text: pd.DataFrame | None) -> list[str]:
    """What the reading rules hold that a person should confirm."""
    notes = []
    if rules.encoding not in {"utf-8", "utf-8-sig"}:
        notes.append(
            f"the file is not UTF-8: read as {rules.encoding} (reading.encoding); check the "
            "accented letters below"
        )
    shown = ", ".join(commas[:5]) + (" ..." if len(commas) > 5 else "")
    if commas and rules.decimal == ",":
        mark = "" if rules.thousands is None else f", thousands mark {rules.thousands!r}"
        notes.append(f"numbers with a decimal comma (3,14{mark}) in: {shown} (reading.decimal)")
    elif commas and rules.thousands == ",":
        notes.append(f"numbers with a thousands comma (3,030) in: {shown} (reading.thousands)")
    elif ambiguous := ambiguous_commas(rules, commas, text):
        notes.append(ambiguous)
    return notes


def _leading_zero_columns(
    text: pd.DataFrame | None, rules: ReadingRules | None = None
) -> list[str]:
    if text is None:
        return []
    found = []
    for column in text.columns:
        values = text[column].dropna().astype(str)
        if not values.empty and values.str.match(r"^0\d").any() and _numeric_text(values, rules):
            found.append(str(column))
    return found


def _top_notes(
    task: str,
    target: str,
    series: pd.Series,
    markers: dict[str, dict[str, int]],
    text: pd.DataFrame | None,
) -> list[str]:
    notes = [f"task: {task} (target {target!r}): set `task: {task}` in params.yaml"]
    for marker, where in sorted(markers.items()):
        cells = ", ".join(f"{column} ({count})" for column, count in where.items())
        notes.append(f"{marker!r} read as missing (reading.na_values), found in: {cells}")
        if text is not None:
            elsewhere = [c for c in text.columns if c not in where and (text[c] == marker).any()]
            if elsewhere:
                notes.append(
                    f"  ...{marker!r} is also a value of {', '.join(map(str, elsewhere))}, "
                    "where it will be read as missing too: check"
                )
    missing = int(series.isna().sum())
    if missing:
        notes.append(
            f"{missing} row(s) have no target: the pipeline REFUSES them (exit 1) until they are "
            "fixed, or until you set missing_target: drop below"
        )
    return notes
