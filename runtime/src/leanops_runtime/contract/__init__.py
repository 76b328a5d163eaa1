"""Data contracts: what a dataset must look like before the pipeline may use it.

A contract is ``contracts/<dataset>.yaml``: a pandera ``DataFrameSchema`` in pandera's own YAML
format (dtypes, nullability, ranges, allowed values, uniqueness, strict columns) plus leanops
keys pandera never sees: the ``version``, how files are read (``reading``), what to do with rows
without a target (``missing_target``) and each column's ``role`` (plus a date ``format`` and a
categorical ``encoding``). Allowed values are ``isin`` checks, never a categorical dtype:
pandera's YAML round trip drops categories and would then accept any value.

- ``model``: the ``Contract``, loading and dumping it;
- ``reading``: reading a file by the contract's rules (delimiter, markers, text, dates);
- ``checks``: validation by pandera (the one source of the rules) and the JSON report;
- ``inference``: ``contract infer``, what a sample holds; ``writing``: it as commented YAML.
"""

from __future__ import annotations

from ..files import REPORTS_DIR
from .checks import (
    ContractViolation,
    check_frame,
    describe,
    hints,
    kind,
    report_path,
    summary,
    validate,
    write_report,
)
from .model import (
    CONTRACTS_DIR,
    FEATURE_ROLES,
    ROLES,
    Contract,
    ContractError,
    ReadingRules,
    contract_path,
    dump_contract,
    from_mapping,
    load_contract,
    to_mapping,
)
from .reading import Failure, ReadError, Table, conform, prepare, read_data, read_raw

__all__ = [
    "CONTRACTS_DIR",
    "FEATURE_ROLES",
    "REPORTS_DIR",
    "ROLES",
    "Contract",
    "ContractError",
    "ContractViolation",
    "Failure",
    "ReadError",
    "ReadingRules",
    "Table",
    "check_frame",
    "conform",
    "contract_path",
    "describe",
    "dump_contract",
    "from_mapping",
    "hints",
    "kind",
    "load_contract",
    "prepare",
    "read_data",
    "read_raw",
    "report_path",
    "summary",
    "to_mapping",
    "validate",
    "write_report",
]
