"""The project report: one self-contained HTML page under ``reports/`` (``report`` command).

``collect`` gathers, for params.yaml's dataset, the production model's card, recent runs, the
last contract and drift checks and the audit trail into a typed ``Snapshot``; ``html`` renders
it (charts by ``charts``); the same snapshot feeds ``reports/status.json`` for readers outside the
project (``status``).
"""

from __future__ import annotations

from pathlib import Path

from .collect import Snapshot, collect
from .status import from_snapshot, write_status

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..settings import Settings

__all__ = ["DEFAULT_OUTPUT", "Snapshot", "build", "collect"]

DEFAULT_OUTPUT = Path("reports") / "report.html"


def build(settings: Settings, root: Path | str, output: Path | str) -> tuple[Path, Snapshot]:
    """Write the report page to ``output`` and refresh ``reports/status.json``."""
    from ..files import write_atomic
    from .html import render

    snapshot = collect(settings, root)
    page = write_atomic(Path(output), render(snapshot).encode("utf-8"))
    write_status(root, from_snapshot(snapshot))
    return page, snapshot
