"""The summary a person reads after ``leanops update``/``diff``: one table, then what to do."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .results import UP_TO_DATE, Result


def display_path(path: str) -> str:
    """A project path relative to the current folder when it is below it."""
    try:
        relative = Path(path).relative_to(Path.cwd())
    except ValueError:
        return path
    return str(relative) if str(relative) != "." else Path(path).name


def print_json(results: list[Result]) -> None:
    """``{"projects": [...]}`` on stdout."""
    print(json.dumps({"projects": [result.to_json() for result in results]}, indent=2))


def print_summary(results: list[Result]) -> None:
    """The summary table, then what to do about each project that needs attention."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    table = Table(title="leanops update")
    for column in ("project", "from → to", "status", "files changed", "conflicting files"):
        table.add_column(column)
    for result in results:
        arrow = f"{result.current} → {result.target}" if result.target else result.current
        table.add_row(
            display_path(result.project),
            arrow,
            result.status,
            str(len(result.changed)) if result.changed else "",
            "\n".join(result.conflicts),
        )
    console.print(table)
    for result in results:
        name = display_path(result.project)
        for path in result.kept:
            console.print(f"{name}: kept: {path} (edited here, removed upstream)")
        for path in result.held_back:
            console.print(
                f"{name}: held back: {path} (the template adds it, and your checkout has an "
                "ignored file there: yours is kept, the template's is not added)"
            )
        for path in result.conflicts:
            console.print(f"{name}: conflict: {path}")
        for note in result.notes:
            console.print(f"{name}: follow-up: {note}")
        if result.message and result.status != UP_TO_DATE:
            console.print(f"{name}: {result.status}: {result.message}")
        if result.diff:
            console.file.flush()
            sys.stdout.write(result.diff)
