"""Data contracts: what a dataset must look like before the pipeline may use it.

A contract is ``contracts/<dataset>.yaml``: a pandera ``DataFrameSchema`` in pandera's own YAML
format (dtypes, nullability, ranges, allowed values, uniqueness, strict columns) plus two leanops
keys pandera ignores: a top-level ``version`` and each column's ``role`` (one of ``ROLES``), which
the feature pipeline is built from. Allowed values are ``isin`` checks, never a categorical dtype:
pandera's YAML round trip drops categories and would then accept any value.

Validation is lazy (every failure is collected, not just the first). Clean data is confirmed by a
vectorised fast path driven by the same schema; on any doubt pandera validates for real. The
result is written to ``reports/contract_<dataset>.json`` (column, check, failing value, row
index), and a failure raises ``ContractViolation`` whose one-line message names its kinds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .errors import RefusedError, UserError

CONTRACTS_DIR = Path("contracts")
REPORTS_DIR = Path("reports")
ROLES = ("id", "feature_numeric", "feature_categorical", "target")
# Widen observed ranges by this fraction of the span when inferring, so new data has some room.
RANGE_MARGIN = 0.1
# Failures printed under a violation's message; the JSON report holds all of them.
SHOWN_FAILURES = 20
# Integer or text columns with at most this many distinct values get an ``isin`` check.
MAX_ALLOWED_VALUES = 20
# Friendly names of pandera's checks, used in the one-line message.
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
}


class ContractError(UserError):
    """The contract file itself is missing or malformed; one line meant for the user."""


class ContractViolation(RefusedError):  # noqa: N818 - a violation, not a programming error
    """The data breaks its contract; ``failures`` holds every failure, ``report`` the JSON file."""

    def __init__(self, message: str, failures: list[dict[str, Any]], report: Path) -> None:
        super().__init__(message)
        self.failures = failures
        self.report = report

    def details(self) -> list[str]:
        """The first failures (column, check, value, row), then where the rest are."""
        lines = []
        for failure in self.failures[:SHOWN_FAILURES]:
            row = "" if failure["row"] is None else f" row {failure['row']}"
            column, check, value = failure["column"], failure["check"], failure["value"]
            lines.append(f"{column}: {check} failed for {value!r}{row}")
        hidden = len(self.failures) - SHOWN_FAILURES
        if hidden > 0:
            lines.append(f"... and {hidden} more in {self.report}")
        return lines


@dataclass
class Contract:
    """A dataset's contract: the pandera schema plus the leanops version and column roles."""

    name: str
    version: int
    schema: Any  # pandera.pandas.DataFrameSchema (imported lazily: pandera is slow to import)
    roles: dict[str, str] = field(default_factory=dict)

    def columns(self, role: str) -> list[str]:
        """The columns that have ``role``, in contract order."""
        return [name for name, r in self.roles.items() if r == role]

    @property
    def target(self) -> str:
        """The one target column."""
        targets = self.columns("target")
        if len(targets) != 1:
            raise ContractError(f"contract {self.name} must have exactly one target column")
        return targets[0]


# ------------------------------------------------------------------------------- load and dump


def contract_path(dataset: str, root: Path | str = ".") -> Path:
    """``contracts/<dataset>.yaml`` under ``root``."""
    return Path(root) / CONTRACTS_DIR / f"{dataset}.yaml"


def from_mapping(raw: Any, name: str) -> Contract:
    """Build a contract from its parsed YAML; ContractError when a leanops key is wrong."""
    from pandera.io.pandas_io import deserialize_schema

    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), dict):
        raise ContractError(f"contract {name} must be a mapping with a 'columns' mapping")
    raw = dict(raw)
    version = raw.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ContractError(f"contract {name} needs an integer 'version' >= 1")
    columns: dict[str, Any] = {}
    roles: dict[str, str] = {}
    for column, given in raw["columns"].items():
        spec = dict(given or {})
        role = spec.pop("role", None)
        if role not in ROLES:
            raise ContractError(
                f"contract {name}: column {column!r} needs a role, one of {', '.join(ROLES)}"
            )
        if "category" in str(spec.get("dtype", "")):
            raise ContractError(
                f"contract {name}: column {column!r} uses a categorical dtype; use an isin check"
            )
        roles[str(column)] = role
        columns[column] = spec
    raw["columns"] = columns
    try:
        schema = deserialize_schema(raw)
    except Exception as error:  # pandera raises many types for a bad schema
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ContractError(f"contract {name} is not a valid pandera schema: {reason}") from error
    contract = Contract(name=name, version=version, schema=schema, roles=roles)
    _ = contract.target  # exactly one target
    return contract


def to_mapping(contract: Contract) -> dict[str, Any]:
    """The contract as plain data: pandera's serialised schema plus ``version`` and roles."""
    from pandera.io.pandas_io import serialize_schema

    raw = serialize_schema(contract.schema)
    raw.pop("version", None)  # pandera's own version key would clash with ours
    columns = {}
    for column, spec in (raw.get("columns") or {}).items():
        columns[column] = {"role": contract.roles[column], **(spec or {})}
    raw["columns"] = columns
    return {"version": contract.version, **raw}


def load_contract(dataset: str, root: Path | str = ".", path: Path | None = None) -> Contract:
    """Read ``contracts/<dataset>.yaml`` (or ``path``)."""
    path = Path(path) if path is not None else contract_path(dataset, root)
    if not path.is_file():
        raise ContractError(
            f"contract not found: {path} (write one with `contract infer FILE -o {path}`)"
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContractError(f"{path} is not valid YAML") from error
    return from_mapping(raw, dataset)


def dump_contract(contract: Contract) -> str:
    """The contract as YAML text, in the same format ``load_contract`` reads."""
    header = (
        f"# Data contract for {contract.name}: a pandera DataFrameSchema plus leanops keys:\n"
        f"# version (bump it on every change) and each column's role ({', '.join(ROLES)}).\n"
    )
    return header + str(yaml.safe_dump(to_mapping(contract), sort_keys=False))


# ---------------------------------------------------------------------------------- validation


def conform(contract: Contract, frame: pd.DataFrame) -> pd.DataFrame:
    """Widen integer columns the contract declares as float (CSV reads ``1.0`` as ``1``).

    Only this lossless cast is done; every other dtype mismatch is a contract failure.
    """
    casts = {}
    for name, column in contract.schema.columns.items():
        if name not in frame.columns or column.dtype is None:
            continue
        wanted = str(column.dtype)
        if wanted.startswith("float") and pd.api.types.is_integer_dtype(frame[name].dtype):
            casts[name] = wanted
    return frame.astype(casts) if casts else frame


def _plain(value: Any) -> Any:
    """A JSON-safe version of a failing value (numpy scalars, NaN, timestamps)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _check_passes(check: Any, series: pd.Series, nulls: pd.Series | None) -> bool | None:
    """Whether every non-null value meets one built-in pandera check (None: not a known check).

    Bounds are compared with the column's min and max (one pass, no temporary mask); nulls pass,
    as in pandera.
    """
    stats = check.statistics or {}
    name = check.name
    bounds = {
        "in_range": (stats.get("min_value"), stats.get("max_value")),
        "greater_than_or_equal_to": (stats.get("min_value"), None),
        "greater_than": (stats.get("min_value"), None),
        "less_than_or_equal_to": (None, stats.get("max_value")),
        "less_than": (None, stats.get("max_value")),
    }
    if name in bounds:
        if not pd.api.types.is_numeric_dtype(series.dtype):
            return None
        if nulls is not None and bool(nulls.all()):
            return True
        low, high = bounds[name]
        lowest, highest = series.min(), series.max()
        strict_low = name == "greater_than" or not stats.get("include_min", True)
        strict_high = name == "less_than" or not stats.get("include_max", True)
        ok_low = low is None or (lowest > low if strict_low else lowest >= low)
        ok_high = high is None or (highest < high if strict_high else highest <= high)
        return bool(ok_low and ok_high)
    if name in {"isin", "notin"}:
        key = "allowed_values" if name == "isin" else "forbidden_values"
        inside = series.isin(stats[key])
        mask = inside if name == "isin" else ~inside
        if nulls is not None:
            mask = mask | nulls
        return bool(mask.all())
    return None


def passes(contract: Contract, frame: pd.DataFrame) -> bool:  # noqa: PLR0911 - one per rule
    """True when ``frame`` certainly meets the contract, checked column by column, vectorised.

    The fast path for clean data: pandera's per-check machinery costs several times more on a
    million rows. It evaluates the same rules from the same schema objects: required and strict
    columns, dtype, nullability, uniqueness and the built-in checks. Anything it does not know
    (custom or dataframe-level checks, coercion, regex columns) or any failure returns False, and
    pandera then validates for real and produces the detailed report.
    """
    from pandera.engines import pandas_engine

    schema = contract.schema
    if schema.checks or schema.coerce or schema.index is not None or schema.unique:
        return False
    names = set(schema.columns)
    present = set(frame.columns)
    if frame.columns.duplicated().any():
        return False
    if not names <= present or (schema.strict and present - names):
        return False
    for name, column in schema.columns.items():
        if column.regex or column.coerce:
            return False
        series = frame[name]
        if column.dtype is not None and not column.dtype.check(
            pandas_engine.Engine.dtype(series.dtype)
        ):
            return False
        nulls = series.isna()
        has_nulls = bool(nulls.any())
        if has_nulls and not column.nullable:
            return False
        # Strictly increasing ids are unique without hashing them.
        if column.unique and not (series.is_monotonic_increasing and series.is_unique):
            return False
        for check in column.checks:
            if not _check_passes(check, series, nulls if has_nulls else None):
                return False
    return True


def validate(contract: Contract, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Every failure of ``frame`` against the contract (empty when it passes), lazily collected.

    Each failure is ``{"column", "check", "value", "row"}``; ``row`` is the row's index in the
    frame (None for failures of a whole column, such as a missing column).
    """
    from pandera.errors import SchemaErrors

    if passes(contract, frame):
        return []
    try:
        contract.schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
        return [
            {
                "column": _plain(column),
                "check": str(check),
                "value": _plain(value),
                "row": _plain(row),
            }
            for column, check, value, row in zip(
                cases["column"], cases["check"], cases["failure_case"], cases["index"], strict=True
            )
        ]
    return []


def kind(check: str) -> str:
    """``'in_range(0, 10)'`` -> ``'out of range'``: the kind of failure a check reports."""
    base = check.split("(", 1)[0]
    return KINDS.get(base, base)


def summary(failures: list[dict[str, Any]], limit: int = 4) -> str:
    """One line naming each kind of failure and its columns, e.g. ``missing column 'a'``."""
    seen: dict[str, list[str]] = {}
    for failure in failures:
        what = kind(failure["check"])
        column = failure["column"]
        if what in {"missing column", "unexpected column"}:
            column = failure["value"]
        names = seen.setdefault(what, [])
        if repr(column) not in names:
            names.append(repr(column))
    parts = [f"{what} {', '.join(names[:3])}" for what, names in seen.items()]
    more = f"; and {len(parts) - limit} more kinds" if len(parts) > limit else ""
    return "; ".join(parts[:limit]) + more


def report_path(dataset: str, root: Path | str = ".") -> Path:
    """``reports/contract_<dataset>.json``."""
    return Path(root) / REPORTS_DIR / f"contract_{dataset}.json"


def write_report(
    contract: Contract,
    failures: list[dict[str, Any]],
    *,
    source: str,
    rows: int,
    root: Path | str = ".",
) -> Path:
    """Write the validation result as JSON under ``reports/`` (atomically), pass or fail."""
    from .files import write_atomic

    report = {
        "dataset": contract.name,
        "contract_version": contract.version,
        "source": source,
        "rows": rows,
        "passed": not failures,
        "failure_count": len(failures),
        "failures": failures,
    }
    text = json.dumps(report, indent=2, allow_nan=False) + "\n"
    return write_atomic(report_path(contract.name, root), text.encode("utf-8"))


def check_frame(
    contract: Contract, frame: pd.DataFrame, *, source: str, root: Path | str = "."
) -> tuple[pd.DataFrame, Path]:
    """Validate ``frame``, write the report; return the conformed frame and the report path.

    Raises ContractViolation when any check fails.
    """
    frame = conform(contract, frame)
    failures = validate(contract, frame)
    report = write_report(contract, failures, source=source, rows=len(frame), root=root)
    if failures:
        message = (
            f"{source} breaks contract {contract.name} v{contract.version}: "
            f"{len(failures)} failure(s): {summary(failures)} (report: {report})"
        )
        from .alerts import notify  # F11: alert a webhook; never raises

        notify("contract", message, root=root, severity="error", details={"report": str(report)})
        raise ContractViolation(message, failures, report)
    return frame, report


# ----------------------------------------------------------------------------------- inference


def _role(name: str, series: pd.Series, target: str, id_column: str) -> str:
    if name == target:
        return "target"
    if name == id_column:
        return "id"
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return "feature_numeric"
    return "feature_categorical"


def _range(series: pd.Series) -> dict[str, Any] | None:
    """Observed min/max widened by RANGE_MARGIN; never below 0 when nothing observed is."""
    values = series.dropna()
    if values.empty:
        return None
    low, high = float(values.min()), float(values.max())
    margin = (high - low) * RANGE_MARGIN or abs(high) * RANGE_MARGIN or 1.0
    new_low, new_high = low - margin, high + margin
    if low >= 0:
        new_low = max(new_low, 0.0)
    if pd.api.types.is_integer_dtype(series):
        return {"min_value": math.floor(new_low), "max_value": math.ceil(new_high)}
    return {"min_value": round(new_low, 6), "max_value": round(new_high, 6)}


def infer(
    frame: pd.DataFrame,
    name: str,
    *,
    target: str = "target",
    id_column: str = "sample_id",
    version: int = 1,
) -> Contract:
    """A starting contract from a sample: review it (ranges, allowed values) before committing."""
    if frame.empty:
        raise ContractError("cannot infer a contract from an empty sample")
    if target not in frame.columns:
        raise ContractError(f"the sample has no target column {target!r}")
    columns: dict[str, Any] = {}
    for column in frame.columns:
        series = frame[column]
        role = _role(str(column), series, target, id_column)
        spec: dict[str, Any] = {"dtype": str(series.dtype), "nullable": bool(series.isna().any())}
        if role == "id":
            spec["unique"] = True
        distinct = series.dropna().unique()
        few = len(distinct) <= MAX_ALLOWED_VALUES
        discrete = not pd.api.types.is_float_dtype(series)
        if role in {"feature_categorical", "target"} and few and discrete:
            spec["checks"] = {"isin": sorted(_plain(v) for v in distinct)}
        elif role in {"feature_numeric", "target"} and pd.api.types.is_numeric_dtype(series):
            bounds = _range(series)
            if bounds is not None:
                spec["checks"] = {"in_range": bounds}
        columns[str(column)] = {"role": role, **spec}
    return from_mapping({"version": version, "columns": columns, "strict": True}, name)
