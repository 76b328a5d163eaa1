"""Tables printed for a person at a terminal, and for a log or a pipe a line per row."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

UNWRAPPED = 10_000  # columns: wide enough for any row of a table on one line


def table_console(table: Table) -> Console:
    """A console that prints ``table`` to the terminal's width, or, to a pipe or a CI log,
    never wrapped: each row on one line, which grep and a log viewer read whole."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        natural = console.measure(table, options=console.options.update_width(UNWRAPPED))
        console = Console(highlight=False, width=natural.maximum)
    return console
