"""What a contract says: pandera's schema plus the leanops keys pandera does not know.

A contract file is pandera's own YAML (``columns`` with ``dtype``, ``nullable``, ``unique`` and
checks such as ``in_range`` or ``isin``; ``strict``) plus these leanops keys, stripped before
pandera reads the rest:

- ``version`` (top level): an integer, bumped on every change;
- ``reading`` (top level): how files are read: ``delimiter`` (default ``,``), ``na_values`` (the
  only text read as missing; default: the empty cell), ``encoding`` (default ``utf-8``),
  ``decimal`` (default ``.``; ``,`` for a European export) and ``thousands`` (default none);
- ``missing_target`` (top level): ``refuse`` (default: rows without a target are a contract
  failure) or ``drop`` (they are dropped before validation, and counted in the log);
- per column ``role`` (one of ``ROLES``), ``format`` (how a ``datetime64`` column is parsed from
  text, a ``strftime`` format; default ISO 8601) and ``encoding`` (for a categorical feature:
  ``onehot``, the default, or ``target`` for codes with thousands of values), ``unseen`` (for a
  categorical feature: ``refuse``, the default, or ``unknown``: at prediction, a value its
  ``isin`` does not list is accepted and encoded as an unknown category) and ``leak_ok``.

Any other key is refused, with the closest valid one: pandera ignores what it does not know, so
a misspelt ``inrange`` would silently check nothing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import UserError, first_line
from ..files import read_yaml

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pandera.api.pandas.container import DataFrameSchema

CONTRACTS_DIR = Path("contracts")
# id: identifies a row, never a feature, copied into predictions.
# feature_*: what the model sees. passthrough: kept and copied into predictions, not a feature.
# ignore: kept in the data and checked, but neither a feature nor in predictions.
ROLES = (
    "id",
    "feature_numeric",
    "feature_categorical",
    "feature_datetime",
    "passthrough",
    "ignore",
    "target",
)
FEATURE_ROLES = ("feature_numeric", "feature_categorical", "feature_datetime")
ENCODINGS = ("onehot", "target")
# Roles of columns that are no features: keys of a feature (its encoding) no longer apply.
LEFT_OUT = frozenset({"ignore", "passthrough", "id"})
MISSING_TARGET = ("refuse", "drop")
COLUMN_KEYS = ("role", "format", "encoding", "leak_ok", "unseen")
UNSEEN = ("refuse", "unknown")
READING_KEYS = ("delimiter", "na_values", "encoding", "decimal", "thousands")
TOP_KEYS = ("version", "reading", "missing_target")
# What pandera's YAML reads (pandera.io): the schema's keys, a column's keys, and the built-in
# checks a column may name directly (``in_range: {...}``). pandera skips any other key.
PANDERA_TOP_KEYS = (
    "schema_type",
    "api",
    "dataframe_library",
    "columns",
    "checks",
    "index",
    "multiindex",
    "dtype",
    "coerce",
    "strict",
    "name",
    "ordered",
    "unique",
    "report_duplicates",
    "unique_column_names",
    "add_missing_columns",
    "title",
    "description",
    "metadata",
    "drop_invalid_rows",
)
PANDERA_COLUMN_KEYS = (
    "dtype",
    "nullable",
    "unique",
    "coerce",
    "required",
    "regex",
    "checks",
    "title",
    "description",
    "default",
    "report_duplicates",
    "drop_invalid_rows",
)
PANDERA_CHECKS = (
    "in_range",
    "isin",
    "notin",
    "equal_to",
    "not_equal_to",
    "greater_than",
    "greater_than_or_equal_to",
    "less_than",
    "less_than_or_equal_to",
    "str_matches",
    "str_contains",
    "str_startswith",
    "str_endswith",
    "str_length",
    "unique_values_eq",
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
)
COLUMN_VALID_KEYS = COLUMN_KEYS + PANDERA_COLUMN_KEYS + PANDERA_CHECKS
DEFAULT_NA_VALUES = ("",)
# Column dtypes read as text from CSV (so "007" stays "007" and an empty column stays text).
TEXT_DTYPES = ("str", "string", "object")

Mapping = dict[str, object]


class ContractError(UserError):
    """The contract file itself is missing or malformed; one line meant for the user."""


@dataclass(frozen=True)
class ReadingRules:
    """How a CSV file of this dataset is read (Parquet carries its own types)."""

    delimiter: str = ","
    na_values: tuple[str, ...] = DEFAULT_NA_VALUES
    encoding: str = "utf-8"
    decimal: str = "."
    thousands: str | None = None


@dataclass
class Contract:
    """A dataset's contract: the pandera schema plus the leanops version, roles and rules."""

    name: str
    version: int
    schema: DataFrameSchema
    roles: dict[str, str] = field(default_factory=dict)
    reading: ReadingRules = field(default_factory=ReadingRules)
    formats: dict[str, str] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)
    missing_target: str = "refuse"
    raw: Mapping = field(default_factory=dict)
    path: Path | None = None  # the file it was loaded from (named in every report)
    # Features a person checked are known when predicting (``leak_ok: true``), though they
    # alone give the target away: the leakage guard lets them through.
    reviewed: frozenset[str] = frozenset()
    # Categorical features whose unseen values are predicted as unknown (``unseen: unknown``).
    open_categories: frozenset[str] = frozenset()

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

    @property
    def ids(self) -> list[str]:
        """The id columns (usually one; none is allowed)."""
        return self.columns("id")

    @property
    def features(self) -> list[str]:
        """Every column the model sees, in contract order."""
        return [name for name, role in self.roles.items() if role in FEATURE_ROLES]

    @property
    def carried(self) -> list[str]:
        """Columns copied into predictions: the ids, then the passthrough columns."""
        return [*self.ids, *self.columns("passthrough")]

    def dtype(self, column: str) -> str:
        """The dtype the contract declares for ``column`` ('' when it declares none)."""
        declared = self.schema.columns[column].dtype
        return "" if declared is None else str(declared)

    def text_columns(self) -> list[str]:
        """Columns declared as text (read as text from CSV, whatever they look like)."""
        found = []
        for name, spec in _column_specs(self.raw).items():
            dtype = str(spec.get("dtype", ""))
            if dtype in TEXT_DTYPES or dtype.startswith("string"):
                found.append(name)
        return found

    def datetime_columns(self) -> list[str]:
        """Columns declared ``datetime64[...]``: parsed (by ``format``) when read as text."""
        return [
            name
            for name, spec in _column_specs(self.raw).items()
            if str(spec.get("dtype", "")).startswith("datetime64")
        ]

    def without_target(self) -> Contract:
        """The contract of a batch to predict: every rule but the target column's; the columns
        no model reads (``ignore``) may be missing, and the ``unseen: unknown`` columns may hold
        values their ``isin`` does not list."""
        target = self.target
        raw = dict(self.raw)
        raw["columns"] = {k: v for k, v in _column_specs(self.raw).items() if k != target}
        updates: dict[str, dict[str, object]] = {
            name: {"required": False} for name in self.columns("ignore")
        }
        for name in self.open_categories:
            checks = self.schema.columns[name].checks
            updates[name] = {"checks": [check for check in checks if check.name != "isin"]}
        return replace(
            self,
            schema=self.schema.remove_columns([target]).update_columns(updates),
            roles={name: role for name, role in self.roles.items() if name != target},
            raw=raw,
        )

    def types_only(self) -> Contract:
        """The contract without its value checks (ranges, allowed values, missing values,
        uniqueness): columns, dtypes and reading rules only. What a drift check validates a
        batch by: values that leave their range are the drift it measures, not bad data."""
        loose = {"checks": [], "nullable": True, "unique": False}
        updates = {name: dict(loose) for name in self.schema.columns}
        return replace(self, schema=self.schema.update_columns(updates))


def _column_specs(raw: Mapping) -> dict[str, dict[str, object]]:
    columns = raw.get("columns")
    if not isinstance(columns, dict):
        return {}
    return {str(k): dict(v) if isinstance(v, dict) else {} for k, v in columns.items()}


# ------------------------------------------------------------------------------- load and dump


def contract_path(dataset: str, root: Path | str = ".") -> Path:
    """``contracts/<dataset>.yaml`` under ``root``."""
    return Path(root) / CONTRACTS_DIR / f"{dataset}.yaml"


def unknown_key(name: str, where: str, key: object, valid: tuple[str, ...]) -> ContractError:
    """The one-line error for a key the contract does not know, with the closest valid one."""
    close = difflib.get_close_matches(str(key), valid, n=1)
    guess = f" (did you mean {close[0]!r}?)" if close else ""
    return ContractError(
        f"contract {name}: unknown key {key!r} {where}{guess}; valid keys: {', '.join(valid)}"
    )


def _refuse_unknown(raw: Mapping, name: str, where: str, valid: tuple[str, ...]) -> None:
    for key in raw:
        if key not in valid:
            raise unknown_key(name, where, key, valid)


def _one_character(raw: Mapping, key: str, name: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 1:
        raise ContractError(f"contract {name}: reading.{key} must be one character")
    return value


def _reading(raw: object, name: str) -> ReadingRules:
    if raw is None:
        return ReadingRules()
    if not isinstance(raw, dict):
        raise ContractError(f"contract {name}: 'reading' is a mapping of {', '.join(READING_KEYS)}")
    _refuse_unknown(raw, name, "in 'reading'", READING_KEYS)
    delimiter = _one_character(raw, "delimiter", name) or ","
    decimal = _one_character(raw, "decimal", name) or "."
    thousands = _one_character(raw, "thousands", name)
    # A thousands mark may be the delimiter: a CSV quotes such numbers ("3,030").
    if decimal in {delimiter, thousands}:
        raise ContractError(
            f"contract {name}: reading.decimal must differ from its delimiter and thousands"
        )
    na_values = raw.get("na_values", list(DEFAULT_NA_VALUES))
    if not isinstance(na_values, list) or not all(isinstance(v, str) for v in na_values):
        raise ContractError(f"contract {name}: reading.na_values must be a list of strings")
    encoding = raw.get("encoding", "utf-8")
    if not isinstance(encoding, str) or not known_encoding(encoding):
        raise ContractError(
            f"contract {name}: reading.encoding {encoding!r} is not a text encoding "
            "(e.g. utf-8, cp1252, latin-1)"
        )
    return ReadingRules(
        delimiter=delimiter,
        na_values=tuple(na_values),
        encoding=encoding,
        decimal=decimal,
        thousands=thousands,
    )


def known_encoding(encoding: str) -> bool:
    """Whether Python can decode text in ``encoding`` (``utf-8``, ``cp1252``, ``latin-1``...)."""
    try:
        "".encode(encoding)  # LookupError for an unknown name or a bytes codec such as hex
    except LookupError:
        return False
    return True


def _column_rules(
    name: str, column: str, spec: dict[str, object]
) -> tuple[str, str | None, str | None]:
    """(role, format, encoding) of one column, checked."""
    _refuse_unknown(spec, name, f"for column {column!r}", COLUMN_VALID_KEYS)
    role = spec.get("role")
    if role is None:
        raise ContractError(
            f"contract {name}: column {column!r} needs a role, one of {', '.join(ROLES)}"
        )
    if role not in ROLES:
        close = difflib.get_close_matches(str(role), ROLES, n=1)
        guess = f" (did you mean {close[0]!r}?)" if close else ""
        raise ContractError(
            f"contract {name}: unknown role {role!r} for column {column!r}{guess} "
            f"(roles: {', '.join(ROLES)})"
        )
    checks = [key for key in spec if key in PANDERA_CHECKS]
    if checks and spec.get("checks") is not None:
        raise ContractError(
            f"contract {name}: column {column!r} has both 'checks' and {checks[0]!r}: pandera "
            "would ignore the latter; keep one form"
        )
    dtype = str(spec.get("dtype", ""))
    if "category" in dtype:
        raise ContractError(
            f"contract {name}: column {column!r} uses a categorical dtype; use an isin check"
        )
    if role == "feature_datetime" and not dtype.startswith("datetime64"):
        raise ContractError(
            f"contract {name}: column {column!r} is a feature_datetime, so its dtype must be "
            "datetime64[ns] (parsed by its 'format')"
        )
    if role in {"feature_numeric", "feature_categorical"} and dtype.startswith("datetime64"):
        raise ContractError(
            f"contract {name}: column {column!r} holds dates: give it role feature_datetime "
            "(year, month, weekday... as features) or ignore"
        )
    if role == "target" and spec.get("nullable"):
        raise ContractError(
            f"contract {name}: the target {column!r} cannot be nullable; to drop rows without "
            "a target, set missing_target: drop at the top of the contract"
        )
    fmt = spec.get("format")
    if fmt is not None and (not isinstance(fmt, str) or not dtype.startswith("datetime64")):
        raise ContractError(
            f"contract {name}: column {column!r}: 'format' is a strftime text for a "
            "datetime64 column"
        )
    encoding = spec.get("encoding")
    if encoding is not None and encoding not in ENCODINGS:
        raise ContractError(
            f"contract {name}: column {column!r}: 'encoding' is one of {', '.join(ENCODINGS)}"
        )
    unseen = spec.get("unseen")
    if unseen is not None and unseen not in UNSEEN:
        raise ContractError(
            f"contract {name}: column {column!r}: 'unseen' is one of {', '.join(UNSEEN)}"
        )
    applies = _categorical_keys_apply(name, column, str(role), spec)
    if encoding is None or not applies:
        return str(role), fmt, None
    return str(role), fmt, str(encoding)


def _categorical_keys_apply(name: str, column: str, role: str, spec: Mapping) -> bool:
    """Whether a column's ``encoding`` and ``unseen`` apply: to a categorical feature; not to a
    column switched out of the features, as its inferred comment says to (the keys stay,
    unused); on any other role they are an error naming the line to delete."""
    if role == "feature_categorical":
        return True
    for key in ("encoding", "unseen"):
        if key in spec and role not in LEFT_OUT:
            raise ContractError(
                f"contract {name}: column {column!r}: {key!r} applies to a feature_categorical "
                f"column only: delete its line '{key}: {spec[key]}'"
            )
    return False


def from_mapping(raw: object, name: str) -> Contract:
    """Build a contract from its parsed YAML; ContractError when a key is wrong."""
    from pandera.io.pandas_io import deserialize_schema

    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), dict):
        raise ContractError(f"contract {name} must be a mapping with a 'columns' mapping")
    kept: Mapping = {str(k): v for k, v in raw.items()}
    _refuse_unknown(kept, name, "at the top level", TOP_KEYS + PANDERA_TOP_KEYS)
    version = kept.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ContractError(f"contract {name} needs an integer 'version' >= 1")
    reading = _reading(kept.pop("reading", None), name)
    missing_target = kept.pop("missing_target", "refuse")
    if missing_target not in MISSING_TARGET:
        raise ContractError(f"contract {name}: missing_target is 'refuse' or 'drop'")
    pandera_columns: dict[str, dict[str, object]] = {}
    roles: dict[str, str] = {}
    formats: dict[str, str] = {}
    encodings: dict[str, str] = {}
    reviewed: set[str] = set()
    open_categories: set[str] = set()
    for column, spec in _column_specs(kept).items():
        role, fmt, encoding = _column_rules(name, column, spec)
        roles[column] = role
        if not isinstance(spec.get("leak_ok", False), bool):
            raise ContractError(f"contract {name}: column {column!r}: 'leak_ok' is true or false")
        if spec.get("leak_ok"):
            reviewed.add(column)
        if spec.get("unseen") == "unknown" and role == "feature_categorical":
            open_categories.add(column)
        if fmt is not None:
            formats[column] = fmt
        if encoding is not None:
            encodings[column] = encoding
        pandera_columns[column] = {k: v for k, v in spec.items() if k not in COLUMN_KEYS}
    kept["columns"] = pandera_columns
    try:
        schema = deserialize_schema(kept)
    except Exception as error:  # pandera raises many types for a bad schema
        reason = first_line(error)
        raise ContractError(f"contract {name} is not a valid pandera schema: {reason}") from error
    contract = Contract(
        name=name,
        version=version,
        schema=schema,
        roles=roles,
        reading=reading,
        formats=formats,
        encodings=encodings,
        missing_target=str(missing_target),
        raw=dict(raw),
        reviewed=frozenset(reviewed),
        open_categories=frozenset(open_categories),
    )
    _ = contract.target  # exactly one target
    if not contract.features:
        raise ContractError(f"contract {name} has no feature column (roles feature_*)")
    return contract


def to_mapping(contract: Contract) -> Mapping:
    """The contract as plain data, exactly as its file says (a copy: change it freely)."""
    import copy

    return copy.deepcopy(contract.raw)


def load_contract(dataset: str, root: Path | str = ".", path: Path | None = None) -> Contract:
    """Read ``contracts/<dataset>.yaml`` (or ``path``; its name is then the file's stem)."""
    import yaml

    if path is not None:
        path = Path(path)
        dataset = path.stem
    else:
        path = contract_path(dataset, root)
    if not path.is_file():
        raise ContractError(
            f"contract not found: {path} (write one with "
            f"`contract infer DATA_FILE --target COLUMN -o {path}`; DATA_FILE may be the name "
            "of a loader in datasets.py)"
        )
    try:
        raw = read_yaml(path)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ContractError(f"{path} is not valid YAML{where}") from error
    return replace(from_mapping(raw, dataset), path=path)


def dump_contract(contract: Contract) -> str:
    """The contract as YAML text, in the format ``load_contract`` reads (no comments)."""
    import yaml

    header = (
        f"# Data contract for {contract.name}: a pandera DataFrameSchema plus leanops keys\n"
        "# (version, reading, missing_target; each column's role, format, encoding).\n"
    )
    return header + str(yaml.safe_dump(to_mapping(contract), sort_keys=False))
