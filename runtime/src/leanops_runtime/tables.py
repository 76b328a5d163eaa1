"""The one plain-text table renderer every command uses (runs, models, the gate, drift, status).

Aligned columns, a rule under the header, ``-`` for a missing value; floats in a short form. No
colours or box drawing: the output is read in terminals, CI logs and pasted into issues alike.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

Cell = object


def cell(value: Cell) -> str:
    """A value as table text: ``-`` for None, short floats, JSON for lists and mappings."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        short = repr(value)  # 1.0 stays 1.0; 0.9500000000000001 becomes 0.95
        return short if len(short) <= 10 else f"{value:.6g}"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, sort_keys=True, default=str)


def render(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """The rows under ``headers`` as an aligned text table (no trailing spaces)."""
    cells = [[str(header) for header in headers], *([cell(value) for value in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def key_values(pairs: Sequence[tuple[str, Cell]]) -> str:
    """``key   value`` lines with the values aligned (for ``info`` and ``runs show``)."""
    width = max((len(key) for key, _ in pairs), default=0) + 2
    return "\n".join(f"{key:<{width}}{cell(value)}".rstrip() for key, value in pairs)
